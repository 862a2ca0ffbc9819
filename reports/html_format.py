"""HTML: one self-contained page (inline CSS, charts as inline SVG, no JavaScript, no network).

Every report renders: the executive summary comes from ``report.headline``, then each part's
charts (``part.charts``, drawn by ``reports/charts.py``) and tables (``part.shown_tables()``),
then methodology (assumptions, the catalogue version, ``report.price_sources``) and warnings. The templates live in
``reports/templates/``; autoescaping is on for every template, so a model name, custom_id or
workspace name such as ``<script>`` is shown as text, never run. This module only arranges what
the report already holds: it formats cells with ``reports/cells.py`` and computes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from calculator.report.model import SCHEMA_VERSION, Column, Report, Table
from reports.cells import display, is_numeric


WRAP_AT = 32  # characters: a text column with longer cells wraps instead of widening the table


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("reports", "templates"),
        # On for every template, whatever its name (.j2, .css included in <style> or not).
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = lambda value, kind="text": display(value, Column("", "", kind))
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: Any) -> str:
    """Only http(s) links become links; anything else (javascript:, data:) is shown as text."""
    text = str(url or "")
    return text if urlparse(text).scheme in ("http", "https") else ""


def _table_view(table: Table) -> dict:
    rows = [[display(row.get(c.key), c) for c in table.columns] for row in table.rows]
    # Short cells stay on one line (the table scrolls sideways on a phone); long prose wraps.
    cols = [{"label": c.label, "numeric": is_numeric(c), "kind": c.kind,
             "wrap": not is_numeric(c) and any(len(r[i]) > WRAP_AT for r in rows)}
            for i, c in enumerate(table.columns)]
    return {"name": table.name, "title": table.title, "caption": table.caption,
            "columns": cols, "rows": rows, "cards": table.cards}


def _part_view(part: Report, index: int, charts: bool) -> dict:
    from markupsafe import Markup

    from reports.charts import render_svg

    return {
        "id": f"part-{index}-{part.kind}",
        "kind": part.kind,
        "title": part.title,
        "report": part,
        # On a page of several parts, each part's headline figures as label: value pairs.
        "summary": [(f.label, display(f.value, Column("", "", f.kind)))
                    for f in (part.headline.figures if part.headline else [])],
        # matplotlib escapes the text it writes into the SVG, so the SVG itself is markup.
        "charts": [{"name": c.name, "title": c.title, "caption": c.caption, "svg": Markup(render_svg(c))}
                   for c in (part.charts if charts else [])],
        "tables": [_table_view(t) for t in part.shown_tables()],
    }


def context(report: Report, *, charts: bool = True) -> dict:
    """What the template sees: the report's content, laid out, nothing computed."""
    from calculator import __version__

    parts = report.all_parts()
    part_views = [_part_view(p, i, charts) for i, p in enumerate(parts, 1)]
    return {
        "report": report,
        "title": report.title,
        "kind": report.kind,
        "composite": bool(report.parts),
        "headline": report.headline,
        "summary": [],
        "parts": part_views,
        "assumptions": report.assumptions,
        # A page of several parts lists each part's assumptions under its title.
        "assumption_groups": ([(p.title, p.assumptions) for p in parts if p.assumptions]
                              if len(parts) > 1 else [("", report.assumptions)] if report.assumptions else []),
        "warnings": report.warnings,
        "price_sources": report.price_sources,
        "catalogue_version": report.catalogue_version,
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
    }


def render(report: Report, *, charts: bool = True) -> str:
    """The page as text. ``charts=False`` leaves the charts out (for tests of the layout)."""
    return environment().get_template("report.html.j2").render(**context(report, charts=charts))
