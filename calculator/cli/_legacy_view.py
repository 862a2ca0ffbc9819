"""TEMPORARY ADAPTER (delete when reports/ renders calculator.report.model.Report directly).

The renderers in reports/ still take the old abstract Report of calculator/report_legacy.py.
`check` and `batches` build the plain-data Report; this view lets those renderers lay it out
until the render branch lands. It converts, it computes nothing: percent cells (fractions in the
plain Report) are shown as percentages, the one conversion the old cell formatter needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from calculator import report_legacy as legacy
from calculator.report.model import Report as PlainReport

_KIND = {"tokens": "int"}


def _cell(value: Any, kind: str) -> Any:
    if kind == "percent" and isinstance(value, Decimal):
        return value * 100
    return value


def _table(t) -> legacy.Table:
    cols = [legacy.Column(c.key, c.label, _KIND.get(c.kind, c.kind)) for c in t.columns]
    kinds = {c.key: c.kind for c in t.columns}
    rows = [{k: _cell(v, kinds.get(k, "")) for k, v in r.items()} for r in t.rows]
    return legacy.Table(t.name, t.title, cols, rows, t.caption, t.cards)


@dataclass
class LegacyView(legacy.Report):
    plain: Optional[PlainReport] = field(default=None)

    @classmethod
    def of(cls, plain: PlainReport) -> "LegacyView":
        from reports.cells import display

        summary = []
        h = plain.headline
        if h is not None:
            if h.recommendation:
                summary.append(("Verdict", h.recommendation))
            summary += [(f.label, display(_cell(f.value, f.kind), legacy.Column("", "", _KIND.get(f.kind, f.kind))))
                        for f in h.figures if f.value is not None]
        return cls(kind=plain.kind, title=plain.title, catalogue_version=plain.catalogue_version,
                   summary=summary, assumptions=list(plain.assumptions), warnings=list(plain.warnings),
                   plain=plain)

    def payload(self) -> dict:
        return dict(self.plain.figures)

    def tables(self) -> list[legacy.Table]:
        return [_table(t) for t in self.plain.tables]

    def long_table(self) -> legacy.Table:
        return _table(next((t for t in self.plain.tables if t.name == "charges"), self.plain.tables[0]))

    @property
    def exit_code(self) -> int:
        return self.plain.exit_code

    def headline(self) -> Optional[legacy.Headline]:
        h = self.plain.headline
        if h is None:
            return None
        figs = [legacy.Figure(f.label, _cell(f.value, f.kind), _KIND.get(f.kind, f.kind), f.detail, f.tone)
                for f in h.figures]
        brief = legacy.Brief(h.brief.topic, h.brief.text, h.brief.tone) if h.brief else None
        return legacy.Headline(figs, h.recommendation, h.scope, brief)

    def charts(self) -> list[legacy.Chart]:
        def values(vs, unit):
            return None if vs is None else [_cell(v, unit) for v in vs]

        return [legacy.Chart(c.name, c.title, c.kind, list(c.categories),
                             [legacy.Series(s.label, values(s.values, c.unit), values(s.low, c.unit),
                                            values(s.high, c.unit), s.role) for s in c.series],
                             c.unit if c.unit in ("usd", "tokens", "count") else "count", c.caption,
                             c.category_roles, list(c.flagged))
                for c in self.plain.charts]

    def price_sources(self) -> list[legacy.PriceSource]:
        return [legacy.PriceSource(p.model, p.display_name, p.service_tier, p.source, p.checked, p.status,
                                   p.note) for p in self.plain.price_sources]
