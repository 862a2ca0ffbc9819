"""Renderers: each takes the one plain-data ``Report`` (calculator/report/model.py) and lays it
out; none computes anything.

Tables named in ``calculator.report.model.DATA_TABLES`` are machine tables: ``long`` (one row per period x model x
token type x tier, every dimension its own column) is what CSV writes and XLSX adds as a data
sheet; ``charges`` is what FOCUS writes (see reports/focus_format.py). The reading formats
(table, markdown, html) show every other table, in order.
"""

from __future__ import annotations

from calculator.report.model import Report

TEXT_FORMATS = ("table", "json", "csv", "markdown", "html", "focus")
BINARY_FORMATS = ("xlsx",)
FORMATS = TEXT_FORMATS + BINARY_FORMATS
# Formats whose output --only-exceptions filters (the others are whole records of the report).
EXCEPTION_FORMATS = ("table", "csv", "markdown")


def render(report: Report, fmt: str, *, color: bool = False, width: int | None = None,
           only_exceptions: bool = False) -> str | bytes:
    """The report in ``fmt``: text, or bytes for the binary formats (xlsx)."""
    if fmt == "table":
        from reports.table_format import render as r

        return r(report, color=color, width=width, only_exceptions=only_exceptions)
    if fmt in ("csv", "markdown"):
        from reports.csv_format import render as csv_render
        from reports.markdown_format import render as md_render

        return (csv_render if fmt == "csv" else md_render)(report, only_exceptions=only_exceptions)
    if fmt == "json":
        from reports.json_format import render as r
    elif fmt == "html":
        from reports.html_format import render as r
    elif fmt == "focus":
        from reports.focus_format import render as r
    elif fmt == "xlsx":
        from reports.xlsx_format import render as r
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return r(report)
