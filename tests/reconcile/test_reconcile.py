"""`batchcalc reconcile`: examples/usage_report.json against cost reports, numbers worked by hand.

The expected amounts per line (USD per MTok from the pricing page) are those of tests/engine/test_usage.py:
day 1: Sonnet 4.6 standard input 2M x $3 = $6.00, output 0.4M x $15 = $6.00; Sonnet 4.6 batch
input 10M x $1.50 = $15.00, 1h writes 0.1M x $3 = $0.30, reads 4M x $0.15 = $0.60, output 1M x
$7.50 = $7.50; Haiku 4.5 input 5M x $1 = $5.00, 5m writes 1M x $1.25, reads 20M x $0.10 = $2.00,
output 0.5M x $5 = $2.50, 20 web searches x $0.01 = $0.20. Day 2: Opus 4.7 with inference_geo us
(1.1x): input 1M x $5.50, 1h writes 0.2M x $11 = $2.20, output 0.1M x $27.50 = $2.75; Sonnet 4.6
batch input 4M x $1.50 = $6.00, output 0.8M x $7.50 = $6.00. Total $68.80. The Admin API cost
report states amounts in CENTS: "600.000000" is $6.00.
"""

import json
from decimal import Decimal


from conftest import EXAMPLES

USAGE = EXAMPLES / "usage_report.json"


def cost_doc():
    return json.loads((EXAMPLES / "cost_report.json").read_text())


def fix_planted(doc):
    """The example bills Sonnet 4.6 batch input at $30.00 (3000 cents); the right amount is $15.00."""
    for item in doc["data"][0]["results"]:
        if item["service_tier"] == "batch" and item["token_type"] == "uncached_input_tokens":
            item["amount"] = "1500.000000"
    return doc


def find(doc, day, model, token_type, tier=None):
    for item in doc["data"][day]["results"]:
        if item["model"] == model and item["token_type"] == token_type and (tier is None or item["service_tier"] == tier):
            return item
    raise KeyError((day, model, token_type))


