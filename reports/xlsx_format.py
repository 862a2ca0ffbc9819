"""XLSX: a workbook for finance, one sheet per table, numbers as numbers with currency formats.

Sheet "Summary" holds the title, the headline figures, assumptions, warnings
and the catalogue version; then one sheet per table of every part (``part.shown_tables()``), named
after the table, and "Prices used" when the report lists its price sources. Money and rates stay
exact (the Decimal is written as the cell's number; Excel shows it with a currency format).
"""

from __future__ import annotations

import dataclasses
import io
import re

from calculator.report.model import SCHEMA_VERSION, Column, Report, Table
from reports.cells import display

NUMBER_FORMATS = {
    "money": '"$"#,##0.00;-"$"#,##0.00',
    "rate": '"$"#,##0.00####',
    "int": "#,##0",
    "tokens": "#,##0",
    "number": "#,##0.####",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}
WIDTHS = {"money": 14, "rate": 14, "int": 15, "number": 14, "percent": 11, "date": 12}


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _cell_value(value, column: Column):
    """Numbers as numbers (Decimal, int), dates as dates, everything else as its text."""
    import datetime as dt
    from decimal import Decimal

    if value is None or value == "":
        return None
    if column.kind in NUMBER_FORMATS and isinstance(value, (Decimal, int, dt.date)) and not isinstance(value, bool):
        return value
    return display(value, column)


def _frame(table: Table):
    import pandas as pd

    data = {c.label: [_cell_value(r.get(c.key), c) for r in table.rows] for c in table.columns}
    return pd.DataFrame(data, columns=[c.label for c in table.columns])


def render(report: Report) -> bytes:
    import pandas as pd
    from openpyxl.styles import Alignment, Font

    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        summary_rows: list[tuple] = [(report.title, None)]
        headline = report.headline
        if headline:
            for f in headline.figures:
                summary_rows.append((f.label, f.value if f.kind in NUMBER_FORMATS else display(f.value, Column("", "", f.kind))))
            if headline.recommendation:
                summary_rows.append(("Recommendation", headline.recommendation))
            if headline.scope:
                summary_rows.append(("Scope", headline.scope))
        summary_rows += [(None, None), ("Price catalogue", report.catalogue_version),
                         ("Report schema", SCHEMA_VERSION)]
        summary_rows += [("Assumption", a) for a in report.assumptions]
        summary_rows += [("Warning", w) for w in report.warnings]
        summary_name = _sheet_name("Summary", used)
        pd.DataFrame(summary_rows).to_excel(writer, sheet_name=summary_name, header=False, index=False)
        ws = writer.sheets[summary_name]
        ws["A1"].font = Font(bold=True, size=14)
        ws.column_dimensions["A"].width = 26
        ws.column_dimensions["B"].width = 100
        if headline:
            for i, f in enumerate(headline.figures, start=2):
                if f.kind in NUMBER_FORMATS:
                    ws.cell(row=i, column=2).number_format = NUMBER_FORMATS[f.kind]
                    ws.cell(row=i, column=2).font = Font(bold=True)
        for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")

        parts = report.all_parts()
        # On a page of several parts, sheet names start with the part's number.
        tables = [(f"{i}. " if len(parts) > 1 else "", t)
                  for i, part in enumerate(parts, 1) for t in part.shown_tables()]
        sources = report.price_sources
        if sources:
            tables.append(("", Table("prices_used", "Prices used",
                                [Column("model", "Model"), Column("display_name", "Name"),
                                 Column("service_tier", "Tier"), Column("status", "Status"),
                                 Column("checked", "Checked", "date"), Column("source", "Source"),
                                 Column("note", "Note")],
                                [dataclasses.asdict(s) for s in sources])))
        for prefix, table in tables:
            title = table.name.replace("_", " ").capitalize() if len(prefix + table.title) > 31 else table.title
            name = _sheet_name(prefix + title, used)
            frame = _frame(table)
            frame.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            for j, c in enumerate(table.columns, start=1):
                letter = ws.cell(row=1, column=j).column_letter
                ws.cell(row=1, column=j).font = Font(bold=True)
                fmt = NUMBER_FORMATS.get(c.kind)
                texts = [len(str(v)) for v in frame.iloc[:, j - 1].tolist() if v is not None]
                ws.column_dimensions[letter].width = min(60, max(WIDTHS.get(c.kind, 10), len(c.label) + 2,
                                                                 *(t + 2 for t in texts[:200])))
                if fmt:
                    for (cell,) in ws.iter_rows(min_row=2, max_row=len(table.rows) + 1, min_col=j, max_col=j):
                        cell.number_format = fmt
            if table.caption:
                ws.cell(row=len(table.rows) + 3, column=1, value=table.caption).font = Font(italic=True)
        wb = writer.book
        wb.properties.creator = "batchcalc"
    return buf.getvalue()
