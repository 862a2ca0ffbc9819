"""Finance exports: FOCUS 1.2 CSV and XLSX from the same Report; CSV stays the long form."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from conftest import demo_workload


def focus_rows(report):
    from reports import render

    return list(csv.DictReader(io.StringIO(render(report, "focus"))))


def test_focus_columns_and_fixed_values(demo_report):
    from reports.focus_format import FOCUS_COLUMNS

    rows = focus_rows(demo_report)
    assert list(rows[0]) == FOCUS_COLUMNS
    for required in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency",
                     "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass",
                     "ChargeDescription", "ConsumedQuantity", "ConsumedUnit", "PricingQuantity",
                     "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "SkuId", "SkuMeter",
                     "SubAccountId", "ResourceId", "ServiceName", "ServiceCategory", "Provider",
                     "Publisher", "InvoiceIssuer", "x_ServiceTier", "x_ContextWindow",
                     "x_InferenceGeo", "x_CatalogueVersion", "x_EstimateSource"):
        assert required in FOCUS_COLUMNS
    for r in rows:
        assert r["BillingCurrency"] == "USD" and r["Provider"] == "Anthropic"
        assert r["ChargePeriodStart"] == "2026-11-21T00:00:00Z"
        assert r["ChargePeriodEnd"] == "2026-11-22T00:00:00Z"  # end exclusive
        assert r["ChargeCategory"] == "Usage" and r["ChargeClass"] == ""
        assert r["ConsumedUnit"] == "Tokens" and r["PricingUnit"] == "1M Tokens"
        assert Decimal(r["PricingQuantity"]) * 1_000_000 == Decimal(r["ConsumedQuantity"])
        assert Decimal(r["PricingQuantity"]) * Decimal(r["ListUnitPrice"]) == Decimal(r["ListCost"])
        assert r["x_CatalogueVersion"] == demo_report.catalogue_version
        assert r["x_ContextWindow"] == "0-200k" and r["x_InferenceGeo"] == "global"
    meters = {r["SkuMeter"] for r in rows}
    assert meters == {"uncached_input_tokens", "output_tokens", "cache_read_input_tokens",
                      "cache_creation.ephemeral_1h_input_tokens"}


def test_focus_sums_per_scenario_equal_the_report(demo_report, demo_estimate):
    rows = focus_rows(demo_report)
    for s in demo_estimate.scenarios:
        mine = [r for r in rows if r["x_EstimateSource"].endswith(f": {s.name} scenario")]
        assert mine
        assert sum(Decimal(r["BilledCost"]) for r in mine) == s.total
        assert {r["x_ServiceTier"] for r in mine} == {s.service_tier}


def test_focus_worked_example_tickets(catalogue):
    """10,000 tickets on Sonnet 4.6, 500 in + 200 out: $45.00 standard, $22.50 batch."""
    from calculator.report.estimate import build_estimate_report

    r = build_estimate_report(catalogue, demo_workload(input_tokens=500, cached_prefix_tokens=0))
    rows = focus_rows(r)
    by = {}
    for row in rows:
        by.setdefault(row["x_EstimateSource"].rsplit(": ", 1)[1], Decimal(0))
        by[row["x_EstimateSource"].rsplit(": ", 1)[1]] += Decimal(row["EffectiveCost"])
    assert by["sync scenario"] == Decimal("45") and by["batch scenario"] == Decimal("22.5")


def test_focus_uses_row_and_context_keys():
    """What a usage or reconciliation report's long rows carry goes straight into FOCUS."""
    import datetime as dt

    from calculator.report.model import Column, Report, Table
    from reports import render

    cols = [Column(k, k) for k in ("period_start", "model", "token_type", "service_tier",
                                   "workspace", "api_key", "quantity", "unit_price_usd",
                                   "cost_usd", "list_cost_usd")]
    long = Table("long", "long", cols, [
                {"period_start": dt.date(2026, 11, 1), "model": "claude-haiku-4-5", "token_type": "output",
                 "service_tier": "batch", "workspace": "wrkspc_1", "api_key": "apikey_9",
                 "quantity": 2_000_000, "unit_price_usd": Decimal("2.5"), "cost_usd": Decimal("5"),
                 "list_cost_usd": Decimal("5.5")},
                {"period_start": dt.date(2026, 11, 1), "model": "claude-haiku-4-5", "token_type": "web_search",
                 "quantity": 3, "unit_price_usd": Decimal("0.01"), "cost_usd": Decimal("0.03")}])

    r = Report(kind="usage", title="u", catalogue_version="v1", tables=[long])
    rows = list(csv.DictReader(io.StringIO(render(r, "focus"))))
    a, b = rows
    assert a["SubAccountId"] == "wrkspc_1" and a["ResourceId"] == "apikey_9"
    assert a["ListCost"] == "5.5" and a["BilledCost"] == "5" and a["x_EstimateSource"] == ""
    assert a["SkuId"] == "claude-haiku-4-5:batch:0-200k:output"
    assert a["ChargePeriodEnd"] == "2026-11-02T00:00:00Z"
    assert b["ConsumedUnit"] == "Searches" and b["PricingQuantity"] == "3" and b["SkuMeter"] == "web_search_requests"


