"""Several reports on one page (kind ``composite``): `batchcalc report` with several inputs.

The page computes nothing new. Its parts are the reports, in page order; its executive summary
is the lead part's headline (the first that prices sync against batch, see ``SAVINGS_KINDS``)
with one brief per other part; its warnings and assumptions are the parts' (named after the part
when there are several, each warning once); its price sources are the parts' rate cards, each
once; its exit code is the worst of theirs.
"""

from __future__ import annotations

from dataclasses import replace

from calculator.errors import InputError
from calculator.money import usd
from calculator.report.model import Brief, Headline, PriceSource, Report

# Kinds whose headline is the executive summary finance asked for (cost now, with batch, with
# batch + cache, the saving): one of them leads a page of several reports.
SAVINGS_KINDS = ("plan", "estimate", "count")
DEFAULT_TITLE = "Claude API cost report"


def brief_of(report: Report, headline: Headline) -> Brief:
    """The report's own one-line brief, else one made of its first three figures."""
    if headline.brief is not None:
        return headline.brief

    def text(value, kind) -> str:
        if kind == "money" and value is not None:
            return usd(value)
        if kind in ("int", "tokens") and isinstance(value, int):
            return f"{value:,}"
        return "n/a" if value is None else str(value)

    return Brief(report.title, "; ".join(f"{f.label.lower() if i else f.label} {text(f.value, f.kind)}"
                                         for i, f in enumerate(headline.figures[:3])) + ".")


def _headline(parts: list[Report]) -> Headline | None:
    """The lead part's figures, scope and recommendation, then one brief per other part."""
    heads = [(i, p) for i, p in enumerate(parts, 1) if p.headline is not None]
    if not heads:
        return None
    lead_i, lead = next(((i, p) for i, p in heads if p.kind in SAVINGS_KINDS), heads[0])
    others = [replace(brief_of(p, p.headline), part=i) for i, p in heads if i != lead_i]
    return replace(lead.headline, others=others)


def _price_sources(parts: list[Report]) -> list[PriceSource]:
    """Each rate card once, whichever parts used it; named by its display name when a part knows
    it (usage exports name models by their id only)."""
    at: dict[tuple, int] = {}
    out: list[PriceSource] = []
    for p in parts:
        for s in p.price_sources:
            key = (s.model, s.service_tier, s.source, s.checked, s.status, s.note)
            if key not in at:
                at[key] = len(out)
                out.append(s)
            elif out[at[key]].display_name == s.model and s.display_name != s.model:
                out[at[key]] = s
    return out


def compose(reports: list[Report], title: str | None = None) -> Report:
    """One report for the page: the report itself when there is one, else a page of parts. A
    saved page given among the reports contributes its parts."""
    parts = [p for r in reports for p in r.all_parts()]
    if not parts:
        raise InputError("nothing to report: give input files and/or a workload (--model ...)")
    if len(parts) == 1:
        return parts[0] if title is None else replace(parts[0], title=title)

    def named(p: Report, item: str) -> str:
        return f"{p.title}: {item}"

    seen, warnings = set(), []
    # Each warning once, under the first part that gives it (a reconciliation repeats the
    # warnings of the usage it read, which the usage part already shows).
    for p in parts:
        for w in p.warnings:
            if w not in seen:
                seen.add(w)
                warnings.append(named(p, w))
    title = title or DEFAULT_TITLE
    return Report(
        kind="composite", title=title,
        catalogue_version=" + ".join(sorted({p.catalogue_version for p in parts})),
        figures={"title": title}, headline=_headline(parts), price_sources=_price_sources(parts),
        assumptions=[named(p, a) for p in parts for a in p.assumptions], warnings=warnings,
        exit_code=max(p.exit_code for p in parts), parts=parts)