def write(tmp_path, doc, name="costs.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def reconciled(cli, *args):
    r = cli("reconcile", *args, "--format", "json")
    assert r.code in (0, 3), r.err
    return r, r.json()


def line(doc, model, token_type, tier=None, date=None):
    found = [l for l in doc["lines"] if l["model"] == model and l["token_type"] == token_type
             and (tier is None or l["service_tier"] == tier) and (date is None or l["date"] == date)]
    assert len(found) == 1, found
    return found[0]


def test_planted_discrepancy_batch_billed_at_standard(cli):
    r, doc = reconciled(cli, USAGE, EXAMPLES / "cost_report.json")
    assert r.code == 3
    t = {k: Decimal(v) for k, v in doc["totals"].items()}
    # billed: $68.80 + the $15.00 overcharge (Mythos Preview is unpriced: not checked, not in totals)
    assert t == {"expected_usd": Decimal("68.80"), "billed_usd": Decimal("83.80"), "residual_usd": Decimal("15.00")}
    bad = line(doc, "claude-sonnet-4-6", "uncached_input_tokens", "batch", "2026-10-01")
    assert Decimal(bad["expected_usd"]) == Decimal("15") and Decimal(bad["billed_usd"]) == Decimal("30")
    assert Decimal(bad["residual_usd"]) == Decimal("15") and Decimal(bad["residual_percent"]) == 100
    assert bad["within_tolerance"] is False
    assert "batch tokens billed at the standard rate" in bad["diagnosis"]
    assert doc["lines_outside_tolerance"] == 1
    assert set(doc) >= {"schema_version", "catalogue_version", "totals", "lines", "unmatched", "warnings"}
    assert set(bad) >= {"date", "model", "token_type", "service_tier", "context_window", "expected_usd",
                        "billed_usd", "residual_usd", "diagnosis"}
    assert bad["context_window"] == "0-200k" and bad["date"] == "2026-10-01"


def test_exact_match_exits_zero(cli, tmp_path):
    r, doc = reconciled(cli, USAGE, write(tmp_path, fix_planted(cost_doc())))
    assert r.code == 0
    assert Decimal(doc["totals"]["residual_usd"]) == 0
    assert Decimal(doc["totals"]["billed_usd"]) == Decimal("68.80")
    assert all(Decimal(l["residual_usd"]) == 0 for l in doc["lines"] if l["residual_usd"] is not None)
    assert doc["unmatched"] == {"usage": [], "costs": []}
    assert doc["lines_outside_tolerance"] == 0


def test_one_hour_writes_billed_as_five_minute(cli, tmp_path):
    doc = fix_planted(cost_doc())
    # Opus 4.7 (us, 1.1x) 1h writes: expected 0.2M x $11 = $2.20; at the 5m rate
    # 0.2M x $6.25 x 1.1 = $1.375 = 137.5 cents
    find(doc, 1, "claude-opus-4-7", "cache_creation.ephemeral_1h_input_tokens")["amount"] = "137.5"
    r, out = reconciled(cli, USAGE, write(tmp_path, doc))
    assert r.code == 3
    l = line(out, "claude-opus-4-7", "cache_creation.ephemeral_1h_input_tokens")
    assert Decimal(l["residual_usd"]) == Decimal("-0.825")  # 1.375 - 2.20
    assert "1-hour cache writes priced as 5-minute" in l["diagnosis"]


def test_residency_multiplier_missing(cli, tmp_path):
    doc = fix_planted(cost_doc())
    # Opus 4.7 input with inference_geo us: expected $5.50; billed at the global $5.00
    find(doc, 1, "claude-opus-4-7", "uncached_input_tokens")["amount"] = "500"
    r, out = reconciled(cli, USAGE, write(tmp_path, doc))
    assert r.code == 3
    assert "1.1x data-residency multiplier" in line(out, "claude-opus-4-7", "uncached_input_tokens")["diagnosis"]


def test_long_context_tier_missing(cli, tmp_path):
    usage = {"data": [{"starting_at": "2026-02-01T00:00:00Z", "ending_at": "2026-02-02T00:00:00Z", "results": [
        {"uncached_input_tokens": 1_000_000, "output_tokens": 100_000, "cache_read_input_tokens": 0,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "200k-1M"}]}],
        "has_more": False}
    # Sonnet 4.5 over 200K: input $6, output $22.50 -> $6.00 and $2.25; billed at the base $3 / $15
    costs = {"data": [{"starting_at": "2026-02-01T00:00:00Z", "results": [
        {"amount": "300", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929",
         "token_type": "uncached_input_tokens", "service_tier": "standard", "context_window": "200k-1M"},
        {"amount": "150", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929",
         "token_type": "output_tokens", "service_tier": "standard", "context_window": "200k-1M"}]}]}
    r, out = reconciled(cli, write(tmp_path, usage, "u.json"), write(tmp_path, costs, "c.json"))
    assert r.code == 3
    assert Decimal(out["totals"]["expected_usd"]) == Decimal("8.25")
    assert Decimal(out["totals"]["billed_usd"]) == Decimal("4.5")
    for l in out["lines"]:
        assert "long-context tier missing" in l["diagnosis"]


def test_negotiated_discount_recognised_then_reconciled_with_contract(cli, tmp_path):
    doc = fix_planted(cost_doc())
    for bucket in doc["data"]:
        for item in bucket["results"]:
            item["amount"] = str(Decimal(item["amount"]) * Decimal("0.9"))  # 10% off every line
    costs = write(tmp_path, doc)
    r, out = reconciled(cli, USAGE, costs)
    assert r.code == 3
    assert Decimal(out["constant_ratio"]) == Decimal("0.9")
    assert any("negotiated discount of 10.00%" in w for w in out["warnings"])
    assert all("negotiated discount of 10.00%" in l["diagnosis"] for l in out["lines"]
               if l["expected_usd"] is not None and Decimal(l["expected_usd"]) >= 1)
    # billed $61.92 = 0.9 x $68.80
    assert Decimal(out["totals"]["billed_usd"]) == Decimal("61.92")
    contract = tmp_path / "contract.yaml"
    contract.write_text("# negotiated: 10% off the published rates\ndiscount_percent: 10\n")
    r, out = reconciled(cli, USAGE, costs, "--contract", contract)
    assert r.code == 0, out["lines"]
    assert Decimal(out["totals"]["residual_usd"]) == 0
    assert Decimal(out["totals"]["expected_usd"]) == Decimal("61.92")


def test_per_model_contract(cli, tmp_path):
    doc = fix_planted(cost_doc())
    for bucket in doc["data"]:
        for item in bucket["results"]:
            if item["model"] == "claude-opus-4-7":
                item["amount"] = str(Decimal(item["amount"]) * Decimal("0.85"))
    costs = write(tmp_path, doc)
    r, out = reconciled(cli, USAGE, costs)
    assert r.code == 3 and Decimal(out["model_ratios"]["claude-opus-4-7"]) == Decimal("0.85")
    contract = tmp_path / "contract.yaml"
    contract.write_text("models:\n  Claude Opus 4.7: 15\n")
    r, out = reconciled(cli, USAGE, costs, "--contract", contract)
    assert r.code == 0


def console_cost_csv(tmp_path, api_keys=("",)):
    """The example bill (planted discrepancy fixed) as a Console cost CSV: dollars, display names,
    Console token names; each line split evenly over ``api_keys`` as the Console does per key."""
    csv = tmp_path / "console_cost.csv"
    rows = ["usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,cost_type"]
    for day, bucket in enumerate(fix_planted(cost_doc())["data"]):
        for item in bucket["results"]:
            if item["model"] == "claude-mythos-preview":
                continue
            dollars = Decimal(item["amount"]) / 100 / len(api_keys)
            tt = {"uncached_input_tokens": "input_no_cache", "output_tokens": "output",
                  "cache_read_input_tokens": "input_cache_read",
                  "cache_creation.ephemeral_5m_input_tokens": "input_cache_write_5m",
                  "cache_creation.ephemeral_1h_input_tokens": "input_cache_write_1h"}.get(item["token_type"], "")
            name = {"claude-sonnet-4-6": "Claude Sonnet 4.6", "claude-haiku-4-5-20251001": "Claude Haiku 4.5",
                    "claude-opus-4-7": "Claude Opus 4.7"}.get(item["model"], "")
            ctx = "≤ 200k" if item["context_window"] else ""
            for key in api_keys:
                rows.append(f"{bucket['starting_at'][:10]},{name},{item['workspace_id']},{key},"
                            f"{item['service_tier'] or ''},{ctx},{tt},{dollars},{dollars},{item['cost_type']}")
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return csv


def test_console_rows_per_api_key_are_summed_not_duplicates(cli, tmp_path):
    # The Console bills each API key on its own row. Two keys with identical halves of every line
    # are two charges, not one charge listed twice: together they are the $68.80 of usage.
    for skip in ([], ["--skip-invalid"]):
        r, out = reconciled(cli, USAGE, console_cost_csv(tmp_path, api_keys=("key-a", "key-b")), *skip)
        assert r.code == 0, out
        assert Decimal(out["totals"]["billed_usd"]) == Decimal("68.80")
        assert Decimal(out["totals"]["residual_usd"]) == 0
        assert out.get("cost_lines_skipped", 0) == 0


def test_cents_and_dollars_never_confused(cli, tmp_path):
    from calculator.readers.costs import CostSource

    one = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [
        {"amount": "2799.187450", "currency": "USD", "cost_type": "tokens", "model": "claude-opus-4-7",
         "token_type": "output_tokens", "service_tier": "standard", "context_window": "0-200k"}]}]}
    lines = list(CostSource([write(tmp_path, one)]).lines())
    assert lines[0].amount == Decimal("27.9918745")  # cents in the Admin API -> dollars
    # The same bill as a Console cost CSV (dollars, display names, Console token names) and as the
    # Admin API report (cents) reconcile to the same zero residual.
    csv = console_cost_csv(tmp_path)
    r, out = reconciled(cli, USAGE, csv)
    assert r.code == 0, out
    assert Decimal(out["totals"]["billed_usd"]) == Decimal("68.80")
    assert Decimal(out["totals"]["residual_usd"]) == 0


