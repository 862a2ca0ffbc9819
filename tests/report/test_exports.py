"""Finance exports of real estimate reports: XLSX and CSV (FOCUS: tests/report/test_renderers.py)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from conftest import demo_workload


def test_an_estimate_is_not_focus_data(demo_report):
    """An estimate is not billed or consumed: its FOCUS export is refused, pointing to CSV."""
    import pytest

    from calculator.errors import InputError
    from reports import render

    with pytest.raises(InputError, match=r"estimate report is an estimate.*use --format csv"):
        render(demo_report, "focus")


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
    assert "Rates used" in wb.sheetnames
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
    long_rows = list(csv.DictReader(io.StringIO(render(page, "csv"))))
    assert {r["report"] for r in long_rows} == {demo_report.title, other.title}
    wb = openpyxl.load_workbook(io.BytesIO(render(page, "xlsx")))
    assert wb.sheetnames == ["Summary", "1. Scenarios", "1. Breakdown by token type", "2. Scenarios",
                             "2. Breakdown by token type", "Rates used"]


def test_usage_charges_are_built_for_focus_only(cli, tmp_path):
    """The daily charges (as many as an export's rows) are in the report only when it is written
    as FOCUS; a saved usage JSON re-rendered as FOCUS says how to get them, in one line."""
    from conftest import EXAMPLES

    usage = str(EXAMPLES / "usage_report.json")
    saved = tmp_path / "usage.json"
    assert cli("--quiet", "usage", usage, "-o", saved).code == 0
    assert "charges" not in [t["name"] for t in json.loads(saved.read_text())["presentation"]["tables"]]
    r = cli("--quiet", "report", saved, "-o", tmp_path / "x.focus.csv")
    assert r.code == 1 and "made without its daily charges" in r.err and "--format focus" in r.err
    focus = tmp_path / "usage.focus.csv"
    assert cli("--quiet", "usage", usage, "-o", focus).code == 0
    rows = list(csv.DictReader(io.StringIO(focus.read_text())))
    assert rows and all(r["ChargePeriodEnd"] for r in rows)
