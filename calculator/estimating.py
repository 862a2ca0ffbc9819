"""`batchcalc estimate`: the four scenarios for a simple workload, as a Report."""

from __future__ import annotations

from dataclasses import dataclass

from calculator.costing import Cost
from calculator.money import money_str, percent, usd
from calculator.report import Column, Report, Table
from calculator.scenarios import Estimate, Workload, estimate
from pricing import Catalogue

TOKEN_LABELS = {
    "uncached_input": "input (uncached)",
    "cache_write_5m": "cache write 5m",
    "cache_write_1h": "cache write 1h",
    "cache_read": "cache read",
    "output": "output",
    "web_search": "web search",
}


def breakdown(cost: Cost) -> dict:
    return {line.token_type: {"tokens" if line.token_type != "web_search" else "searches": line.quantity,
                              "usd_per_mtok" if line.token_type != "web_search" else "usd_each": line.unit_price,
                              "cost_usd": line.cost}
            for line in cost.lines}


def price_source(cost: Cost) -> dict:
    return {"model": cost.model, "source": cost.source, "checked": cost.checked,
            "status": cost.status, "long_context": cost.long_context, "multiplier": cost.multiplier}


@dataclass
class EstimateReport(Report):
    result: Estimate | None = None

    def payload(self) -> dict:
        e = self.result
        w = e.workload
        low_h, high_h = w.hit_rate_range
        scenarios = []
        for s in e.scenarios:
            item = {"name": s.name, "service_tier": s.service_tier, "total_usd": s.total,
                    "savings_vs_sync_usd": s.savings_vs_sync,
                    "savings_vs_sync_percent": percent(s.savings_vs_sync, e.scenarios[0].total),
                    "usage": s.usage.as_dict(), "breakdown": breakdown(s.cost)}
            if s.low is not None:
                item["range"] = {"hit_rate_low": low_h, "hit_rate_expected": w.hit_rate,
                                 "hit_rate_high": high_h, "low_hit_rate_usd": s.low.total,
                                 "high_hit_rate_usd": s.high.total}
            scenarios.append(item)
        return {
            "model": e.model_id,
            "model_display_name": e.display_name,
            "on": w.on,
            "workload": {"requests": w.requests, "input_tokens": w.input_tokens,
                         "output_tokens": w.output_tokens,
                         "cached_prefix_tokens": w.cached_prefix_tokens,
                         "cache_hit_rate": w.hit_rate, "cache_ttl": w.cache_ttl,
                         "inference_geo": w.inference_geo or "global", "speed": w.speed or "standard",
                         "min_cacheable_tokens": e.min_cacheable, "prefix_cacheable": e.cacheable},
            "scenarios": scenarios,
            "prices": [price_source(e.scenarios[0].cost), price_source(e.scenarios[2].cost)],
        }

    def tables(self) -> list[Table]:
        e = self.result
        sync_total = e.scenarios[0].total
        rows = []
        for s in e.scenarios:
            rng = ""
            if s.low is not None and e.cacheable and e.workload.cached_prefix_tokens:
                rng = f"{usd(s.high.total)} – {usd(s.low.total)}"
            rows.append({"scenario": s.name, "service_tier": s.service_tier, "total_usd": s.total,
                         "savings_vs_sync_usd": s.savings_vs_sync,
                         "savings_percent": percent(s.savings_vs_sync, sync_total),
                         "hit_rate_range": rng})
        low_h, high_h = e.workload.hit_rate_range
        scen = Table("scenarios", f"{e.display_name} ({e.model_id}): {e.workload.requests:,} requests",
                     [Column("scenario", "Scenario"), Column("service_tier", "Tier"),
                      Column("total_usd", "Total", "money"),
                      Column("savings_vs_sync_usd", "Savings vs sync", "money"),
                      Column("savings_percent", "Savings %", "percent"),
                      Column("hit_rate_range", f"Range at hit rate {high_h:.0%}–{low_h:.0%}")],
                     rows)
        return [scen, self.long_table()]

    def long_table(self) -> Table:
        rows = []
        for s in self.result.scenarios:
            for line in s.cost.lines:
                if line.quantity == 0:
                    continue
                rows.append({"scenario": s.name, "service_tier": s.service_tier,
                             "model": s.cost.model, "token_type": line.token_type,
                             "quantity": line.quantity, "unit_price_usd": line.unit_price,
                             "cost_usd": line.cost})
        return Table("breakdown", "Breakdown by token type",
                     [Column("scenario", "Scenario"), Column("service_tier", "Tier"),
                      Column("model", "Model"), Column("token_type", "Token type"),
                      Column("quantity", "Tokens", "int"),
                      Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
                      Column("cost_usd", "Cost", "money")], rows)


def build_estimate_report(catalogue: Catalogue, w: Workload) -> EstimateReport:
    e = estimate(catalogue, w)
    sync, batch, batch_cache = e.scenario("sync"), e.scenario("batch"), e.scenario("batch+cache")
    best = min(e.scenarios, key=lambda s: s.total)
    summary = [
        ("Sync", usd(sync.total)),
        ("Batch", usd(batch.total)),
        ("Batch + cache", usd(batch_cache.total)),
        ("Best", f"{best.name}: saves {usd(best.savings_vs_sync)} "
                 f"({percent(best.savings_vs_sync, sync.total) or 0:.1f}%) vs sync"),
    ]
    low_h, high_h = w.hit_rate_range
    assumptions = [
        f"Prices of {e.model_id} on {w.on.isoformat()} (rate card checked "
        f"{sync.cost.checked.isoformat()}, {sync.cost.status}; {sync.cost.source}).",
        f"{w.requests:,} requests of {w.input_tokens:,} input and {w.output_tokens:,} output tokens each.",
    ]
    if w.cached_prefix_tokens:
        assumptions.append(
            f"Shared prefix of {w.cached_prefix_tokens:,} tokens, TTL {w.cache_ttl}; cache hit rate "
            f"{w.hit_rate:.0%} ({'given' if w.cache_hit_rate is not None else 'default: middle of the 30%–98% Anthropic quotes for batches'}), "
            f"range {low_h:.0%}–{high_h:.0%}. Of N requests floor(h*(N-1)) read the prefix; the rest write it.")
    else:
        assumptions.append("No shared prefix given (--cached-prefix-tokens): the cache scenarios equal the uncached ones.")
    if sync.cost.long_context:
        assumptions.append("Each request is above the long-context threshold: all its tokens use long-context rates.")
    if sync.cost.multiplier != 1:
        assumptions.append(f"Modifiers (residency / fast mode) multiply the sync rates by {money_str(sync.cost.multiplier)}.")
    return EstimateReport(kind="estimate", title="Cost estimate: sync vs batch vs batch + cache",
                          catalogue_version=catalogue.version, summary=summary,
                          assumptions=assumptions, warnings=list(e.warnings), result=e)