def test_unmatched_lines_on_both_sides(cli, tmp_path):
    doc = fix_planted(cost_doc())
    # drop the bill line of Haiku's output ($2.50 of usage left unbilled) ...
    doc["data"][0]["results"] = [i for i in doc["data"][0]["results"]
                                 if not (i["model"] == "claude-haiku-4-5-20251001" and i["token_type"] == "output_tokens")]
    # ... and bill a day with no usage at all
    doc["data"].append({"starting_at": "2026-10-03T00:00:00Z", "results": [
        {"amount": "123.45", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-6",
         "token_type": "output_tokens", "service_tier": "standard", "context_window": "0-200k",
         "workspace_id": "wrkspc_support"}]})
    r, out = reconciled(cli, USAGE, write(tmp_path, doc))
    assert r.code == 3
    usage_only = out["unmatched"]["usage"]
    costs_only = out["unmatched"]["costs"]
    assert [(u["model"], u["token_type"], Decimal(u["expected_usd"])) for u in usage_only] == \
        [("claude-haiku-4-5-20251001", "output_tokens", Decimal("2.5"))]
    assert [(c["date"], Decimal(c["billed_usd"])) for c in costs_only] == [("2026-10-03", Decimal("1.2345"))]
    # totals: expected 68.80; billed 68.80 - 2.50 + 1.2345
    assert Decimal(out["totals"]["billed_usd"]) == Decimal("67.5345")
    assert any("days only in the costs: 2026-10-03" in w for w in out["warnings"])


