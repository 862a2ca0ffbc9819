"""Renderers: each takes the one Report object and lays it out; none computes anything."""

from __future__ import annotations

from calculator.report.model import Report

TEXT_FORMATS = ("table", "json", "csv", "markdown", "html", "focus")
BINARY_FORMATS = ("xlsx",)
FORMATS = TEXT_FORMATS + BINARY_FORMATS


def render(report: Report, fmt: str, *, color: bool = False) -> str | bytes:
    """The report in ``fmt``: text, or bytes for the binary formats (xlsx)."""
    if fmt == "table":
        from reports.table_format import render as r

        return r(report, color=color)
    if fmt == "json":
        from reports.json_format import render as r
    elif fmt == "csv":
        from reports.csv_format import render as r
    elif fmt == "markdown":
        from reports.markdown_format import render as r
    elif fmt == "html":
        from reports.html_format import render as r
    elif fmt == "focus":
        from reports.focus_format import render as r
    elif fmt == "xlsx":
        from reports.xlsx_format import render as r
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return r(report)
