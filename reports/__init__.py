"""Renderers: each takes the one plain-data ``Report`` (calculator/report/model.py) and lays it
out; none computes anything.

Tables named in ``DATA_TABLES`` are machine tables: ``long`` (one row per period x model x
token type x tier, every dimension its own column) is what CSV writes and XLSX adds as a data
sheet; ``charges`` is what FOCUS writes (see reports/focus_format.py). The reading formats
(table, markdown, html) show every other table, in order.
"""

from __future__ import annotations

from typing import Any

from calculator.report.model import Report, Table

TEXT_FORMATS = ("table", "json", "csv", "markdown", "html", "focus")
BINARY_FORMATS = ("xlsx",)
FORMATS = TEXT_FORMATS + BINARY_FORMATS
DATA_TABLES = ("long", "charges")
# Formats whose output --only-exceptions filters (the others are whole records of the report).
EXCEPTION_FORMATS = ("table", "csv", "markdown")


def shown_tables(report: Report) -> list[Table]:
    return [t for t in report.tables if t.name not in DATA_TABLES]


def long_table(report: Report) -> Table | None:
    """The long-form table CSV writes: ``long``, else the first table shown."""
    return next((t for t in report.tables if t.name == "long"), None) or next(iter(shown_tables(report)), None)


def pages(report: Report) -> list[Report]:
    """The reports a page is made of: its parts, or itself."""
    return list(report.parts) or [report]


def render(report: Any, fmt: str, *, color: bool = False, width: int | None = None,
           only_exceptions: bool = False) -> str | bytes:
    """The report in ``fmt``: text, or bytes for the binary formats (xlsx)."""
    if fmt == "json" and not isinstance(report, Report):
        return _legacy_json(report)
    report = as_report(report)
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


# -- Until every kind builds a plain-data Report (issue 12 part A): the legacy objects, read
# -- once into the plain data the renderers take. Deleted with calculator/report_legacy.py.

def _legacy_json(obj) -> str:
    import json

    return json.dumps(obj.to_dict(), indent=2, ensure_ascii=False) + "\n"


def as_report(obj) -> Report:
    """A plain-data Report from either a Report or a legacy report object."""
    if isinstance(obj, Report):
        return obj
    from calculator.report.model import RESERVED_KEYS

    legacy_parts = obj.parts()
    composite = len(legacy_parts) > 1 or legacy_parts[0] is not obj
    figures = {k: v for k, v in obj.to_dict().items() if k not in RESERVED_KEYS and k != "title"}
    if composite:
        head = obj.headline()
        briefs = {b.part: b for b in (head.others if head else ())}
        parts = [_legacy_one(p, briefs.get(i)) for i, p in enumerate(legacy_parts, 1)]
        return Report(obj.kind, obj.title, obj.catalogue_version, figures=figures,
                      headline=_headline(head), parts=parts,
                      price_sources=[_source(s) for s in obj.price_sources()],
                      assumptions=list(obj.assumptions), warnings=list(obj.warnings),
                      exit_code=obj.exit_code, meta={"summary": [list(x) for x in obj.summary]})
    return _legacy_one(obj, None, figures)


def _legacy_one(obj, brief, figures=None) -> Report:
    from calculator.report.model import RESERVED_KEYS

    if figures is None:
        figures = {k: v for k, v in obj.to_dict().items() if k not in RESERVED_KEYS and k != "title"}
    head = _headline(obj.headline())
    if head is not None and brief is not None and head.brief is None:
        from calculator.report.model import Brief

        head.brief = Brief(brief.topic, brief.text, brief.tone)
    tables = [_table(t) for t in obj.tables()]
    long = _table(obj.long_table())
    long.name = "long"
    tables.append(long)
    charges = _charges(obj, long)
    if charges is not None:
        tables.append(charges)
    return Report(obj.kind, obj.title, obj.catalogue_version, figures=figures, headline=head,
                  tables=tables, charts=[_chart(c) for c in obj.charts()],
                  price_sources=[_source(s) for s in obj.price_sources()],
                  assumptions=list(obj.assumptions), warnings=list(obj.warnings),
                  exit_code=obj.exit_code, meta={"summary": [list(x) for x in obj.summary]})


def _table(t) -> Table:
    from decimal import Decimal

    from calculator.report.model import Column

    columns = [Column(c.key, c.label, c.kind) for c in t.columns]
    percent = {c.key for c in columns if c.kind == "percent"}
    rows = [{k: (v / 100 if k in percent and isinstance(v, Decimal) else v) for k, v in r.items()}
            for r in t.rows]
    return Table(t.name, t.title, columns, rows, t.caption, t.cards)


def _headline(h):
    if h is None:
        return None
    from calculator.report.model import Brief, Figure, Headline

    figures = [Figure(f.label, f.value / 100 if f.kind == "percent" and f.value is not None else f.value,
                      f.kind, f.detail, f.tone) for f in h.figures]
    brief = Brief(h.brief.topic, h.brief.text, h.brief.tone) if h.brief else None
    return Headline(figures, h.recommendation, h.scope, brief)


def _chart(c):
    from calculator.report.model import Chart, Series

    return Chart(c.name, c.title, c.kind, list(c.categories),
                 [Series(s.label, list(s.values), s.low and list(s.low), s.high and list(s.high), s.role)
                  for s in c.series], c.unit, c.caption, c.category_roles, list(c.flagged))


def _source(s):
    from calculator.report.model import PriceSource

    return PriceSource(s.model, s.display_name, s.service_tier, s.source, s.checked, s.status, s.note)


def _charges(obj, long: Table) -> Table | None:
    """A legacy usage report's priced lines as the FOCUS ``charges`` table (consumption at
    catalogue rates: list and effective cost, nothing billed)."""
    import datetime as dt

    from calculator.report.model import Column

    if obj.kind != "usage":
        return None
    ctx = obj.charge_context()
    rows = []
    for r in long.rows:
        if r.get("cost_usd") is None:
            continue
        start = r.get("period_start") or ctx.get("period_start")
        rows.append({"period_start": start,
                     "period_end": r.get("period_end") or (start + dt.timedelta(days=1)),
                     "model": r["model"], "service_tier": r.get("service_tier") or "standard",
                     "context_window": r.get("context_window"), "inference_geo": r.get("inference_geo"),
                     "token_type": r["token_type"], "quantity": r["quantity"],
                     "unit_price": r["unit_price_usd"], "list_unit_price": r["unit_price_usd"],
                     "list_cost": r["cost_usd"], "effective_cost": r["cost_usd"], "billed_cost": None,
                     "workspace": r.get("workspace"), "api_key": r.get("api_key")})
    return Table("charges", "Charges", [Column(k, k) for k in (
        "period_start", "period_end", "model", "service_tier", "token_type", "quantity")], rows)