def test_tolerance(cli, tmp_path):
    doc = fix_planted(cost_doc())
    find(doc, 0, "claude-sonnet-4-6", "output_tokens", "standard")["amount"] = "605"  # $6.05: 5 cents over
    costs = write(tmp_path, doc)
    assert reconciled(cli, USAGE, costs)[0].code == 3
    assert reconciled(cli, USAGE, costs, "--tolerance", "0.05")[0].code == 0
    assert reconciled(cli, USAGE, costs, "--tolerance", "1%")[0].code == 0     # 1% of $6.00 = $0.06
    assert reconciled(cli, USAGE, costs, "--tolerance", "0.5%")[0].code == 3   # $0.03 < $0.05
    find(doc, 0, "claude-sonnet-4-6", "output_tokens", "standard")["amount"] = "600.4"  # 0.4 cent: rounding
    assert reconciled(cli, USAGE, write(tmp_path, doc))[0].code == 0


def test_totals_only_cost_report(cli, tmp_path):
    doc = fix_planted(cost_doc())
    for bucket in doc["data"]:
        for item in bucket["results"]:
            item["token_type"] = None
    r, out = reconciled(cli, USAGE, write(tmp_path, doc))
    assert r.code == 0
    assert "token_type" not in out["level"]
    assert any("no token types (only totals)" in w for w in out["warnings"])
    sonnet_batch = line(out, "claude-sonnet-4-6", "all", "batch", "2026-10-01")
    assert Decimal(sonnet_batch["expected_usd"]) == Decimal("23.40")  # 15 + 0.30 + 0.60 + 7.50


def test_code_execution_listed_not_reconciled(cli, tmp_path):
    doc = fix_planted(cost_doc())
    doc["data"][0]["results"].append({"amount": "5", "currency": "USD", "cost_type": "code_execution",
                                      "description": "Code Execution Usage", "workspace_id": "wrkspc_support"})
    r, out = reconciled(cli, USAGE, write(tmp_path, doc))
    assert r.code == 0
    assert out["not_reconciled"][0]["token_type"] == "code_execution"


# -- bad input ----------------------------------------------------------------------------------

def error_line(r, *needles):
    assert r.code == 1, (r.code, r.out, r.err)
    assert r.err.startswith("batchcalc: error:") and r.err.count("\n") == 1 and "Traceback" not in r.err
    for n in needles:
        assert n in r.err, r.err


def test_mismatched_currencies(cli, tmp_path):
    doc = cost_doc()
    doc["data"][1]["results"][0]["currency"] = "EUR"
    error_line(cli("reconcile", USAGE, write(tmp_path, doc)), "mismatched currencies", "EUR", "USD")


def test_unknown_model_in_costs(cli, tmp_path):
    doc = cost_doc()
    doc["data"][0]["results"][0]["model"] = "claude-sonet-9"
    error_line(cli("reconcile", USAGE, write(tmp_path, doc)), "costs.json", "results[0]", "unknown model")


