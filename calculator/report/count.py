"""`batchcalc count` as a Report: a sample workload's tokens and its cost on the four scenarios."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable, Optional

from calculator.workloads.count import BATCH_MAX_REQUESTS, TURNAROUND, CountOptions, CountResult, _period_end, count_workload
from calculator.money import usd
from calculator.workloads.scenarios import scaling_text
from calculator.report.estimate import (SCENARIO_LABELS, SCENARIO_ROLES, hit_rate_caption, hit_rate_columns,
                                        pct_text, price_source, price_source_of, scenario_dicts)
from calculator.report.model import (CHARGE_CONTEXT, LONG_TABLE, Brief, Chart, Column, Figure, Headline,
                                     PriceSource, Report, Series, Table)
from pricing import Catalogue


class _CountView:
    """The pieces of a count's Report, each computed from the count."""

    def __init__(self, result: CountResult):
        self.result = result

    def _scenarios(self, which: str) -> list[dict]:
        return scenario_dicts(getattr(self.result, which))

    def scaled_how(self) -> str:
        return scaling_text(self.result.requests, self.result.options.scale_to, self.result.options.per)

    def payload(self) -> dict:
        res = self.result
        o = res.options
        scen = self._scenarios("scenarios")
        worst = self._scenarios("worst_case")
        for s, w in zip(scen, worst):
            s["worst_case_usd"] = w["total_usd"]
        models = []
        for m in res.models:
            models.append({
                "model": m.model_id, "display_name": m.display_name, "requests": m.requests,
                "input_tokens": m.input_tokens, "input_tokens_low": m.input_low, "input_tokens_high": m.input_high,
                "output_tokens": m.output_tokens, "worst_case_output_tokens": m.worst_output_tokens,
                "cacheable_prefix_tokens": m.cacheable_prefix_tokens, "prefix_mode": m.prefix_mode,
                "shared_prefix_tokens_per_request": m.shared_prefix_tokens, "min_cacheable_tokens": m.min_cacheable,
                "scenarios": [{"name": s.name, "total_usd": s.total_of(m.model_id)} for s in res.scenarios]})
        first = res.models[0]
        out = {
            "model": first.model_id if len(res.models) == 1 else None,
            "model_display_name": first.display_name if len(res.models) == 1 else None,
            "on": o.on,
            "inputs": res.files,
            "requests": res.requests,
            "input_tokens": res.input_tokens,
            "output_tokens": res.output_tokens,
            "cacheable_prefix_tokens": res.cacheable_prefix_tokens,
            "estimator": res.estimator,
            "workload": {
                "requests": res.requests, "input_tokens": res.input_tokens,
                "input_tokens_low": sum(m.input_low for m in res.models),
                "input_tokens_high": sum(m.input_high for m in res.models),
                "output_tokens": res.output_tokens,
                "worst_case_output_tokens": sum(m.worst_output_tokens for m in res.models),
                "output_basis": res.output_basis,
                "cacheable_prefix_tokens": res.cacheable_prefix_tokens,
                "cache_hit_rate": res.cache.batch.hit_rate, "cache_ttl_detected_prefix": res.cache.batch.ttl,
                "cache": res.cache.as_dict(),
                "inference_geo": o.inference_geo or "global",
                "input_distribution": res.distribution,
            },
            "scenarios": scen,
            "scaled": None,
            "models": models,
            "largest_requests": res.largest,
            "batches": res.batches,
            "skipped": {"total": sum(res.skipped.values()), "by_reason": res.skipped,
                        "first": res.skipped_examples},
            "calibration": [{"model": f.model, "requests": f.requests, "factor": f.factor,
                             "previous_factor": f.previous_factor,
                             "mean_abs_error_percent": f.mean_abs_error_percent,
                             "max_abs_error_percent": f.max_abs_error_percent,
                             "previous_mean_abs_error_percent": f.previous_mean_abs_error_percent,
                             "previous_total_error_percent": f.total_error_percent_before}
                            for f in res.calibration],
            "calibration_file": res.calibration_path,
            # As in `estimate`: where each rate came from (sync and batch, per model and tier).
            "prices": [price_source(c) for s in (res.scenarios[0], res.scenarios[2]) for c in s.costs],
        }
        if o.scale_to:
            out["scaled"] = {"requests": o.scale_to, "per": o.per, "sample_requests": res.requests,
                             "how": self.scaled_how(), "scenarios": self._scenarios("scaled")}
        return out

    def tables(self) -> list[Table]:
        res = self.result
        o = res.options
        models = ", ".join(m.model_id for m in res.models)
        tables = [self._scenario_table("scenarios", res.scenarios, f"Sample: {res.requests:,} requests to {models}",
                                       worst=res.worst_case)]
        if o.scale_to:
            tables.append(self._scenario_table("scaled", res.scaled, f"Scaled: {self.scaled_how()}"))
        d = res.distribution
        tok_rows = [
            {"what": "input tokens, total", "value": res.input_tokens},
            {"what": "input tokens per request: mean", "value": d["mean"]},
            {"what": "input tokens per request: p50", "value": d["p50"]},
            {"what": "input tokens per request: p95", "value": d["p95"]},
            {"what": "input tokens per request: max", "value": d["max"]},
            {"what": "input tokens, total, estimate band: low", "value": sum(m.input_low for m in res.models)},
            {"what": "input tokens, total, estimate band: high", "value": sum(m.input_high for m in res.models)},
            {"what": "cacheable prefix tokens, total", "value": res.cacheable_prefix_tokens},
            {"what": "output tokens, total (assumed)", "value": res.output_tokens},
            {"what": "output tokens, worst case (max_tokens)", "value": sum(m.worst_output_tokens for m in res.models)},
        ]
        tables.append(Table("tokens", "Tokens", [Column("what", "Measure"), Column("value", "Tokens", "number")], tok_rows))
        model_rows = []
        for m in res.models:
            e = m.estimator
            model_rows.append({"model": m.model_id, "requests": m.requests, "input": m.input_tokens,
                               "prefix": m.shared_prefix_tokens,
                               "mode": {"cache_control": "cache_control breakpoints", "detected": "detected (no breakpoints)",
                                        "none": "none"}[m.prefix_mode],
                               "min": m.min_cacheable,
                               **({"source": "exact (count_tokens)"} if o.exact else
                                  {"factor": Decimal(str(e["factor"])), "low": Decimal(str(e["low"])),
                                   "high": Decimal(str(e["high"])), "source": e["factor_source"]})})
        tables.append(Table("models", "By model", [
            Column("model", "Model"), Column("requests", "Requests", "int"), Column("input", "Input tokens", "tokens"),
            Column("prefix", "Shared prefix / request", "tokens"), Column("mode", "Prefix"),
            Column("min", "Min cacheable", "tokens"), Column("factor", "Estimator factor", "number"),
            Column("low", "Band low", "number"), Column("high", "Band high", "number"),
            Column("source", "Factor from")], model_rows))
        tables.append(Table("largest", "Largest requests by input tokens", [
            Column("custom_id", "custom_id"), Column("model", "Model"), Column("input_tokens", "Input", "int"),
            Column("output_tokens", "Output (assumed)", "int"), Column("max_tokens", "max_tokens", "int"),
            Column("where", "Where")], res.largest))
        b = res.batches
        brows = [{"workload": "sample", "requests": b["requests"], "megabytes": Decimal(b["bytes"]).scaleb(-6),
                  "batches": b["batches"]}]
        if "scaled" in b:
            s = b["scaled"]
            brows.append({"workload": f"per {s['per']}", "requests": s["requests"],
                          "megabytes": Decimal(s["bytes"]).scaleb(-6), "batches": s["batches"]})
        tables.append(Table("batches", "Batch planning", [
            Column("workload", "Workload"), Column("requests", "Requests", "int"),
            Column("megabytes", "Size (MB)", "number"), Column("batches", "Batches", "int")], brows,
            caption=f"Limits: {BATCH_MAX_REQUESTS:,} requests or 256 MB per batch; {TURNAROUND}."))
        if res.calibration:
            tables.append(Table("calibration", f"Calibration (saved to {res.calibration_path})", [
                Column("model", "Model"), Column("requests", "Matched", "int"),
                Column("previous", "Previous factor", "number"), Column("factor", "Fitted factor", "number"),
                Column("before", "Error before (mean)", "percent"), Column("after", "Error after (mean)", "percent"),
                Column("max", "Max error after", "percent")],
                [{"model": f.model, "requests": f.requests, "previous": f.previous_factor,
                  "factor": f.factor, "before": f.previous_mean_abs_error_percent / 100,
                  "after": f.mean_abs_error_percent / 100, "max": f.max_abs_error_percent / 100}
                 for f in res.calibration]))
        return tables


    # -- headline, charts, rate cards, FOCUS charge context ---------------------------------------
    def _headline_set(self) -> tuple[str, list[dict]]:
        res = self.result
        if res.options.scale_to:
            return f"per {res.options.per} ({res.options.scale_to:,} requests)", self._scenarios("scaled")
        return f"for the sample ({res.requests:,} requests)", self._scenarios("scenarios")

    def _models_text(self) -> str:
        return ", ".join(f"{m.display_name} ({m.model_id})" for m in self.result.models)

    def headline(self) -> Headline:
        res = self.result
        label, scen = self._headline_set()
        by = {s["name"]: s for s in scen}
        sync, batch, bc = by["sync"], by["batch"], by["batch+cache"]
        best = min(scen, key=lambda s: s["total_usd"])
        cached = res.cacheable_prefix_tokens > 0
        bcache = res.cache.batch
        figures = [
            Figure("Cost now (sync API)", sync["total_usd"], detail=label),
            Figure("With batch", batch["total_usd"], detail=f"{pct_text(batch['savings_vs_sync_usd'], sync['total_usd'])} less",
                   tone="good" if batch["savings_vs_sync_usd"] > 0 else "neutral"),
            Figure("With batch + cache", bc["total_usd"],
                   detail=(f"{usd(bc['range']['high_hit_rate_usd'])} to {usd(bc['range']['low_hit_rate_usd'])} across "
                           f"the {bcache.low:.0%}–{bcache.high:.0%} hit-rate range")
                   if cached else "no cacheable prefix: same as batch", tone="good" if cached else "muted"),
            Figure("You save", best["savings_vs_sync_usd"],
                   detail=f"{pct_text(best['savings_vs_sync_usd'], sync['total_usd'])} with "
                          f"{SCENARIO_LABELS[best['name']].lower()}",
                   tone="good" if best["savings_vs_sync_usd"] > 0 else "neutral"),
        ]
        d = res.distribution
        scope = (f"{res.requests:,} sample requests to {self._models_text()} counted ({res.estimator['method']}): "
                 f"{res.input_tokens:,} input "
                 f"tokens (mean {d['mean']:,}, p95 {d['p95']:,}), output: {res.output_basis}; prices in effect "
                 f"on {res.options.on.isoformat()}.")
        rec = (f"{SCENARIO_LABELS[best['name']]} costs {usd(best['total_usd'])} {label} instead of "
               f"{usd(sync['total_usd'])} on the sync API. The workload needs "
               f"{(res.batches.get('scaled') or res.batches)['batches']:,} batch(es); {TURNAROUND}.")
        o = res.options
        what = (f"{res.requests:,} sample requests to {self._models_text()} scaled to {o.scale_to:,} a {o.per}"
                if o.scale_to else f"{res.requests:,} sample requests to {self._models_text()}")
        brief = Brief("Sample workload", f"{what}: {usd(sync['total_usd'])} on the "
                                         f"sync API, {usd(best['total_usd'])} with "
                                         f"{SCENARIO_LABELS[best['name']].lower()} "
                                         f"({pct_text(best['savings_vs_sync_usd'], sync['total_usd'])} less).",
                      tone="good" if best["savings_vs_sync_usd"] > 0 else "neutral")
        return Headline(figures, recommendation=rec, scope=scope, brief=brief)

    def charts(self) -> list[Chart]:
        res = self.result
        label, scen = self._headline_set()
        cats = [SCENARIO_LABELS[s["name"]] for s in scen]
        lows = [s["range"]["high_hit_rate_usd"] if "range" in s else None for s in scen]
        highs = [s["range"]["low_hit_rate_usd"] if "range" in s else None for s in scen]
        return [Chart("cost_by_scenario", f"Cost by scenario, {label}", "bar", cats,
                      [Series("Total cost", [s["total_usd"] for s in scen], low=lows, high=highs)],
                      caption=hit_rate_caption(res.scenarios),
                      category_roles=[SCENARIO_ROLES[s["name"]] for s in scen])]

    def price_sources(self) -> list[PriceSource]:
        out, seen = [], set()
        names = {m.model_id: m.display_name for m in self.result.models}
        for s in (self.result.scenarios[0], self.result.scenarios[2]):
            for c in s.costs:
                key = (c.model, c.service_tier, c.long_context)
                if key in seen:
                    continue
                seen.add(key)
                out.append(price_source_of(c, names[c.model]))
        return out

    def charge_context(self) -> dict:
        o = self.result.options
        return {"period_start": o.on.isoformat(), "period_end": (o.on + dt.timedelta(days=1)).isoformat(),
                "inference_geo": o.inference_geo or "global",
                "estimate_source": "estimate from a counted sample (batchcalc count)"}

    @staticmethod
    def _scenario_table(name: str, scenarios, title: str, worst=None) -> Table:
        rows = []
        for i, s in enumerate(scenario_dicts(scenarios)):
            rng = s.get("range") or {}
            ranged = rng and rng["low_hit_rate_usd"] != rng["high_hit_rate_usd"]
            row = {"scenario": s["name"], "service_tier": s["service_tier"], "total_usd": s["total_usd"],
                   "savings_vs_sync_usd": s["savings_vs_sync_usd"],
                   "savings_percent": (None if s["savings_vs_sync_percent"] is None
                                       else s["savings_vs_sync_percent"] / 100),
                   "high_hit_rate_usd": rng["high_hit_rate_usd"] if ranged else None,
                   "low_hit_rate_usd": rng["low_hit_rate_usd"] if ranged else None}
            if worst is not None:
                row["worst_usd"] = worst[i].total
            rows.append(row)
        cols = [Column("scenario", "Scenario"), Column("service_tier", "Tier"), Column("total_usd", "Total", "money")]
        if worst is not None:
            cols.append(Column("worst_usd", "Worst case (max_tokens)", "money"))
        cols += [Column("savings_vs_sync_usd", "Savings vs sync", "money"),
                 Column("savings_percent", "Savings %", "percent"),
                 *hit_rate_columns(scenarios)]
        return Table(name, title, cols, rows)

    def long_table(self) -> Table:
        rows = []
        res = self.result
        sets = [("sample", res.requests, "scenarios")]
        on = res.options.on
        source = "estimate from a counted sample (batchcalc count)"
        periods = {"scenarios": {"period_start": on, "period_end": on + dt.timedelta(days=1),
                                 "estimate_source": f"{source}, the sample ({res.requests:,} requests)"}}
        if res.options.scale_to:
            sets.append((f"per {res.options.per}", res.options.scale_to, "scaled"))
            periods["scaled"] = {"period_start": on, "period_end": _period_end(on, res.options.per),
                                 "estimate_source": f"{source}, {self.scaled_how()}"}
        for label, n, which in sets:
            for s in getattr(res, which):
                for c in s.costs:
                    for line in c.lines:
                        if line.quantity == 0:
                            continue
                        rows.append({"workload": label, "requests": n, "scenario": s.name,
                                     "service_tier": s.service_tier, "model": c.model,
                                     "long_context": c.long_context, "token_type": line.token_type,
                                     "quantity": line.quantity, "unit_price_usd": line.unit_price,
                                     "cost_usd": line.cost,
                                     # For FOCUS: the charge's context tier and period.
                                     "context_window": "200k-1M" if c.long_context else "0-200k",
                                     **periods[which]})
        return Table(LONG_TABLE, "Breakdown by token type", [
            Column("workload", "Workload"), Column("requests", "Requests", "int"), Column("scenario", "Scenario"),
            Column("service_tier", "Tier"), Column("model", "Model"), Column("long_context", "Long context"),
            Column("token_type", "Token type"), Column("quantity", "Tokens", "tokens"),
            Column("unit_price_usd", "Unit price (USD/MTok)", "rate"), Column("cost_usd", "Cost", "money"),
            Column("context_window", "Context window"), Column("period_start", "From", "date"),
            Column("period_end", "To", "date"), Column("estimate_source", "Estimate of")], rows)


