"""Hand-built plain-data Reports, one per kind, for the renderer tests and goldens.

Figures are worked out by hand from the pricing page (the arithmetic is in the comments) so the
renderers are tested against numbers that are right, not against what some builder produced.
Claude Sonnet 4.6: $3 / MTok input, $15 output, $3.75 5m cache write, $0.30 cache read; batch
half of each. Claude Opus 4.1: $15 input, $75 output. Haiku 4.5: $1 input, $5 output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from calculator.report.model import (Brief, Chart, Column, Figure, Headline, PriceSource, Report, Series,
                                     Table)

CAT = "2026-11-01"
SOURCE = "https://docs.claude.com/en/docs/about-claude/pricing"
CHECKED = dt.date(2026, 11, 1)
SONNET_RATES = {"uncached_input": D(3), "cache_write_5m": D("3.75"), "cache_write_1h": D(6),
                "cache_read": D("0.30"), "output": D(15)}


def prices() -> Report:
    cols = [Column("model", "Model"), Column("service_tier", "Tier"),
            Column("uncached_input", "Input (USD per MTok)", "rate"),
            Column("cache_write_5m", "5-minute cache write", "rate"),
            Column("cache_read", "Cache read", "rate"), Column("output", "Output (USD per MTok)", "rate"),
            Column("status", "Status")]
    rows = [
        # Opus 4.1 batch: half of $15 and $75.
        {"model": "claude-opus-4-1", "service_tier": "batch", "uncached_input": D("7.5"),
         "cache_write_5m": D("9.375"), "cache_read": D("0.75"), "output": D("37.5"), "status": "confirmed"},
        {"model": "claude-sonnet-4-6", "service_tier": "standard", "uncached_input": D(3),
         "cache_write_5m": D("3.75"), "cache_read": D("0.30"), "output": D(15), "status": "confirmed"},
        # A negotiated Haiku rate from --prices: $16 output would be odd, but it is what the file says.
        {"model": "claude-haiku-4-5", "service_tier": "priority", "uncached_input": D("0.50"),
         "cache_write_5m": D("0.625"), "cache_read": D("0.05"), "output": D(16), "status": "custom"},
    ]
    return Report("prices", "Claude API prices on 2026-11-21", CAT,
                  figures={"on": "2026-11-21", "models": 3},
                  tables=[Table("prices", "Prices (USD per million tokens)", cols, rows)],
                  price_sources=[PriceSource("claude-sonnet-4-6", "Claude Sonnet 4.6", "standard", SOURCE,
                                             CHECKED, "confirmed", rates=SONNET_RATES)])


def plan() -> Report:
    # Nightly tagging on Opus 4.1: 1,000,000 requests x (4,000 in x $15 + 320 out x $75) / 1e6
    # = $60,000 + $24,000 = $84,000.00 on sync; batch halves it: $42,000.00, saving $42,000.00 (50%).
    cols = [Column("workload", "Workload"), Column("model", "Model"), Column("now_usd", "Cost now", "money"),
            Column("after_usd", "Cost after", "money"), Column("savings_usd", "Savings", "money"),
            Column("savings_percent", "Savings %", "percent"), Column("mode", "Recommended mode")]
    rows = [{"workload": "nightly-tagging", "model": "claude-opus-4-1", "now_usd": D("84000"),
             "after_usd": D("42000"), "savings_usd": D("42000"), "savings_percent": D("0.5"),
             "mode": "batch"},
            # Support replies, Haiku 4.5 with a 2,000-token cached prefix: 3,000 requests x
            # (2,500 in x $1 + 300 out x $5) / 1e6 = $7.50 + $4.50 = $12.00 now; with the prefix read
            # from cache (2,000 x $0.10 + 500 x $1) / 1e6 x 3,000 = $2.10 + $4.50 = $6.60: $5.40 (45%).
            {"workload": "support-replies <b>", "model": "claude-haiku-4-5", "now_usd": D("12"),
             "after_usd": D("6.6"), "savings_usd": D("5.4"), "savings_percent": D("0.45"),
             "mode": "sync with prompt caching (latency matters)"}]
    head = Headline([Figure("Cost now", D("84012"), detail="2 workloads, per month"),
                     Figure("Recommended", D("42006.6")),
                     Figure("Savings", D("42005.4"), tone="good", detail="50.0% of today's cost")],
                    "Move nightly-tagging to the Message Batches API: $42,000.00 less per month.",
                    "2 workloads priced on 2026-11-21.", Brief("Plan", "$42,005.40 saved per month."))
    return Report("plan", "Batch migration plan", CAT, figures={"total_now_usd": D("84012")},
                  headline=head, tables=[Table("workloads", "Workloads", cols, rows)],
                  charts=[Chart("cost_now_and_after", "Cost now and after", "bar",
                                ["nightly-tagging", "support-replies"],
                                [Series("Now", [D("84000"), D("12")], role="now"),
                                 Series("After", [D("42000"), D("6.6")], role="best")])],
                  assumptions=["Output tokens per request as given in workloads.yaml."])


def estimate() -> Report:
    # 10,000 requests x (2,500 in x $3 + 200 out x $15) / 1e6 = $75.00 + $30.00 = $105.00 sync;
    # batch $52.50 (50.0%).
    cols = [Column("scenario", "Scenario"), Column("total_usd", "Total", "money"),
            Column("savings_usd", "Savings vs sync", "money"), Column("savings_percent", "Savings %", "percent")]
    rows = [{"scenario": "sync", "total_usd": D(105), "savings_usd": D(0), "savings_percent": D(0)},
            {"scenario": "batch", "total_usd": D("52.5"), "savings_usd": D("52.5"), "savings_percent": D("0.5")}]
    return Report("estimate", "Estimate: claude-sonnet-4-6, 10,000 requests", CAT,
                  figures={"requests": 10000},
                  headline=Headline([Figure("Sync", D(105)), Figure("Batch", D("52.5"), tone="good")],
                                    "Use the Message Batches API: $52.50 less."),
                  tables=[Table("scenarios", "Scenarios", cols, rows)],
                  price_sources=[PriceSource("claude-sonnet-4-6", "Claude Sonnet 4.6", "standard", SOURCE,
                                             CHECKED, "confirmed", rates=SONNET_RATES)])


def _usage_charges() -> list[dict]:
    # One day of Sonnet 4.6 standard traffic in workspace "Research", key "ci-bot":
    # 10,000,000 input x $3/MTok = $30.00; 1,000,000 output x $15 = $15.00. Nothing billed: usage.
    day = dt.date(2026, 11, 3)
    base = {"period_start": day, "model": "claude-sonnet-4-6", "service_tier": "standard",
            "context_window": "0-200k", "inference_geo": "global", "workspace_id": "wrkspc_01Research",
            "workspace": "Research", "api_key_id": "apikey_01CiBot", "api_key": "ci-bot", "billed_cost": None}
    return [{**base, "token_type": "uncached_input", "quantity": 10_000_000, "unit_price": D(3),
             "list_unit_price": D(3), "list_cost": D(30), "effective_cost": D(30)},
            {**base, "token_type": "output", "quantity": 1_000_000, "unit_price": D(15),
             "list_unit_price": D(15), "list_cost": D(15), "effective_cost": D(15)}]


# Every key of a charges row is a typed column, so the table round-trips through JSON exactly.
CHARGE_COLUMNS = [Column("period_start", "Day", "date"), Column("model", "Model"),
                  Column("service_tier", "Tier"), Column("context_window", "Context window"),
                  Column("inference_geo", "Inference geo"), Column("token_type", "Token type"),
                  Column("workspace_id", "Workspace ID"), Column("workspace", "Workspace"),
                  Column("api_key_id", "API key ID"), Column("api_key", "API key"),
                  Column("quantity", "Quantity", "tokens"), Column("unit_price", "Contract rate", "rate"),
                  Column("list_unit_price", "List rate", "rate"), Column("list_cost", "List cost", "money"),
                  Column("effective_cost", "Effective cost", "money"), Column("billed_cost", "Billed", "money")]
RECON_CHARGE_COLUMNS = CHARGE_COLUMNS + [
    Column("x_ExpectedCost", "Expected", "money"), Column("x_Residual", "Residual", "money"),
    Column("x_WithinTolerance", "Within tolerance"), Column("x_Diagnosis", "Diagnosis")]


def usage() -> Report:
    # By month: $31,015.58 actual; all-standard $40,012.34; realised $8,996.76 (22.5% of standard,
    # 8,996.76 / 40,012.34 = 0.22485...); missed $11.00.
    money = [Column("month", "Month"), Column("cost_usd", "Cost", "money"),
             Column("standard_usd", "All standard", "money"), Column("realised_usd", "Realised savings", "money"),
             Column("realised_percent", "Realised %", "percent"), Column("missed_usd", "Missed savings", "money")]
    rows = [{"month": "2026-10", "cost_usd": D("31015.58"), "standard_usd": D("40012.34"),
             "realised_usd": D("8996.76"), "realised_percent": D("0.2248"), "missed_usd": D("11")},
            # $9,131.325 shows as $9,131.33 (half up, as ROUND in a spreadsheet).
            {"month": "2026-11", "cost_usd": D("9131.325"), "standard_usd": D("9131.325"),
             "realised_usd": D(0), "realised_percent": D(0), "missed_usd": D("0.5")}]
    ws = [Column("workspace", "Workspace"), Column("api_key", "API key"), Column("cost_usd", "Cost", "money"),
          Column("requests", "Requests", "int")]
    ws_rows = [{"workspace": "Research", "api_key": "ci-bot", "cost_usd": D("31015.58"), "requests": 1_204_311},
               {"workspace": "=HYPERLINK(\"http://x\")", "api_key": "+cmd|' /C calc'!A0",
                "cost_usd": D("9131.325"), "requests": 7}]
    long = Table("long", "Usage priced, long form",
                 [Column("period_start", "Day", "date"), Column("model", "Model"), Column("service_tier", "Tier"),
                  Column("token_type", "Token type"), Column("quantity", "Quantity", "tokens"),
                  Column("cost_usd", "Cost", "money")],
                 [{"period_start": r["period_start"], "model": r["model"], "service_tier": r["service_tier"],
                   "token_type": r["token_type"], "quantity": r["quantity"], "cost_usd": r["effective_cost"]}
                  for r in _usage_charges()])
    days = [f"2026-11-{d:02d}" for d in range(1, 31)]
    return Report("usage", "Claude API usage, October and November 2026", CAT,
                  figures={"cost_usd": D("40146.905")},
                  headline=Headline([Figure("Actual cost", D("40146.905"), detail="2 months"),
                                     Figure("Realised batch savings", D("8996.76"), tone="good"),
                                     Figure("Missed batch savings", D("11.5"), tone="bad")],
                                    "Send standard traffic no one waits for through batches: $11.50 less.",
                                    "Usage from 2026-10-01 to 2026-11-30.",
                                    Brief("Actual usage", "$40,146.91 spent; batch saved $8,996.76.", "good")),
                  tables=[Table("by_month", "By month", money, rows),
                          Table("by_workspace", "By workspace and API key", ws, ws_rows), long,
                          Table("charges", "Charges", CHARGE_COLUMNS, _usage_charges())],
                  charts=[Chart("cost_by_day", "Cost by day", "bar", days,
                                [Series("Cost", [D(1000 + 10 * i) for i in range(30)])])],
                  price_sources=[PriceSource("claude-sonnet-4-6", "claude-sonnet-4-6", "standard", SOURCE,
                                             CHECKED, "confirmed", rates=SONNET_RATES)],
                  warnings=["3 rows of claude-unknown-9 are unpriced (not in the totals)."])


RECON_COLUMNS = [Column("date", "Date", "date"), Column("model", "Model"), Column("token_type", "Token type"),
                 Column("workspace", "Workspace"), Column("api_key", "API key"),
                 Column("expected_usd", "Expected", "money"), Column("billed_usd", "Billed", "money"),
                 Column("residual_usd", "Residual", "money"), Column("diagnosis", "Diagnosis")]


def reconcile() -> Report:
    # 2026-11-03 batch output billed at the standard rate: 1,000,000 tokens x $7.50 = $7.50 expected,
    # x $15 = $15.00 billed: $7.50 over, outside the $0.01 tolerance. The other lines match.
    def line(day, model, tt, exp, billed, diag="", ws="Research", key="ci-bot"):
        return {"date": dt.date(2026, 11, day), "model": model, "token_type": tt, "workspace": ws,
                "api_key": key, "expected_usd": D(exp), "billed_usd": D(billed),
                "residual_usd": D(billed) - D(exp), "diagnosis": diag,
                "outside": D(billed) - D(exp) != 0}
    rows = [line(d, "claude-sonnet-4-6", "uncached_input", "30", "30") for d in (1, 2)]
    rows.append(line(3, "claude-sonnet-4-6", "output", "7.5", "15",
                     "billed at the standard rate, not the batch rate (long-context batch output)"))
    rows += [line(d, "claude-haiku-4-5", "output", "0.5", "0.5", ws="Default", key="") for d in (1, 2, 3)]
    rows.append({**line(4, "claude-opus-4-1", "output", "0", "16", "no usage for this bill line"),
                 "expected_usd": None, "residual_usd": D(16)})
    charges = []
    for r in rows:
        # Billed lines with the expected cost beside them (FOCUS x_ columns).
        charges.append({"period_start": r["date"], "model": r["model"], "service_tier": "batch",
                        "token_type": r["token_type"], "quantity": 1_000_000, "workspace": r["workspace"],
                        "api_key": r["api_key"] or None, "list_cost": r["billed_usd"],
                        "effective_cost": r["billed_usd"], "billed_cost": r["billed_usd"],
                        "x_ExpectedCost": r["expected_usd"], "x_Residual": r["residual_usd"],
                        "x_WithinTolerance": not r["outside"], "x_Diagnosis": r["diagnosis"]})
    return Report("reconcile", "Invoice check: November 2026", CAT,
                  figures={"expected_usd": D("69"), "billed_usd": D("92.5")},
                  # Expected 30 + 30 + 7.5 + 0.5 x 3 = 69.00; billed 30 + 30 + 15 + 1.5 + 16 = 92.50.
                  headline=Headline([Figure("Expected", D(69)), Figure("Billed", D("92.5")),
                                     Figure("Residual", D("23.5"), tone="bad"),
                                     Figure("Lines outside tolerance", 2, "int", tone="bad")],
                                    "Query the bill: 2 lines outside tolerance.", "Joined on date x model x token type.",
                                    Brief("Invoice check", "2 lines outside tolerance, $23.50 over.", "bad")),
                  tables=[Table("lines", "Lines", RECON_COLUMNS, rows, flag="outside", fold_by="date",
                                caption="Lines outside tolerance first; matched lines folded by day."),
                          Table("charges", "Charges", RECON_CHARGE_COLUMNS, charges)],
                  charts=[Chart("expected_vs_billed", "Expected vs billed by day", "line",
                                [f"2026-11-{d:02d}" for d in range(1, 31)],
                                [Series("Expected", [D(30)] * 30, role="expected"),
                                 Series("Billed", [D(30)] * 29 + [D(45)], role="billed")], flagged=[29])],
                  exit_code=3)


def composite() -> Report:
    parts = [plan(), usage(), reconcile()]
    return Report("composite", "Savings report <script>alert(1)</script>", CAT, headline=parts[0].headline,
                  parts=parts, price_sources=parts[1].price_sources,
                  assumptions=parts[0].assumptions, warnings=parts[1].warnings, exit_code=3)


KINDS = {"prices": prices, "plan": plan, "estimate": estimate, "usage": usage, "reconcile": reconcile,
         "composite": composite}
