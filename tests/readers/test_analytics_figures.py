"""The figures the Analytics API makes possible, on the saved example month (examples/analytics/)
and on small hand-made relations. Prices: pricing-facts (Sonnet 4.6 $3 / $15 per MTok, cache read
$0.30, 1h write $6; Haiku 4.5 $1 / $5, 5m write $1.25, read $0.10; Opus 4.7 $5 / $25, 1h write
$10; batch half of each; US residency x1.1; web search $10 per 1,000, not halved)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from calculator.analytics_figures import catalogue_check, discount_by_line, requests_by_model_tier
from calculator.contract import load_contract
from calculator.readers.analytics import cost_table, read_cost, read_usage, usage_table

SAVED = Path(__file__).resolve().parents[2] / "examples" / "analytics"


@pytest.fixture(scope="module")
def month():
    return read_usage([SAVED]), read_cost([SAVED])


def test_requests_per_model_and_tier(month, catalogue):
    figures = requests_by_model_tier(month[0], catalogue)
    rows = {(r["model"], r["service_tier"]): r for r in figures["rows"]}
    haiku = rows[("claude-haiku-4-5-20251001", "standard")]
    # 5M x $1 + 1M x $1.25 + 20M x $0.10 + 0.5M x $5 + 20 searches x $0.01 = $10.95 over 10,000 requests
    assert haiku["cost_usd"] == Decimal("10.95") and haiku["cost_per_request_usd"] == Decimal("0.001095")
    # on batch: 2.5 + 0.625 + 1 + 1.25 + 0.20 (searches are not halved) = 5.575: 5.375 saved, per request
    assert haiku["batch_cost_per_request_usd"] == Decimal("0.0005575")
    assert haiku["batch_saving_per_request_usd"] == Decimal("0.0005375") and not haiku["batch_saving_realised"]
    opus = rows[("claude-opus-4-7", "standard")]
    # US residency x1.1: 1M x $5.50 + 0.2M x $11 + 0.1M x $27.50 = 5.50 + 2.20 + 2.75 = $10.45 / 500
    assert opus["cost_per_request_usd"] == Decimal("0.0209") and opus["batch_saving_per_request_usd"] == Decimal("0.01045")
    sonnet = rows[("claude-sonnet-4-6", "standard")]
    # 2M x $3 + 0.4M x $15 = $12 over 2,000 requests; batch halves it: $0.003 a request saved
    assert sonnet["cost_per_request_usd"] == Decimal("0.006") and sonnet["batch_saving_per_request_usd"] == Decimal("0.003")
    batch = rows[("claude-sonnet-4-6", "batch")]
    # day 1: 10M x 1.50 + 0.1M x 3 + 4M x 0.15 + 1M x 7.50 = 23.40; day 2: 4M x 1.50 + 0.8M x 7.50 = 12
    # $35.40 over 5,000 + 4,000 requests, half the standard price: the saving realised equals the cost
    assert batch["cost_usd"] == Decimal("35.40") and batch["requests"] == 9_000 and batch["batch_saving_realised"]
    assert round(batch["cost_per_request_usd"], 12) == Decimal("0.003933333333")
    assert batch["batch_saving_per_request_usd"] == batch["cost_per_request_usd"]
    assert round(batch["standard_cost_per_request_usd"], 12) == Decimal("0.007866666667")
    # Mythos Preview has no published price: listed with its 50 requests, never $0
    assert [(u["model"], u["requests"]) for u in figures["unpriced"]] == [("claude-mythos-preview", 50)]
    assert "unpriced" in figures["unpriced"][0]["reason"]
    assert figures["requests"] == 21_550 and figures["rows_without_requests"] == 0


def test_rows_without_a_request_count_stay_out_of_per_request_figures(catalogue):
    def row(requests, output):
        return {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
                "group": {"model": "claude-sonnet-4-6", "service_tier": "standard"},
                "usage": {"uncached_input_tokens": 0, "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                                                         "ephemeral_5m_input_tokens": 0},
                          "cache_read_input_tokens": 0, "output_tokens": output, "requests": requests,
                          "server_tool_use": {"web_search_requests": 0}}}
    table = usage_table([{"data": [row(10, 1_000_000), row(None, 5_000_000)]}], "x")
    figures = requests_by_model_tier(table, catalogue)
    # only the first row: 1M output x $15 = $15 over 10 requests
    assert figures["rows_without_requests"] == 1
    assert figures["rows"][0]["cost_per_request_usd"] == Decimal("1.5")


def discounted_pages(rate: Decimal, haiku_rate: Decimal):
    """The example cost pages with amount = list_amount x (1 - discount)."""
    pages = []
    for path in sorted(SAVED.glob("analytics_cost_*.json")):
        page = json.loads(path.read_text())
        for row in page["data"]:
            listed = Decimal(row["cost"]["list_amount"])
            off = haiku_rate if (row["group"]["model"] or "").startswith("claude-haiku") else rate
            row["cost"]["amount"] = str(listed * (1 - off))
        pages.append(page)
    return pages


def test_the_discount_line_by_line_against_the_contract(catalogue, tmp_path):
    contract_file = tmp_path / "contract.yaml"
    contract_file.write_text("discount_percent: 10\nmodels:\n  claude-haiku-4-5: 20\n")
    contract = load_contract(contract_file, catalogue)
    cost = cost_table(discounted_pages(Decimal("0.10"), Decimal("0.20")), "discounted")
    figures = discount_by_line(cost, catalogue, contract)
    assert figures["lines_outside_tolerance"] == 0 and len(figures["lines"]) == 18
    # list $86.05; Haiku lines 5.00 + 1.25 + 2.00 + 2.50 = $10.75 at 20% off (2.15), the other
    # $75.30 at 10% (7.53): $9.68 off, $76.37 billed
    assert figures["totals"]["list_amount_usd"] == Decimal("86.05")
    assert figures["totals"]["discount_usd"] == Decimal("9.68")
    assert figures["totals"]["amount_usd"] == Decimal("76.37")
    # the contract says 10% for Haiku instead: the four Haiku lines are outside, each by 10% of its list
    contract_file.write_text("discount_percent: 10\n")
    figures = discount_by_line(cost, catalogue, load_contract(contract_file, catalogue))
    outside = [l for l in figures["lines"] if not l["within_tolerance"]]
    assert figures["lines_outside_tolerance"] == 4
    # Haiku input: list $5.00, billed $4.00, the contract says $4.50: $0.50 under
    first = outside[0]
    assert (first["model"], first["token_type"], first["list_amount_usd"], first["amount_usd"]) == \
        ("claude-haiku-4-5-20251001", "uncached_input_tokens", Decimal("5"), Decimal("4"))
    assert first["expected_amount_usd"] == Decimal("4.5") and first["residual_usd"] == Decimal("-0.5")
    assert first["discount_fraction"] == Decimal("0.2") and first["contract_discount_fraction"] == Decimal("0.1")
    # no contract: the discount is shown, nothing is judged
    plain = discount_by_line(cost, catalogue)
    assert plain["lines_outside_tolerance"] is None and "residual_usd" not in plain["lines"][0]


def test_the_catalogue_checked_against_list_amount(month, catalogue):
    figures = catalogue_check(*month, catalogue)
    # 18 lines, the 2 Mythos lines cannot be priced; of the 16 checked one differs: the Sonnet
    # batch input of 2026-10-01 listed at $30.00 where the catalogue's batch rate gives
    # 10M x $1.50 = $15.00 (the example's planted discrepancy)
    assert (figures["checked"], figures["matching"], len(figures["not_checked"])) == (16, 15, 2)
    (diff,) = figures["differences"]
    assert diff["period"] == dt.date(2026, 10, 1) and diff["model"] == "claude-sonnet-4-6"
    assert diff["service_tier"] == "batch" and diff["column"] == "uncached_input"
    assert (diff["list_amount_usd"], diff["catalogue_usd"], diff["difference_usd"]) == \
        (Decimal("30"), Decimal("15"), Decimal("15"))
    assert diff["rate_cards"] and diff["rate_cards"][0].startswith("claude-sonnet-4-6 rate card from 20")
    assert diff["lines"] == [{"source": str(SAVED / "analytics_cost_2026-10_p1.json"), "line": 3}]
    # everything checked: $83.80 listed (86.05 less Mythos 2.25) against $68.80 at the catalogue
    assert figures["totals"] == {"list_amount_usd": Decimal("83.80"), "catalogue_usd": Decimal("68.80"),
                                 "difference_usd": Decimal("15")}


def test_web_search_is_matched_across_models_and_the_default_workspace_only_to_itself(catalogue):
    usage = usage_table([{"data": [
        {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
         "group": {"model": "claude-haiku-4-5", "service_tier": "standard", "workspace_id": ws},
         "usage": {"uncached_input_tokens": 1_000_000, "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                                                          "ephemeral_5m_input_tokens": 0},
                   "cache_read_input_tokens": 0, "output_tokens": 0, "requests": 1,
                   "server_tool_use": {"web_search_requests": searches}}}
        for ws, searches in ((None, 100), ("wrkspc_a", 300))]}], "u")
    cost = cost_table([{"data": [
        {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
         "group": {"model": model, "service_tier": tier, "workspace_id": ws, "cost_type": ct, "token_type": tt},
         "cost": {"amount": cents, "list_amount": cents, "currency": "USD"}}
        for model, tier, ws, ct, tt, cents in (
            (None, None, None, "web_search", None, "100"),  # 100 searches x 1 cent: the default workspace
            (None, None, "wrkspc_a", "web_search", None, "300"),
            ("claude-haiku-4-5", "standard", None, "tokens", "uncached_input_tokens", "100"),  # 1M x $1
        )]}], "c")
    figures = catalogue_check(usage, cost, catalogue)
    assert (figures["checked"], figures["matching"], figures["differences"]) == (3, 3, [])


def test_the_figures_go_into_a_report_as_exact_json(month, catalogue):
    from calculator.report.model import to_json

    doc = json.loads(json.dumps(to_json({"requests": requests_by_model_tier(month[0], catalogue),
                                         "catalogue_check": catalogue_check(*month, catalogue)})))
    haiku = next(r for r in doc["requests"]["rows"] if r["model"].startswith("claude-haiku"))
    assert haiku["cost_per_request_usd"] == "0.001095" and haiku["requests"] == 10_000
    assert doc["catalogue_check"]["differences"][0]["difference_usd"] == "15"
    assert doc["catalogue_check"]["differences"][0]["period"] == "2026-10-01"