def build_count_report(cat: Catalogue, inputs: list[str], opts: CountOptions,
                       progress_factory: Optional[Callable] = None) -> Report:
    res = count_workload(inputs, opts, cat, progress_factory)
    assumptions = []
    for m in res.models:
        sync_cost = next(c for c in res.scenarios[0].costs if c.model == m.model_id)
        assumptions.append(f"Prices of {m.model_id} on {opts.on.isoformat()} (rate card checked "
                           f"{sync_cost.checked.isoformat()}, {sync_cost.status}; {sync_cost.source}).")
    if opts.exact:
        assumptions.append("Input tokens counted exactly with the count_tokens API; cacheable prefixes are "
                           "estimated offline and scaled by each model's exact/estimate ratio.")
    else:
        for m in res.models:
            e = m.estimator
            assumptions.append(
                f"Input tokens of {m.model_id}: tiktoken cl100k_base count x {e['factor']} "
                f"(band {e['low']}–{e['high']}, {e['factor_source']}), plus images (width x height / 750) "
                f"and the {e['tool_use_overhead_tokens']:,}-token tool-use system prompt when tools are given. "
                f"Identical blocks were tokenized once.")
    assumptions.append(f"Output: {res.output_basis}. The worst case (every request uses max_tokens) is shown beside it.")
    for m in res.models:
        if m.prefix_mode == "cache_control":
            assumptions.append(
                f"{m.model_id}: cacheable prefix from the requests' cache_control breakpoints (tools, system, "
                f"messages up to the last breakpoint; TTL from the breakpoint unless a TTL option is given); the "
                f"part shared with other "
                f"requests is read at the hit rate, the rest is written by every request.")
        elif m.prefix_mode == "detected":
            assumptions.append(
                f"{m.model_id}: no cache_control breakpoints; the {m.shared_prefix_tokens:,}-token block prefix "
                f"shared by all {m.requests:,} requests is what a breakpoint would cache; the cache scenarios "
                f"show what that would save.")
    assumptions += res.cache.describe()
    view = _CountView(res)
    if opts.scale_to:
        assumptions.append(f"Scaled: {view.scaled_how()}: every cost of the sample times that ratio, exactly "
                           f"(the sample's prefix groups, hit rates and token distribution in proportion).")
    assumptions.append(f"Batches: at most {BATCH_MAX_REQUESTS:,} requests and 256 MB each; {TURNAROUND}.")
    return Report(kind="count", title="Sample workload: tokens and cost on sync vs batch vs batch + cache",
                  catalogue_version=cat.version, figures=view.payload(), headline=view.headline(),
                  tables=[*view.tables(), view.long_table()], charts=view.charts(),
                  price_sources=view.price_sources(), assumptions=assumptions, warnings=list(res.warnings),
                  meta={CHARGE_CONTEXT: view.charge_context()})


# Options of `batchcalc count` that `batchcalc report` passes through ``ReportOptions.extra``
# (same names as CountOptions' fields).
REPORT_OPTION_NAMES = ("model", "output_tokens", "output_ratio", "output_results", "cache", "inference_geo", "scale_to", "per", "exact", "concurrency", "calibration_file",
                       "skip_invalid", "default_max_tokens")


def report_section(inputs: dict, options) -> Report:
    """`batchcalc report` section builder: every sample-workload file given, counted as one sample
    (as `batchcalc count FILE...` with the count options found in ``options.extra``)."""
    paths = [str(p) for p in inputs.get("batch_requests", [])]
    given = {k: options.extra[k] for k in REPORT_OPTION_NAMES if options.extra.get(k) is not None}
    if options.on is not None:
        given["on"] = options.on
    opts = CountOptions(**given)
    return build_count_report(options.catalogue, paths, opts, options.extra.get("progress_factory"))
