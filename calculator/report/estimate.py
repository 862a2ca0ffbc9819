"""`batchcalc estimate` as a Report: the four scenarios of one workload, with the savings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from calculator.costing import TOKEN_COLUMNS, Cost
from calculator.money import money_str, percent, usd
from calculator.report.model import (CHARGE_CONTEXT, LONG_TABLE, Brief, Chart, Column, Figure, Headline,
                                     PriceSource, Report, Series, Table)
from calculator.workloads.scenarios import Estimate, Scenario, Workload, estimate
from calculator.workloads.cache import TTL_WORDS
from pricing import Catalogue

TOKEN_LABELS = {
    "uncached_input": "input (uncached)",
    "cache_write_5m": "cache write 5m",
    "cache_write_1h": "cache write 1h",
    "cache_read": "cache read",
    "output": "output",
    "web_search": "web search",
}
SCENARIO_LABELS = {"sync": "Sync API", "sync+cache": "Sync + cache", "batch": "Batch",
                   "batch+cache": "Batch + cache"}
SCENARIO_ROLES = {"sync": "now", "sync+cache": "alt", "batch": "batch", "batch+cache": "best"}


def fraction(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` of ``whole`` as a fraction for a percent cell (0.5 is 50%), to 0.0001 points."""
    p = percent(part, whole)
    return None if p is None else p / 100


def pct_text(part: Decimal, whole: Decimal) -> str:
    p = percent(part, whole)
    return "0%" if p is None else f"{p:.0f}%"


def breakdown(costs: tuple[Cost, ...]) -> dict:
    """Per token type over the costs: quantity, unit price (None when the costs' rates differ:
    several models or context tiers) and cost."""
    out: dict = {}
    for cost in costs:
        for line in cost.lines:
            web = line.token_type == "web_search"
            qty, rate = ("searches", "usd_each") if web else ("tokens", "usd_per_mtok")
            e = out.get(line.token_type)
            if e is None:
                out[line.token_type] = {qty: line.quantity, rate: line.unit_price, "cost_usd": line.cost}
                continue
            e[qty] += line.quantity
            e["cost_usd"] += line.cost
            if e[rate] != line.unit_price:
                e[rate] = None
    return out


def scenario_dicts(scenarios: tuple[Scenario, ...]) -> list[dict]:
    """The scenarios in the JSON contract's shape (estimate, count, the scaled count)."""
    sync_total = scenarios[0].total
    out = []
    for s in scenarios:
        item = {"name": s.name, "service_tier": s.service_tier, "total_usd": s.total,
                "savings_vs_sync_usd": s.savings_vs_sync,
                "savings_vs_sync_percent": percent(s.savings_vs_sync, sync_total),
                "usage": s.usage.as_dict(), "breakdown": breakdown(s.costs)}
        if s.cached:
            a = s.cache
            item["range"] = {"hit_rate_low": a.low, "hit_rate_expected": a.hit_rate, "hit_rate_high": a.high,
                             "low_hit_rate_usd": s.low_total, "high_hit_rate_usd": s.high_total,
                             "ttl": a.ttl}
        out.append(item)
    return out


def price_source(cost: Cost) -> dict:
    return {"model": cost.model, "source": cost.source, "checked": cost.checked,
            "status": cost.status, "long_context": cost.long_context, "multiplier": cost.multiplier}


def price_source_of(cost: Cost, display_name: str) -> PriceSource:
    """A rate card as the report used it: its provenance and the rates of its cost lines."""
    note = []
    if cost.long_context:
        note.append("long-context rates")
    if cost.multiplier != 1:
        note.append(f"x{money_str(cost.multiplier)} (residency / fast mode)")
    return PriceSource(cost.model, display_name, cost.service_tier, cost.source, cost.checked, cost.status,
                       "; ".join(note), {line.token_type: line.unit_price for line in cost.lines})


def cost_lines_table(rows: list[dict], title: str, lead: list[Column]) -> Table:
    """The long form: one row per priced token type (``rows`` hold the ``lead`` keys and a cost)."""
    return Table(LONG_TABLE, title, [
        *lead, Column("model", "Model"), Column("token_type", "Token type"),
        Column("quantity", "Tokens", "tokens"),
        Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
        Column("cost_usd", "Cost", "money")], rows)


