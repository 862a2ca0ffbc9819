"""Several reports on one page: `batchcalc report` with more than one kind of input.

A CompositeReport holds its members in page order and computes nothing new: its executive
summary is the lead member's ``headline()`` (the first that prices sync against batch, see
``SAVINGS_KINDS``) with one line (``Brief``) per other member, its tables are the members' tables (titled with
the member), its warnings and assumptions are theirs (named after the member when there are
several), and its exit code is the worst of theirs. Renderers that lay out parts (HTML, XLSX,
FOCUS) walk ``parts()``; the others see the concatenated tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from calculator.errors import InputError
from calculator.money import usd
from calculator.report_legacy import Brief, Column, Headline, PriceSource, Report, Table

# Kinds whose headline is the executive summary finance asked for (cost now, with batch, with
# batch + cache, the saving): one of them leads a page of several reports.
SAVINGS_KINDS = ("plan", "estimate", "count")


def brief_of(report: Report, headline: Headline) -> Brief:
    """The report's own one-line brief, else one made of its first three figures."""
    if headline.brief is not None:
        return headline.brief

    def text(value, kind) -> str:
        if kind == "money" and value is not None:
            return usd(value)
        if kind == "int" and isinstance(value, int):
            return f"{value:,}"
        return "n/a" if value is None else str(value)

    return Brief(report.title, "; ".join(f"{f.label.lower() if i else f.label} {text(f.value, f.kind)}"
                                         for i, f in enumerate(headline.figures[:3])) + ".")


@dataclass
class CompositeReport(Report):
    members: list[Report] = field(default_factory=list)

    def payload(self) -> dict:
        return {"title": self.title, "reports": [m.to_dict() for m in self.members]}

    def parts(self) -> list[Report]:
        return list(self.members)

    def tables(self) -> list[Table]:
        out = []
        for m in self.members:
            for t in m.tables():
                out.append(replace(t, name=f"{m.kind}_{t.name}", title=f"{m.title}: {t.title}"))
        return out

    def long_table(self) -> Table:
        """The members' long tables stacked, with a leading ``report`` column (the member's title)."""
        columns: list[Column] = [Column("report", "Report")]
        rows = []
        for m in self.members:
            t = m.long_table()
            for c in t.columns:
                if all(c.key != have.key for have in columns):
                    columns.append(c)
            rows.extend({"report": m.title, **r} for r in t.rows)
        return Table("long_form", "All reports, long form", columns, rows)

    def headline(self) -> Optional[Headline]:
        """One executive summary for the page: the lead part's figures, scope and recommendation
        (the lead is the first part that prices sync against batch and batch + cache, else the first
        part with a headline), then one line per other part, from that part's headline."""
        heads = [(i, m, m.headline()) for i, m in enumerate(self.members, 1)]
        with_head = [x for x in heads if x[2] is not None]
        if not with_head:
            return None
        lead = next((x for x in with_head if x[1].kind in SAVINGS_KINDS), with_head[0])
        others = tuple(replace(brief_of(m, h), part=i) for i, m, h in with_head if i != lead[0])
        return replace(lead[2], others=others)

    def price_sources(self) -> list[PriceSource]:
        """Each rate card once, whichever parts used it; named by its display name when a part
        knows it (usage exports name models by their id only)."""
        at: dict[tuple, int] = {}
        out: list[PriceSource] = []
        for m in self.members:
            for p in m.price_sources():
                key = (p.model, p.service_tier, p.source, p.checked, p.status, p.note)
                if key not in at:
                    at[key] = len(out)
                    out.append(p)
                elif out[at[key]].display_name == p.model and p.display_name != p.model:
                    out[at[key]] = p
        return out

    @property
    def exit_code(self) -> int:
        return max((m.exit_code for m in self.members), default=0)


def _once(items: list[tuple[Report, str]], named) -> list[str]:
    """Each warning once, under the first part that gives it (a reconciliation repeats the
    warnings of the usage it read, which the usage part already shows)."""
    seen, out = set(), []
    for m, w in items:
        if w not in seen:
            seen.add(w)
            out.extend(named(m, [w]))
    return out


def compose(reports: list[Report], title: str | None = None) -> Report:
    """One report for the page: the report itself when there is one, else a composite."""
    if not reports:
        raise InputError("nothing to report: give input files and/or a workload (--model ...)")
    if len(reports) == 1:
        return reports[0] if title is None else replace(reports[0], title=title)
    several = len(reports) > 1

    def named(m: Report, items: list[str]) -> list[str]:
        return [f"{m.title}: {x}" if several else x for x in items]

    versions = sorted({m.catalogue_version for m in reports})
    # Each member's headline pairs under a numbered line naming the member.
    summary = [pair for i, m in enumerate(reports, 1)
               for pair in [(f"[{i}]", m.title), *((f"[{i}] {k}", v) for k, v in m.summary)]]
    return CompositeReport(
        kind="composite", title=title or "Claude API cost report",
        catalogue_version=" + ".join(versions), summary=summary,
        assumptions=[a for m in reports for a in named(m, m.assumptions)],
        warnings=_once([(m, w) for m in reports for w in m.warnings], named),
        members=list(reports))
