"""XLSX: a workbook for finance, one sheet per table, numbers as numbers.

Sheet "Summary" holds the title, every part's headline figures (a page of several parts: each
part's figures under its title, the invoice check included), the recommendation, assumptions,
warnings and the catalogue version; then one sheet per table of every part; the long-form data
table (every dimension its own column) when it differs from the tables shown; "Rates used" from
the price sources, one row per model and tier with one column per rate.

Money, rates and counts are numeric cells with number formats (Excel shows $1,234.57 and keeps
the exact value); percentages are fractions with a percent format. Text from the input data
that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
is stored as a text cell, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from calculator.report.model import SCHEMA_VERSION, Column, Report, Table
from reports.cells import display_kind

NUMBER_FORMATS = {
    "money": '"$"#,##0.00;-"$"#,##0.00',
    "rate": '"$"#,##0.00####',
    "int": "#,##0",
    "tokens": "#,##0",
    "number": "#,##0.####",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}
WIDTHS = {"money": 14, "rate": 14, "int": 15, "tokens": 15, "number": 14, "percent": 11, "date": 12}
RATE_LABELS = {"uncached_input": "Input", "cache_write_5m": "5m cache write", "cache_write_1h": "1h cache write",
               "cache_read": "Cache read", "output": "Output", "web_search": "Web search (per search)"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET = 31


def sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: <= 31 characters, none of []:*?/\\, unique (case-insensitively); and one
    space between words."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title)
    name = re.sub(r"\s+", " ", name).strip().strip("'")[:MAX_SHEET].strip() or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[:MAX_SHEET - len(suffix)].rstrip() + suffix
        n += 1
    used.add(name.lower())
    return name


def cell_value(value, kind: str):
    """Numbers as numbers (Decimal, int), dates as dates, text as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind in NUMBER_FORMATS and isinstance(value, (Decimal, int, dt.date)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    return display_kind(value, kind)


def _put(ws, row: int, col: int, value, kind: str = "text"):
    cell = ws.cell(row=row, column=col)
    value = cell_value(value, kind)
    if isinstance(value, str):
        # openpyxl would store "=..." as a formula: force a text cell for data from the input.
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
        if value is not None and kind in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[kind]
    return cell


def _summary(ws, report: Report) -> None:
    from openpyxl.styles import Alignment, Font

    r = 1
    _put(ws, r, 1, report.title).font = Font(bold=True, size=14)
    parts = report.all_parts()
    blocks: list[tuple] = [(None, report)]
    if len(parts) > 1:
        # Every part's figures, each under its title (the invoice check is on the summary too);
        # the part that leads the page's summary is not repeated.
        lead = report.headline.figures if report.headline else None
        blocks = ([(None, report)] if report.headline else []) + [
            (p.title, p) for p in parts if not (p.headline and p.headline.figures == lead)]
    for heading, part in blocks:
        r += 1
        if heading:
            r += 1
            _put(ws, r, 1, heading).font = Font(bold=True, size=12)
            if part.headline and part.headline.brief:
                r += 1
                _put(ws, r, 1, part.headline.brief.topic)
                _put(ws, r, 2, part.headline.brief.text)
        h = part.headline
        if h is None:
            for label, value in part.meta.get("summary", []):
                r += 1
                _put(ws, r, 1, label)
                _put(ws, r, 2, value)
            continue
        if h.scope:
            r += 1
            _put(ws, r, 1, "Scope")
            _put(ws, r, 2, h.scope)
        for f in h.figures:
            r += 1
            _put(ws, r, 1, f.label)
            _put(ws, r, 2, f.value, f.kind).font = Font(bold=True)
            if f.detail:
                _put(ws, r, 3, f.detail)
        if h.recommendation:
            r += 1
            _put(ws, r, 1, "Recommendation")
            _put(ws, r, 2, h.recommendation)
    r += 2
    for label, value in (("Price catalogue", report.catalogue_version), ("Report schema", SCHEMA_VERSION)):
        _put(ws, r, 1, label)
        _put(ws, r, 2, value)
        r += 1
    for label, items in (("Assumption", report.assumptions), ("Warning", report.warnings)):
        for text in items:
            _put(ws, r, 1, label)
            _put(ws, r, 2, text)
            r += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 80
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _table_sheet(ws, table: Table) -> None:
    from openpyxl.styles import Font

    ws.freeze_panes = "A2"
    for j, c in enumerate(table.columns, start=1):
        _put(ws, 1, j, c.label).font = Font(bold=True)
        texts = []
        for i, row in enumerate(table.rows, start=2):
            value = row.get(c.key)
            _put(ws, i, j, value, c.kind)
            if i < 202 and value is not None:
                texts.append(len(display_kind(value, c.kind)))
        letter = ws.cell(row=1, column=j).column_letter
        ws.column_dimensions[letter].width = min(60, max(WIDTHS.get(c.kind, 10), len(c.label) + 2,
                                                         *(t + 2 for t in texts)))
    if table.caption:
        _put(ws, len(table.rows) + 3, 1, table.caption).font = Font(italic=True)


def rates_table(report: Report) -> Table | None:
    sources = report.price_sources or [s for p in report.all_parts() for s in p.price_sources]
    if not sources:
        return None
    keys = list(dict.fromkeys(k for s in sources for k in s.rates))
    columns = [Column("model", "Model"), Column("display_name", "Name"), Column("service_tier", "Tier"),
               *[Column(f"rate_{k}", f"{RATE_LABELS.get(k, k)} (USD/MTok)" if k != "web_search"
                        else RATE_LABELS[k], "rate") for k in keys],
               Column("status", "Status"), Column("checked", "Checked", "date"), Column("source", "Source"),
               Column("note", "Note")]
    rows = [{"model": s.model, "display_name": s.display_name, "service_tier": s.service_tier,
             **{f"rate_{k}": v for k, v in s.rates.items()}, "status": s.status, "checked": s.checked,
             "source": s.source, "note": s.note} for s in sources]
    return Table("rates_used", "Rates used", columns, rows)


def render(report: Report) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = sheet_name("Summary", used)
    _summary(ws, report)
    parts = report.all_parts()
    several = len(parts) > 1
    sheets: list[tuple[str, Table]] = []
    for i, part in enumerate(parts, 1):
        # On a page of several parts, sheet names start with the part's number.
        prefix = f"{i}. " if several else ""
        shown = part.shown_tables()
        for t in shown:
            # A title too long for a sheet name gives way to the table's short name.
            title = t.title if len(prefix + t.title) <= MAX_SHEET else t.name.replace("_", " ").capitalize()
            sheets.append((prefix + title, t))
        long = part.long_table()
        if long.columns and all(long.columns != t.columns for t in shown):
            sheets.append((prefix + "Data", long))
    rates = rates_table(report)
    if rates is not None:
        sheets.append(("Rates used", rates))
    for title, table in sheets:
        _table_sheet(wb.create_sheet(sheet_name(title, used)), table)
    wb.properties.creator = "batchcalc"
    # Fixed times: the same report gives the same bytes (golden files, reproducible exports).
    stamp = dt.datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = stamp
    from openpyxl.writer.excel import save_workbook

    buf = io.BytesIO()  # the bytes go to the CLI's atomic writer, never straight to a file
    save_workbook(wb, buf)
    return buf.getvalue()