def line_rows(cost: Cost, **lead) -> list[dict]:
    return [{**lead, "model": cost.model, "token_type": line.token_type, "quantity": line.quantity,
             "unit_price_usd": line.unit_price, "cost_usd": line.cost}
            for line in cost.lines if line.quantity]


def _figures(e: Estimate) -> dict:
    w = e.workload
    cache = e.scenario("batch+cache").cache
    return {
        "model": e.model_id,
        "model_display_name": e.display_name,
        "on": w.on,
        "workload": {"requests": w.requests, "input_tokens": w.input_tokens,
                     "output_tokens": w.output_tokens,
                     "cached_prefix_tokens": w.cached_prefix_tokens,
                     "cache_hit_rate": cache.hit_rate, "cache_ttl": cache.ttl,
                     "cache": w.cache.with_minimum(e.min_cacheable).as_dict(),
                     "inference_geo": w.inference_geo or "global", "speed": w.speed or "standard",
                     "min_cacheable_tokens": e.min_cacheable, "prefix_cacheable": e.cacheable},
        "scenarios": scenario_dicts(e.scenarios),
        "prices": [price_source(e.scenarios[0].cost), price_source(e.scenarios[2].cost)],
    }


def _tables(e: Estimate) -> list[Table]:
    sync_total = e.scenarios[0].total
    ranged = e.cacheable and e.workload.cached_prefix_tokens
    rows = []
    for s in e.scenarios:
        in_range = s.cached and ranged
        rows.append({"scenario": s.name, "service_tier": s.service_tier, "total_usd": s.total,
                     "savings_vs_sync_usd": s.savings_vs_sync,
                     "savings_percent": fraction(s.savings_vs_sync, sync_total),
                     "high_hit_rate_usd": s.high_total if in_range else None,
                     "low_hit_rate_usd": s.low_total if in_range else None})
    scen = Table("scenarios", f"{e.display_name} ({e.model_id}): {e.workload.requests:,} requests",
                 [Column("scenario", "Scenario"), Column("service_tier", "Tier"),
                  Column("total_usd", "Total", "money"),
                  Column("savings_vs_sync_usd", "Savings vs sync", "money"),
                  Column("savings_percent", "Savings %", "percent"),
                  *hit_rate_columns(e.scenarios)],
                 rows)
    lines = [r for s in e.scenarios for r in line_rows(s.cost, scenario=s.name, service_tier=s.service_tier)]
    lead = [Column("scenario", "Scenario"), Column("service_tier", "Tier")]
    shown = cost_lines_table(lines, "Breakdown by token type", lead)
    shown.name = "breakdown"
    return [scen, shown, cost_lines_table(lines, "Breakdown by token type", lead)]


def hit_rate_columns(scenarios: tuple[Scenario, ...]) -> list[Column]:
    """The cost of the cache scenarios at the high and the low end of their hit-rate ranges,
    labelled with the ranges actually used (sync and batch may differ)."""
    cached = [s for s in scenarios if s.cached]

    def label(end: str) -> str:
        rates = {getattr(s.cache, end) for s in cached}
        if len(rates) == 1:
            return f"At a {rates.pop():.0%} hit rate"
        return "At " + " / ".join(f"{s.cache.traffic} {getattr(s.cache, end):.0%}" for s in cached)

    return [Column("high_hit_rate_usd", label("high"), "money"), Column("low_hit_rate_usd", label("low"), "money")]


def break_even_hit_rate(e: Estimate) -> Decimal | None:
    """The hit rate above which batch + cache costs less than batch alone, approximately
    (h·(N-1) reads taken as h·N): with r reads of a p-token prefix at read rate R, N - r
    writes at W and input rate I, r·R + (N - r)·W < N·I when h > (W - I) / (W - R).
    None when there is no cacheable prefix; 0 when a cache write costs no more than input."""
    if not (e.cacheable and e.workload.cached_prefix_tokens):
        return None
    cost = e.scenario("batch+cache").cost
    write_col = "cache_write_5m" if e.scenario("batch+cache").cache.ttl == "5m" else "cache_write_1h"
    i, wr, r = (cost.line(t).unit_price for t in ("uncached_input", write_col, "cache_read"))
    if wr <= i:
        return Decimal(0)
    if wr <= r:
        return None
    return (wr - i) / (wr - r)