def test_overlapping_date_ranges(cli, tmp_path):
    doc = cost_doc()
    first = {"data": doc["data"], "has_more": False}
    second = {"data": doc["data"][1:], "has_more": False}
    error_line(cli("reconcile", USAGE, write(tmp_path, first, "a.json"), write(tmp_path, second, "b.json")),
               "overlapping date ranges", "a.json", "b.json")


def test_usage_given_as_costs_and_missing_sides(cli, tmp_path):
    error_line(cli("reconcile", "--usage", USAGE, "--costs", USAGE), "expected a cost report")
    error_line(cli("reconcile", USAGE), "no costs given")
    bad = tmp_path / "contract.yaml"
    bad.write_text("discount_percent: 120\n")
    error_line(cli("reconcile", USAGE, EXAMPLES / "cost_report.json", "--contract", bad), "percentage")


def test_an_until_before_since_is_an_error_not_an_empty_bill(cli):
    """Reversed, the range would select no day on either side: a bill that "matches" (exit 0)."""
    error_line(cli("reconcile", USAGE, EXAMPLES / "cost_report.json", "--since", "2026-10-05", "--until", "2026-10-01"),
               "--until 2026-10-01 is before --since 2026-10-05")


def test_reconcile_help_has_examples(cli):
    r = cli("reconcile", "--help")
    assert r.code == 0 and "Examples" in r.out and "exit code 3" in r.out.lower().replace("\n", " ")


def test_generic_invoice_csv(cli, tmp_path):
    invoice = tmp_path / "invoice.csv"
    # Day 2 only (--since): Opus 4.7 (us) $5.50 + $2.20 + $2.75 = $10.45 and Sonnet 4.6 batch $12.00
    invoice.write_text("Day,Model,Type,Tier,Amount\n"
                       "2026-10-02,Claude Opus 4.7,input_no_cache,standard,5.50\n"
                       "2026-10-02,Claude Opus 4.7,input_cache_write_1h,standard,2.20\n"
                       "2026-10-02,Claude Opus 4.7,output,standard,2.75\n"
                       "2026-10-02,claude-sonnet-4-6,input_no_cache,batch,6.00\n"
                       "2026-10-02,claude-sonnet-4-6,output,batch,6.00\n")
    r = cli("reconcile", "--usage", USAGE, "--costs", invoice, "--since", "2026-10-02",
            "--cost-map", "date=Day", "--cost-map", "model=Model", "--cost-map", "token_type=Type",
            "--cost-map", "service_tier=Tier", "--cost-map", "amount_usd=Amount", "-f", "json")
    assert r.code == 0, r.err + r.out
    doc = r.json()
    assert Decimal(doc["totals"]["billed_usd"]) == Decimal("22.45")
    assert Decimal(doc["totals"]["residual_usd"]) == 0
    assert "context_window" not in doc["level"]  # the invoice has no context windows: summed over


def test_json_money_is_exact_strings_never_floats(cli):
    def walk(v):
        if isinstance(v, float):
            raise AssertionError(f"float in JSON: {v}")
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        if isinstance(v, list):
            for x in v:
                walk(x)

    walk(cli("reconcile", USAGE, EXAMPLES / "cost_report.json", "-f", "json").json())
    walk(cli("usage", USAGE, "-f", "json", "-g", "model").json())
    r = cli("reconcile", USAGE, EXAMPLES / "cost_report.json", "-f", "csv")
    assert r.code == 3 and "uncached_input_tokens" in r.out and "batch tokens billed at the standard rate" in r.out


def test_reconcile_from_python_tells_usage_from_costs():
    from batchcalc import Tolerance, reconcile

    r = reconcile(EXAMPLES / "cost_report.json", USAGE)  # in any order: told apart by content
    # the planted line: Sonnet 4.6 batch input 10M billed at $3 instead of $1.50 -> $15.00
    assert r.exit_code == 3 and Decimal(r.figures["totals"]["residual_usd"]) == Decimal("15")
    assert reconcile(USAGE, costs=[EXAMPLES / "cost_report.json"],
                     tolerance=Tolerance(absolute=Decimal("20"))).exit_code == 0