def test_focus_without_a_period_is_a_clear_error():
    import pytest

    from calculator.errors import InputError
    from calculator.report.model import Column, Report, Table
    from reports import render

    no_period = Report(kind="k", title="t", catalogue_version="v", tables=[
        Table("t", "t", [Column("model", "m")], [{"model": "x", "token_type": "output", "quantity": 1,
                                                  "unit_price_usd": Decimal(1), "cost_usd": Decimal(1)}])])
    with pytest.raises(InputError, match="no charge period"):
        render(no_period, "focus")


def test_xlsx_numbers_are_numbers_with_currency_formats(demo_report, demo_estimate, tmp_path):
    import openpyxl

    from reports import render

    data = render(demo_report, "xlsx")
    assert isinstance(data, bytes) and data[:2] == b"PK"
    path = tmp_path / "r.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Summary"
    assert "Scenarios" in wb.sheetnames and "Breakdown by token type" in wb.sheetnames
    assert "Prices used" in wb.sheetnames
    ws = wb["Scenarios"]
    header = [c.value for c in ws[1]]
    total_col = header.index("Total") + 1
    totals = [ws.cell(row=i, column=total_col) for i in range(2, 6)]
    assert all(isinstance(c.value, (int, float)) for c in totals)
    assert all("$" in c.number_format for c in totals)
    assert [Decimal(str(c.value)) for c in totals] == [s.total for s in demo_estimate.scenarios]
    tokens = wb["Breakdown by token type"]
    tok_col = [c.value for c in tokens[1]].index("Tokens") + 1
    assert tokens.cell(row=2, column=tok_col).value == 25_000_000
    summary = {row[0].value: row[1] for row in wb["Summary"].iter_rows() if row[0].value}
    assert summary["Cost now (sync API)"].value == 105
    assert "$" in summary["Cost now (sync API)"].number_format
    assert summary["Price catalogue"].value == demo_report.catalogue_version


def test_csv_is_the_long_form(demo_report):
    from reports import render

    rows = list(csv.DictReader(io.StringIO(render(demo_report, "csv"))))
    assert list(rows[0]) == ["scenario", "service_tier", "model", "token_type", "quantity",
                             "unit_price_usd", "cost_usd", "catalogue_version"]
    assert {r["catalogue_version"] for r in rows} == {"2026-11-21"}
    assert sum(Decimal(r["cost_usd"]) for r in rows if r["scenario"] == "batch") == Decimal("52.5")


def test_composite_exports_every_part(catalogue, demo_report):
    import openpyxl

    from calculator.report.compose import compose
    from calculator.report.estimate import build_estimate_report
    from reports import render

    other = build_estimate_report(catalogue, demo_workload(model="claude-haiku-4-5", cached_prefix_tokens=0))
    page = compose([demo_report, other])
    rows = list(csv.DictReader(io.StringIO(render(page, "focus"))))
    assert {r["SkuId"].split(":")[0] for r in rows} == {"claude-sonnet-4-6", "claude-haiku-4-5-20251001"}
    assert len(rows) == len(focus_rows(demo_report)) + len(focus_rows(other))
    long_rows = list(csv.DictReader(io.StringIO(render(page, "csv"))))
    assert {r["report"] for r in long_rows} == {demo_report.title, other.title}
    wb = openpyxl.load_workbook(io.BytesIO(render(page, "xlsx")))
    assert wb.sheetnames == ["Summary", "1. Scenarios", "1. Breakdown by token type", "2. Scenarios",
                             "2. Breakdown by token type", "Prices used"]
