"""What the Analytics API's data adds to the usage and reconcile reports, on the saved example
month (examples/analytics/) read by the engine. Prices: pricing-facts (Sonnet 4.6 $3 / $15 per
MTok, cache read $0.30, 1h write $6; Haiku 4.5 $1 / $5, 5m write $1.25, read $0.10; Opus 4.7
$5 / $25, 1h write $10; batch half of each; US residency x1.1; web search $10 per 1,000, not
halved)."""

from __future__ import annotations

import json
from decimal import Decimal


from calculator.reconcile.contract import load_contract
from calculator.engine import UsageOptions, usage_result
from calculator.reconcile.reconcile import reconcile_inputs
from calculator.report.reconcile import reconcile_figures, report_from_reconciliation
from calculator.report.usage import report_from_analysis, usage_figures
from conftest import EXAMPLES



def usage_page(requests, output):
    return {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
                      "group": {"model": "claude-sonnet-4-6", "service_tier": "standard", "workspace_id": ws},
                      "usage": {"uncached_input_tokens": 0, "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                                                               "ephemeral_5m_input_tokens": 0},
                                "cache_read_input_tokens": 0, "output_tokens": output, "requests": requests,
                                "server_tool_use": {"web_search_requests": 0}}}
                     for ws, requests, output in ((None, requests, output),)], "has_more": False}


def test_requests_per_model_and_tier(catalogue):
    result = usage_result([str(EXAMPLES / "analytics")], UsageOptions(catalogue=catalogue))
    rows = {(r["model"], r["service_tier"]): r for r in usage_figures(result)["requests_by_model_tier"]}
    haiku = rows[("claude-haiku-4-5-20251001", "standard")]
    # 5M x $1 + 1M x $1.25 + 20M x $0.10 + 0.5M x $5 + 20 searches x $0.01 = $10.95 over 10,000 requests
    assert haiku["requests"] == 10_000 and haiku["cost_usd"] == Decimal("10.95")
    assert haiku["cost_per_request_usd"] == Decimal("0.001095")
    # on batch: 2.5 + 0.625 + 1 + 1.25 + 0.20 (searches are not halved) = 5.575: 5.375 missed, per request
    assert haiku["batch_saving_per_request_usd"] == Decimal("0.0005375") and haiku["batch_saving"] == "missed"
    opus = rows[("claude-opus-4-7", "standard")]
    # US residency x1.1: 1M x $5.50 + 0.2M x $11 + 0.1M x $27.50 = 5.50 + 2.20 + 2.75 = $10.45 / 500
    assert opus["cost_per_request_usd"] == Decimal("0.0209") and opus["batch_saving_per_request_usd"] == Decimal("0.01045")
    sonnet = rows[("claude-sonnet-4-6", "standard")]
    # 2M x $3 + 0.4M x $15 = $12 over 2,000 requests; batch halves it: $0.003 a request saved
    assert sonnet["cost_per_request_usd"] == Decimal("0.006") and sonnet["batch_saving_per_request_usd"] == Decimal("0.003")
    batch = rows[("claude-sonnet-4-6", "batch")]
    # day 1: 10M x 1.50 + 0.1M x 3 + 4M x 0.15 + 1M x 7.50 = 23.40; day 2: 4M x 1.50 + 0.8M x 7.50 = 12
    # $35.40 over 5,000 + 4,000 requests = 0.00393333...; half the standard price: the saving realised equals it
    assert batch["cost_usd"] == Decimal("35.40") and batch["requests"] == 9_000 and batch["batch_saving"] == "realised"
    assert batch["cost_per_request_usd"] == batch["batch_saving_per_request_usd"] == Decimal("0.00393333")
    # Mythos Preview has no published price: its 50 requests are listed, never at $0
    mythos = rows[("claude-mythos-preview", "standard")]
    assert mythos["requests"] == 50 and mythos["cost_usd"] is None and mythos["cost_per_request_usd"] is None
    report = report_from_analysis(result)
    assert "requests_by_model_tier" in [t.name for t in report.tables]
    doc = json.loads(json.dumps(report.to_dict()))
    assert next(r for r in doc["requests_by_model_tier"] if r["model"].startswith("claude-haiku"))[
        "cost_per_request_usd"] == "0.001095"


