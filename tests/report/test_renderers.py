"""The renderers over hand-built plain-data Reports (tests/report/report_samples.py): nothing cut at any
terminal width, flagged rows first, FOCUS 1.3 meaning, XLSX for finance, escaping, rounding, and
a golden file per kind and format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest

import report_samples as samples
from reports import render

# A figure: a dollar sign and digits (a header such as "After $, high" is not one).
MONEY = re.compile(r"-?\$\d[\d,]*(?:\.\d+)?")
WIDTHS = (60, 80, 100, 200)


def money_tokens(text: str) -> list[str]:
    return sorted(MONEY.findall(text))


# -- terminal tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(samples.KINDS))
def test_every_figure_whole_at_every_width(kind):
    report = samples.KINDS[kind]()
    outputs = {w: render(report, "table", width=w) for w in WIDTHS}
    wide = money_tokens(outputs[200])
    assert wide
    for w, text in outputs.items():
        assert money_tokens(text) == wide, f"figures differ at {w} columns"
        # Nothing runs past the width: a line is longer only when one word is.
        for line in text.splitlines():
            assert len(line) <= w or max(len(x) for x in line.split()) > w - 8, (w, line)


def test_figures_the_issue_saw_cut_are_whole():
    text = render(samples.prices(), "table", width=80) + render(samples.plan(), "table", width=80) \
        + render(samples.usage(), "table", width=80)
    for figure in ("$16", "$0.50", "$84,000.00", "$31,015.58", "$9,131.33"):
        assert re.search(re.escape(figure) + r"(?![\d.,])", text), figure


@pytest.mark.parametrize("width", WIDTHS)
def test_headers_are_never_cut(width):
    for make in samples.KINDS.values():
        report = make()
        text = render(report, "table", width=width)
        words = set(text.split())
        for part in report.parts or [report]:
            for table in part.tables:
                if table.name in ("long", "charges"):
                    continue
                for c in table.columns:
                    for word in c.label.split():
                        assert word in words or f"{word}:" in words, (width, c.label)


def test_narrow_tables_stay_a_grid_and_wide_ones_stack():
    prices = render(samples.prices(), "table", width=200)
    assert re.search(r"claude-opus-4-1\s+batch\s+\$7\.50\s+\$9\.375", prices)
    stacked = render(samples.prices(), "table", width=60)
    assert re.search(r"^\s+Model:\s+claude-opus-4-1$", stacked, re.M)
    assert re.search(r"^\s+Output \(USD per MTok\):\s+\$37\.50$", stacked, re.M)


def test_flagged_rows_first_and_only_exceptions():
    report = samples.reconcile()
    text = render(report, "table", width=200)
    rows = [l for l in text.splitlines() if re.match(r"^(!\s+)?\s*2026-11-0\d", l)]
    assert [r.startswith("!") for r in rows] == [True, True, False, False, False, False, False]
    only = render(report, "table", width=200, only_exceptions=True)
    assert "(exceptions only: 2 of 7)" in only
    assert "$15.00" in only and "$16.00" in only and "$0.50" not in only.split("Lines")[1]
    md = render(report, "markdown", only_exceptions=True)
    assert md.count("| ! | 2026-11-0") == 2 and "| 2026-11-01" not in md
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", only_exceptions=True))))
    # The reconcile sample has no long table: CSV writes its first table, only the flagged lines.
    assert [r["date"] for r in rows] == ["2026-11-03", "2026-11-04"]


# -- rounding --------------------------------------------------------------------------------

def test_display_rounds_half_up_and_exports_stay_exact():
    from calculator.money import usd

    # ROUND(9131.325, 2) = 9131.33 in a spreadsheet; banker's rounding would give 9131.32.
    assert usd(D("9131.325")) == "$9,131.33"
    assert usd(D("-9131.325")) == "-$9,131.33"
    assert usd(D("0.005")) == "$0.01" and usd(D("0.0049")) == "$0.00"
    report = samples.usage()
    assert "$9,131.33" in render(report, "table", width=100)
    assert "9131.325" in render(report, "json")
    by_month = samples.usage()
    by_month.tables = [by_month.tables[0]]
    assert "9131.325" in render(by_month, "csv")
    # The page states the rule once, in its methodology.
    from reports.html_format import render as html

    page = html(report, charts=False)
    assert page.count("half up") == 1 and "$9,131.325 shows as $9,131.33" in page.split('id="methodology"')[1]


def test_percent_cells_are_fractions():
    text = render(samples.plan(), "table", width=200)
    assert "50.0%" in text and "45.0%" in text


# -- -o and --format -----------------------------------------------------------------------------

def test_markdown_escapes_html():
    report = samples.plan()
    report.tables[0].rows[1]["workload"] = '<img src=x onerror="alert(1)"> <script>alert(2)</script>'
    md = render(report, "markdown")
    assert "<img" not in md and "<script" not in md
    assert "&lt;img src=x onerror=\"alert(1)\"&gt;" in md and "&lt;script&gt;" in md
    assert "support-replies &lt;b&gt;" in render(samples.plan(), "markdown")


# -- FOCUS 1.3 -----------------------------------------------------------------------------------

def focus(report) -> list[dict]:
    return list(csv.DictReader(io.StringIO(render(report, "focus"))))


def test_focus_columns_follow_the_1_3_names():
    from reports.focus_format import FOCUS_COLUMNS

    rows = focus(samples.usage())
    assert list(rows[0])[:len(FOCUS_COLUMNS)] == FOCUS_COLUMNS
    for name in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency",
                 "BillingAccountId", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
                 "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription",
                 "ServiceName", "ServiceCategory", "ServiceProviderName", "HostProviderName",
                 "InvoiceIssuerName", "SubAccountId", "SubAccountName", "ResourceId", "ResourceName"):
        assert name in FOCUS_COLUMNS, name
    # Deprecated in 1.3 (ServiceProviderName, HostProviderName, InvoiceIssuerName replace them).
    for old in ("Provider", "Publisher", "InvoiceIssuer", "ProviderName"):
        assert old not in FOCUS_COLUMNS


def test_focus_of_usage_is_consumption_not_billing():
    a, b = focus(samples.usage())
    # 10,000,000 input tokens x $3/MTok = $30; 1,000,000 output x $15 = $15; nothing invoiced.
    assert (a["ListCost"], a["EffectiveCost"], a["BilledCost"]) == ("30", "30", "")
    assert (b["ListCost"], b["EffectiveCost"], b["BilledCost"]) == ("15", "15", "")
    assert a["ChargePeriodStart"] == "2026-11-03T00:00:00Z" and a["ChargePeriodEnd"] == "2026-11-04T00:00:00Z"
    assert a["BillingPeriodStart"] == "2026-11-01T00:00:00Z" and a["BillingPeriodEnd"] == "2026-12-01T00:00:00Z"
    assert (a["SubAccountId"], a["SubAccountName"]) == ("wrkspc_01Research", "Research")
    assert (a["ResourceId"], a["ResourceName"]) == ("apikey_01CiBot", "ci-bot")
    assert a["PricingQuantity"] == "10" and a["PricingUnit"] == "1M Tokens"
    assert D(a["PricingQuantity"]) * D(a["ListUnitPrice"]) == D(a["ListCost"])
    assert a["ServiceProviderName"] == a["HostProviderName"] == a["InvoiceIssuerName"] == "Anthropic"


def test_focus_of_reconcile_is_the_billed_lines_with_the_expected_cost_beside():
    rows = focus(samples.reconcile())
    assert len(rows) == 7
    assert sum(D(r["BilledCost"]) for r in rows) == D("92.5")  # 30 + 30 + 15 + 0.5 x 3 + 16
    bad = [r for r in rows if r["x_WithinTolerance"] == "false"]
    assert [(r["BilledCost"], r["x_ExpectedCost"], r["x_Residual"]) for r in bad] == [
        ("15", "7.5", "7.5"), ("16", "", "16")]
    assert bad[0]["x_Diagnosis"].startswith("billed at the standard rate")
    # No API key on the Default workspace's lines: the column is empty, not "None".
    assert {r["ResourceId"] for r in rows if r["SubAccountName"] == "Default"} == {""}


@pytest.mark.parametrize("kind", ["estimate", "plan", "prices"])
def test_focus_refuses_what_is_not_cost_or_usage(kind):
    from calculator.errors import InputError

    with pytest.raises(InputError, match=r"use --format csv") as e:
        render(samples.KINDS[kind](), "focus")
    assert "\n" not in str(e.value)


def test_focus_of_a_page_exports_the_parts_with_charges():
    rows = focus(samples.composite())
    assert len(rows) == 2 + 7  # the usage's two charges, the reconciliation's seven lines


def test_focus_names_a_charge_that_lacks_a_required_key():
    from calculator.errors import InputError

    report = samples.usage()
    del report.table("charges").rows[1]["list_cost"]
    with pytest.raises(InputError, match="charge 2 of the usage report lacks list_cost"):
        render(report, "focus")


# -- XLSX -----------------------------------------------------------------------------------------

def workbook(report):
    import openpyxl

    data = render(report, "xlsx")
    assert data[:2] == b"PK"
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_numbers_percentages_and_sheet_names():
    wb = workbook(samples.composite())
    for name in wb.sheetnames:
        assert len(name) <= 31 and "  " not in name and name == name.strip()
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    ws = wb["1. Workloads"]
    header = [c.value for c in ws[1]]
    now = ws.cell(row=2, column=header.index("Cost now") + 1)
    assert now.value == 84000 and now.data_type == "n" and "$" in now.number_format
    pct = ws.cell(row=2, column=header.index("Savings %") + 1)
    assert pct.value == 0.5 and pct.number_format == "0.0%"
    ws = wb["2. By workspace and API key"]
    header = [c.value for c in ws[1]]
    assert header == ["Workspace", "API key", "Cost", "Requests"]  # one column per dimension
    assert ws.cell(row=2, column=4).value == 1_204_311 and ws.cell(row=2, column=4).number_format == "#,##0"


def test_xlsx_input_text_is_never_a_formula():
    wb = workbook(samples.usage())
    ws = wb["By workspace and API key"]
    cells = [ws.cell(row=3, column=1), ws.cell(row=3, column=2)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0"]
    assert all(c.data_type == "s" for c in cells)


def test_xlsx_summary_holds_every_part_and_the_rates_used():
    wb = workbook(samples.composite())
    summary = [[c.value for c in row] for row in wb["Summary"].iter_rows()]
    labels = [r[0] for r in summary]
    # The plan leads the page: its figures come first, once; then each other part under its title.
    assert labels.count("Cost now") == 1 and summary[labels.index("Cost now")][1] == 84012
    for title in ("Claude API usage, October and November 2026", "Invoice check: November 2026"):
        assert title in labels
    # The invoice check's figures, as numbers: expected $69.00, billed $92.50, 2 lines outside.
    at = labels.index("Invoice check: November 2026")
    figures = {r[0]: r[1] for r in summary[at:]}
    assert figures["Expected"] == 69 and figures["Billed"] == 92.5 and figures["Lines outside tolerance"] == 2
    rates = wb["Rates used"]
    header = [c.value for c in rates[1]]
    row = [c.value for c in rates[2]]
    assert row[header.index("Input (USD/MTok)")] == 3 and row[header.index("Output (USD/MTok)")] == 15
    assert row[header.index("Cache read (USD/MTok)")] == 0.3


def test_xlsx_sheet_name_rules():
    from reports.xlsx_format import sheet_name

    used: set[str] = set()
    assert sheet_name("Sample  240 requests", used) == "Sample 240 requests"
    assert sheet_name("sample 240 requests", used) == "sample 240 requests (2)"
    long = sheet_name("A very long table title: with [brackets] and/slashes*", used)
    assert len(long) <= 31 and not re.search(r"[\[\]:*?/\\]", long) and "  " not in long


# -- HTML ----------------------------------------------------------------------------------------

def test_html_folds_the_matched_lines_and_labels_every_cell():
    from reports.html_format import render as html

    page = html(samples.reconcile(), charts=False)
    block = page.split('id="table-part-1-reconcile-lines"')[1].split("</div>\n  </div>")[0]
    # The two lines to query first, outside any <details>; the five matched lines folded per day.
    head, _, folds = block.partition("<details")
    assert head.count("<tr><td") == 2 and "$15.00" in head and "$16.00" in head
    assert folds.count("<summary>") == 3 - 1 + 1  # one <details> per day: 11-01, 11-02, 11-03
    assert "Date 2026-11-01" in folds and "2 rows" in folds
    assert "<script" not in page.lower()
    assert 'data-label="Diagnosis"' in page and 'data-label="Workspace"' in page
    assert 'class="cards flagged"' in page


def test_day_charts_thin_their_labels():
    from reports.charts import render_svg, thinned

    assert thinned([str(i) for i in range(10)]) == list(range(10))
    days = [f"2026-10-{d:02d}" for d in range(1, 32)]
    assert len(thinned(days)) <= 10 and thinned(days)[:2] == [0, 4]
    svg = render_svg(samples.usage().charts[0])
    labels = [d for d in re.findall(r">(2026-11-\d\d)<", svg)]
    assert 1 < len(labels) <= 12


def test_percent_and_seconds_charts_label_their_units():
    from calculator.report.model import Chart, Series
    from reports.charts import _fmt, render_svg

    # Error rates are fractions: 1.6% and a 0.25% tick keep their decimals (once read "0%").
    assert (_fmt(0.016, "percent"), _fmt(0.0025, "percent", compact=True), _fmt(0.5, "percent")) == ("1.6%", "0.25%", "50%")
    # Turnarounds in seconds read as durations: 36 min, 1 h 22 min (4,920 s), 2 h.
    assert [_fmt(v, "seconds") for v in (0, 45, 2160, 4920, 7200)] == ["0", "45 s", "36 min", "1 h 22 min", "2 h"]
    svg = render_svg(Chart("turnaround", "Turnaround", "bar", ["a", "b"], [Series("T", [2160, 4920])], unit="seconds"))
    # A 0-5,400 s axis ticks every 30 minutes, not every 1,000 s.
    assert ">30 min<" in svg and ">1 h<" in svg and ">1,000 s<" not in svg
    svg = render_svg(Chart("error_rate", "Errors", "bar", ["a", "b"], [Series("E", [0.02, 0])], unit="percent"))
    assert ">0.4%<" in svg and ">2%<" in svg


# -- goldens: every kind in every format -------------------------------------------------------

SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def xlsx_text(report) -> str:
    """The workbook as text: sheet, cell, value, type and number format (stable across openpyxl)."""
    wb = workbook(report)
    out = []
    for ws in wb.worksheets:
        out.append(f"== {ws.title}")
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.append(f"{c.coordinate}\t{c.data_type}\t{c.number_format}\t{c.value!r}")
    return "\n".join(out) + "\n"


def formatted(report, fmt: str) -> str:
    from calculator.errors import InputError

    if fmt == "xlsx":
        return xlsx_text(report)
    if fmt == "html":
        from reports.html_format import render as html

        return html(report, charts=False)
    if fmt == "table":
        return render(report, "table", width=80)
    try:
        return render(report, fmt)
    except InputError as e:  # FOCUS of an estimate: the refusal is the output
        return f"error: {e}\n"


EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md", "html": "html",
              "xlsx": "xlsx.txt", "focus": "focus.csv"}


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
@pytest.mark.parametrize("kind", sorted(samples.KINDS))
def test_golden(kind, fmt, golden):
    golden(f"render/{kind}.{EXTENSIONS[fmt]}", formatted(samples.KINDS[kind](), fmt))


def test_json_round_trip_of_the_samples():
    import json

    from calculator.report.model import Report

    for make in samples.KINDS.values():
        r = make()
        assert Report.from_dict(json.loads(render(r, "json"))) == r


def test_dates_read_as_dates():
    from reports.cells import display_kind

    assert display_kind(dt.date(2026, 11, 3), "date") == "2026-11-03"
    assert display_kind(dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc), "date") == "2026-11-03"
    assert display_kind(dt.datetime(2026, 11, 3, 14, 5), "date") == "2026-11-03 14:05"
