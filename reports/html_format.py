"""HTML: one self-contained page (inline CSS, charts as inline SVG, no JavaScript, no network).

Every report renders: the executive summary from ``report.headline`` (or the summary pairs in
``meta["summary"]`` as cards), then each part's charts (drawn by ``reports/charts.py``) and
tables, then methodology (assumptions, the catalogue version, the price sources) and warnings.

Tables never hide a column: text wraps, wide tables use a smaller type, and on a phone every
table of more than three columns becomes one card per row (CSS only, ``data-label``). A table
with a ``flag`` shows its flagged rows (exceptions) first and folds the others into a
``<details>`` per ``fold_by`` value (per day, per model), so a month of matched lines does not
bury the lines to query; a table's total row is never folded. Autoescaping is on for every template, so a model name, custom_id or
workspace name such as ``<script>`` is shown as text, never run. This module only arranges what
the report already holds: it formats cells with ``reports/cells.py`` and computes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from calculator.report.model import SCHEMA_VERSION, Report, Table
from reports.cells import display, display_kind, is_numeric


WRAP_AT = 32  # characters: a text column with longer cells wraps instead of widening the table
WIDE = 7  # columns: a table with more uses a smaller type
CARDS_FROM = 4  # columns: a table with this many or more is one card per row on a phone


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
    env.filters["cell"] = lambda value, kind="text": display_kind(value, kind)
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: Any) -> str:
    """Only http(s) links become links; anything else (javascript:, data:) is shown as text."""
    text = str(url or "")
    return text if urlparse(text).scheme in ("http", "https") else ""


def _rows(table: Table, rows: list[dict]) -> list[list[str]]:
    return [[display(row.get(c.key), c) for c in table.columns] for row in rows]


def _css(column, cells: list[str]) -> str:
    """How a column's cells break: figures (``num``) and words without spaces (``atom``: dates,
    model ids, which would otherwise break at their hyphens) never; long prose (``wrap``) does;
    other short text (``text``) only in a wide table, at its spaces."""
    if is_numeric(column):
        return "num"
    if any(len(c) > WRAP_AT for c in cells):
        return "wrap"
    return "text" if any(" " in c for c in cells) else "atom"


def _table_view(table: Table) -> dict:
    # A total row stays in view, after the rows shown, whatever is folded.
    body = [r for r in table.rows if not table.is_total(r)]
    totals = _rows(table, [r for r in table.rows if table.is_total(r)])
    flagged = [r for r in body if table.flagged(r)] if table.flag else body
    others = [r for r in body if not table.flagged(r)] if table.flag else []
    folds: list[dict] = []
    if others:
        groups: dict = {}
        for r in others:
            groups.setdefault(display_kind(r.get(table.fold_by), "text") if table.fold_by else "", []).append(r)
        label = table.column(table.fold_by).label if table.fold_by and any(
            c.key == table.fold_by for c in table.columns) else ""
        folds = [{"title": f"{label} {key}".strip() if key else "Other rows", "count": len(rs), "rows": _rows(table, rs)}
                 for key, rs in groups.items()]
    shown = _rows(table, flagged)
    every = shown + totals + [r for f in folds for r in f["rows"]]
    cols = [{"label": c.label, "numeric": is_numeric(c), "kind": c.kind, "css": _css(c, [r[i] for r in every])}
            for i, c in enumerate(table.columns)]
    return {"name": table.name, "title": table.title, "caption": table.caption, "columns": cols,
            "rows": shown, "totals": totals, "folds": folds, "flag": bool(table.flag),
            "cards": table.cards or len(cols) >= CARDS_FROM, "wide": len(cols) > WIDE}


def _part_view(part: Report, index: int, charts: bool) -> dict:
    from markupsafe import Markup

    from reports.charts import render_svg

    return {
        "id": f"part-{index}-{part.kind}",
        "kind": part.kind,
        "title": part.title,
        "report": part,
        # On a page of several parts, each part opens with its headline figures as label: value.
        "summary": part.meta.get("summary") or [(f.label, display_kind(f.value, f.kind))
                                                 for f in (part.headline.figures if part.headline else [])],
        "brief": part.headline.brief if part.headline else None,
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
    composite = bool(report.parts)
    headline = report.headline
    lead = headline.brief if headline else None
    # A page of several parts: one line per part other than the one the summary leads with.
    others = [(v["id"], v["brief"]) for v, p in zip(part_views, parts)
              if composite and v["brief"] is not None and v["brief"] != lead
              and not (p.headline is not None and headline is not None and p.headline.figures == headline.figures)]
    sources = report.price_sources or [s for p in parts for s in p.price_sources]
    return {
        "report": report,
        "title": report.title,
        "kind": report.kind,
        "composite": composite,
        "headline": headline,
        "others": others,
        "summary": report.meta.get("summary", []) if not composite else parts[0].meta.get("summary", []),
        "parts": part_views,
        "assumptions": report.assumptions,
        # A page of several parts lists each part's assumptions under its title.
        "assumption_groups": ([(p.title, p.assumptions) for p in parts if p.assumptions]
                              if composite else [("", report.assumptions)] if report.assumptions else []),
        "warnings": report.warnings,
        "price_sources": sources,
        "catalogue_version": report.catalogue_version,
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
    }


def render(report: Report, *, charts: bool = True) -> str:
    """The page as text. ``charts=False`` leaves the charts out (for tests of the layout)."""
    return environment().get_template("report.html.j2").render(**context(report, charts=charts))
