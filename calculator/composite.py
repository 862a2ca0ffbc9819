"""Several reports on one page: `batchcalc report` with more than one kind of input.

A CompositeReport holds its members in page order and computes nothing new: its executive
summary is the first member's ``headline()``, its tables are the members' tables (titled with
the member), its warnings and assumptions are theirs (named after the member when there are
several), and its exit code is the worst of theirs. Renderers that lay out parts (HTML, XLSX,
FOCUS) walk ``parts()``; the others see the concatenated tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from calculator.errors import InputError
from calculator.report import Column, Headline, PriceSource, Report, Table


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
        return next((h for h in (m.headline() for m in self.members) if h is not None), None)

    def price_sources(self) -> list[PriceSource]:
        seen, out = set(), []
        for m in self.members:
            for p in m.price_sources():
                if p not in seen:
                    seen.add(p)
                    out.append(p)
        return out

    @property
    def exit_code(self) -> int:
        return max((m.exit_code for m in self.members), default=0)


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
        warnings=[w for m in reports for w in named(m, m.warnings)],
        members=list(reports))