def test_no_per_request_figures_when_a_row_has_no_request_count(catalogue):
    pages = [usage_page(10, 1_000_000), {**usage_page(None, 5_000_000), "data": [
        {**usage_page(None, 5_000_000)["data"][0], "starting_at": "2026-10-02T00:00:00Z"}]}]
    result = usage_result([], UsageOptions(catalogue=catalogue, pages=pages, pages_from="analytics"))
    figures = usage_figures(result)
    # 6M output x $15 = $90, but only 10 requests are counted: no per-request figure, a warning
    assert figures["totals"]["cost_usd"] == Decimal("90")
    assert "requests_by_model_tier" not in figures
    assert any("1 row(s) without a request count" in w for w in result.warnings)
    # without the request counts of other sources (an Admin API report) there is no such figure
    plain = usage_result([str(EXAMPLES / "usage_report.json")], UsageOptions(catalogue=catalogue))
    assert "requests_by_model_tier" not in usage_figures(plain)


def reconcile(catalogue, contract=None):
    return reconcile_inputs([str(EXAMPLES / "analytics")], [str(EXAMPLES / "analytics")], UsageOptions(catalogue=catalogue), contract=contract)


def test_the_discount_line_by_line_against_the_contract(catalogue, tmp_path):
    figures = reconcile_figures(reconcile(catalogue))
    d = figures["discount_by_line"]
    # the example bill is at list price: no discount, and none is expected without --contract
    assert d["contract"] is None and len(d["lines"]) == 18 and d["lines_outside_tolerance"] == 0
    assert all(Decimal(l["discount"]) == 0 and Decimal(l["contract_discount"]) == 0 for l in d["lines"])
    contract_file = tmp_path / "contract.yaml"
    contract_file.write_text("discount_percent: 10\nmodels:\n  claude-haiku-4-5: 20\n")
    d = reconcile_figures(reconcile(catalogue, load_contract(contract_file, catalogue)))["discount_by_line"]
    # a contract of 10% (Haiku 20%) the bill does not apply: every line is off it, by the discount
    assert d["contract"] == str(contract_file) and d["lines_outside_tolerance"] == 18
    line = next(l for l in d["lines"] if l["model"] == "claude-haiku-4-5-20251001"
                and l["token_type"] == "uncached_input_tokens")
    # Haiku input: list $5.00 (5M x $1), billed $5.00, the contract says 20% off: $4.00, $1.00 over
    assert (line["list_amount_usd"], line["amount_usd"], line["contract_amount_usd"], line["difference_usd"]) == \
        ("5", "5", "4", "1")
    assert line["discount"] == "0" and line["contract_discount"] == "0.2" and not line["within_tolerance"]


def test_the_catalogue_checked_against_list_amount(catalogue):
    result = reconcile(catalogue)
    c = reconcile_figures(result)["catalogue_check"]
    # 18 lines; the 2 Mythos lines cannot be priced; of the 16 checked one differs: the Sonnet
    # batch input of 2026-10-01 listed at $30.00 where the catalogue's batch rate gives
    # 10M x $1.50 = $15.00 (the example's planted discrepancy)
    assert len(c["lines"]) == 16 and c["lines_differing"] == 1
    (diff,) = [l for l in c["lines"] if not l["within_tolerance"]]
    assert (str(diff["date"]), diff["model"], diff["service_tier"], diff["token_type"]) == \
        ("2026-10-01", "claude-sonnet-4-6", "batch", "uncached_input_tokens")
    assert (diff["list_amount_usd"], diff["catalogue_usd"], diff["difference_usd"]) == ("30", "15", "15")
    (card,) = diff["rate_cards"]
    assert card["source"].startswith("https://") and card["checked"]
    report = report_from_reconciliation(result)
    tables = {t.name: t for t in report.tables}
    assert "catalogue_check" in tables and "discount_by_line" in tables
    assert sum(1 for r in tables["catalogue_check"].rows if r["exception"]) == 1