def _recommendation(e: Estimate) -> str:
    w = e.workload
    sync, batch, bc = e.scenario("sync"), e.scenario("batch"), e.scenario("batch+cache")
    low_h = bc.cache.low
    if w.cached_prefix_tokens and e.cacheable and bc.total < batch.total:
        if bc.low_total > batch.total:
            even = break_even_hit_rate(e)
            above = f" (it beats batch alone above a hit rate of about {even:.0%})" if even else ""
            risk = (f"Caching pays only if enough requests hit the cache{above}: at a {low_h:.0%} hit "
                    f"rate it would cost {usd(bc.low_total)}, more than batch alone "
                    f"({usd(batch.total)}), so measure the hit rate on a first batch. ")
        else:
            risk = f"Even at a {low_h:.0%} cache hit rate it costs {usd(bc.low_total)}. "
        return (f"Run this workload on the Message Batches API with a {TTL_WORDS[bc.cache.ttl]} prompt cache: "
                f"{usd(bc.total)} instead of {usd(sync.total)}, a saving of "
                f"{usd(bc.savings_vs_sync)} ({pct_text(bc.savings_vs_sync, sync.total)}). "
                f"{risk}Batch results arrive within 24 hours (most within one hour), so this "
                f"suits work that does not need an immediate answer.")
    if batch.total < sync.total:
        extra = ""
        if w.cached_prefix_tokens and not e.cacheable:
            extra = (f" The {w.cached_prefix_tokens:,}-token shared prefix is below the "
                     f"{e.min_cacheable:,}-token minimum {e.model_id} caches, so caching adds nothing.")
        elif w.cached_prefix_tokens and bc.total >= batch.total:
            even = break_even_hit_rate(e)
            extra = (f" Prompt caching would not pay at a {bc.cache.hit_rate:.0%} hit rate"
                     + (f"; it beats batch alone above about {even:.0%}." if even else "."))
        elif not w.cached_prefix_tokens:
            extra = (" If the prompts share a prefix (system prompt, instructions, documents) of at "
                     f"least {e.min_cacheable:,} tokens, prompt caching would cut the cost further.")
        return (f"Move this workload to the Message Batches API: {usd(batch.total)} instead of "
                f"{usd(sync.total)}, a saving of {usd(batch.savings_vs_sync)} "
                f"({pct_text(batch.savings_vs_sync, sync.total)}), with results within 24 hours.{extra}")
    return "The Message Batches API does not lower the cost of this workload."


def _headline(e: Estimate) -> Headline:
    w = e.workload
    sync, batch, bc = e.scenario("sync"), e.scenario("batch"), e.scenario("batch+cache")
    cache_priced = e.cacheable and w.cached_prefix_tokens > 0
    best = min(e.scenarios, key=lambda s: s.total)
    figures = [
        Figure("Cost now (sync API)", sync.total, detail="the standard Messages API"),
        Figure("With batch", batch.total,
               detail=f"{pct_text(batch.savings_vs_sync, sync.total)} less than now",
               tone="good" if batch.savings_vs_sync > 0 else "neutral"),
    ]
    if cache_priced:
        figures.append(Figure("With batch + cache", bc.total,
                              detail=f"{usd(bc.high_total)} to {usd(bc.low_total)} across the "
                                     f"{bc.cache.low:.0%}–{bc.cache.high:.0%} hit-rate range",
                              tone="good"))
    else:
        figures.append(Figure("With batch + cache", bc.total, tone="muted",
                              detail="no cacheable shared prefix: same as batch"))
    figures.append(Figure("You save", best.savings_vs_sync,
                          detail=f"{pct_text(best.savings_vs_sync, sync.total)} with "
                                 f"{SCENARIO_LABELS[best.name].lower()}",
                          tone="good" if best.savings_vs_sync > 0 else "neutral"))
    scope = (f"{w.requests:,} requests to {e.display_name} of {w.input_tokens:,} input and "
             f"{w.output_tokens:,} output tokens each, at the prices in effect on {w.on.isoformat()}.")
    brief = Brief("Workload estimate", f"{w.requests:,} requests to {e.display_name}: {usd(sync.total)} on the sync "
                                       f"API, {usd(best.total)} with {SCENARIO_LABELS[best.name].lower()} "
                                       f"({pct_text(best.savings_vs_sync, sync.total)} less).",
                  tone="good" if best.savings_vs_sync > 0 else "neutral")
    return Headline(figures, recommendation=_recommendation(e), scope=scope, brief=brief)


