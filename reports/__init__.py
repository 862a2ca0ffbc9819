"""Renderers: each takes the one Report object and lays it out; none computes anything."""

from __future__ import annotations

from calculator.report import Report

TEXT_FORMATS = ("table", "json", "csv", "markdown")


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """The report in ``fmt`` as text."""
    if fmt == "table":
        from reports.table_format import render as r

        return r(report, color=color)
    if fmt == "json":
        from reports.json_format import render as r
    elif fmt == "csv":
        from reports.csv_format import render as r
    elif fmt == "markdown":
        from reports.markdown_format import render as r
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return r(report)