def _charts(e: Estimate) -> list[Chart]:
    w = e.workload
    cats = [SCENARIO_LABELS[s.name] for s in e.scenarios]
    ranged = e.cacheable and w.cached_prefix_tokens > 0
    # The error bar spans the cost at the high hit rate (cheapest) to the low one (dearest).
    lows = [s.high_total if (ranged and s.cached) else None for s in e.scenarios]
    highs = [s.low_total if (ranged and s.cached) else None for s in e.scenarios]
    by_scenario = Chart(
        "cost_by_scenario", "Cost by scenario", "bar", cats,
        [Series("Total cost", [s.total for s in e.scenarios], low=lows, high=highs)],
        caption=hit_rate_caption(e.scenarios) if ranged
        else "No cacheable shared prefix: the cache scenarios equal the uncached ones.",
        category_roles=[SCENARIO_ROLES[s.name] for s in e.scenarios])
    kinds = [t for t in (*TOKEN_COLUMNS, "web_search")
             if any((s.cost.line(t) and s.cost.line(t).cost) for s in e.scenarios)]
    stacked = Chart(
        "cost_by_token_type", "Where the money goes", "stacked_bar", cats,
        [Series(TOKEN_LABELS[t].capitalize(),
                [(s.cost.line(t).cost if s.cost.line(t) else Decimal(0)) for s in e.scenarios],
                role=f"token:{t}") for t in kinds],
        caption="Cost of each scenario split by what is billed: uncached input, cache writes, "
                "cache reads and output tokens.")
    return [by_scenario, stacked]


def report_title(display_name: str) -> str:
    return f"Cost estimate for {display_name}: sync vs batch vs batch + cache"


def hit_rate_caption(scenarios: tuple[Scenario, ...]) -> str:
    parts = [f"{s.name} at {s.cache.hit_rate:.0%} (whiskers {s.cache.range_text()})" for s in scenarios if s.cached]
    return ("Cache scenarios priced at their expected hit rate, the whiskers spanning its range: "
            + "; ".join(parts) + ".")


def _assumptions(e: Estimate) -> list[str]:
    w = e.workload
    sync = e.scenario("sync")
    out = [
        f"Prices of {e.model_id} on {w.on.isoformat()} (rate card checked "
        f"{sync.cost.checked.isoformat()}, {sync.cost.status}; {sync.cost.source}).",
        f"{w.requests:,} requests of {w.input_tokens:,} input and {w.output_tokens:,} output tokens each.",
    ]
    if w.cached_prefix_tokens:
        out.append(f"Shared prefix of {w.cached_prefix_tokens:,} tokens per request.")
        out += w.cache.with_minimum(e.min_cacheable).describe()
    else:
        out.append("No shared prefix given (--cached-prefix-tokens): the cache scenarios equal the uncached ones.")
    if sync.cost.long_context:
        out.append("Each request is above the long-context threshold: all its tokens use long-context rates.")
    if sync.cost.multiplier != 1:
        out.append(f"Modifiers (residency / fast mode) multiply the sync rates by {money_str(sync.cost.multiplier)}.")
    return out


def estimate_report(e: Estimate, catalogue_version: str) -> Report:
    """The Report of a priced estimate."""
    w = e.workload
    return Report(
        kind="estimate", title=report_title(e.display_name), catalogue_version=catalogue_version,
        figures=_figures(e), headline=_headline(e), tables=_tables(e), charts=_charts(e),
        price_sources=[price_source_of(e.scenario(n).cost, e.display_name) for n in ("sync", "batch")],
        assumptions=_assumptions(e), warnings=list(e.warnings),
        meta={CHARGE_CONTEXT: {
            "period_start": w.on.isoformat(), "period_end": (w.on + dt.timedelta(days=1)).isoformat(),
            "inference_geo": w.inference_geo or "global",
            "context_window": "200k-1M" if e.scenarios[0].cost.long_context else "0-200k",
            "estimate_source": "estimate from workload parameters (batchcalc estimate)"}})


def build_estimate_report(catalogue: Catalogue, w: Workload) -> Report:
    return estimate_report(estimate(catalogue, w), catalogue.version)
