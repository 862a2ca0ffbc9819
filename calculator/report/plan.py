"""`batchcalc plan` as a Report: the monthly cost per workload now and after the migration."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from calculator.money import percent, usd
from calculator.workloads.plan import (CLASS_LABELS, CLASSIFICATIONS, MOST_BATCHES_HOURS, Plan,
                                 WorkloadPlan, build_plan, totals_of)
from calculator.report.estimate import fraction, pct_text, price_source_of
from calculator.report.model import (CHARGE_CONTEXT, LONG_TABLE, Brief, Chart, Column, Figure, Headline,
                                     PriceSource, Report, Series, Table)
from calculator.workloads.workload_file import DAYS_PER_MONTH
from calculator.workloads.cache import CacheAssumptions
from pricing import Catalogue


def _short(display_name: str) -> str:
    return display_name.removeprefix("Claude ")


def _range_cells(low: Decimal, high: Decimal) -> dict:
    """The recommended mode's cost at the high (``low``) and low (``high``) end of the hit-rate range."""
    same = low == high
    return {"after_high_hit_usd": None if same else low, "after_low_hit_usd": None if same else high}


class _PlanView:
    """The pieces of a plan's Report, each computed from the plan."""

    def __init__(self, plan: Plan):
        self.plan = plan

    # JSON ----------------------------------------------------------------------------------
    def payload(self) -> dict:
        plan = self.plan
        t = plan.totals
        out: dict[str, Any] = {
            "on": plan.on,
            "workload_file": plan.path,
            "month": {"days": Decimal(DAYS_PER_MONTH.numerator) / DAYS_PER_MONTH.denominator,
                      "rule": "per month = per day x 30.4375 = per week x 30.4375 / 7, rounded up to whole requests"},
            "try_models": list(plan.try_models),
            "models": sorted({p.estimate.model_id for p in plan.workloads}),
            "workloads": [self._workload_dict(p) for p in plan.workloads],
            "totals": {
                "current_usd": t.current_usd, "recommended_usd": t.recommended_usd,
                "savings_usd": t.savings_usd, "savings_percent": t.savings_percent,
                "range": {"low_usd": t.low_usd, "expected_usd": t.recommended_usd, "high_usd": t.high_usd},
                "stays_sync_usd": t.stays_sync_usd, "stays_sync_percent": t.stays_sync_percent,
                "at_risk_savings_usd": t.at_risk_savings_usd,
                "by_classification": {c: self._class_totals(c) for c in CLASSIFICATIONS},
                "try_models": [{"model": m, "recommended_usd": plan.total_under(m),
                                "difference_usd": plan.total_under(m) - t.recommended_usd,
                                "workloads": {p.name: p.under(m) for p in plan.workloads}}
                               for m in plan.try_models],
            },
        }
        return out

    def _class_totals(self, c: str) -> dict:
        t = totals_of([p for p in self.plan.workloads if p.classification == c])
        return {"workloads": sum(1 for p in self.plan.workloads if p.classification == c),
                "current_usd": t.current_usd, "recommended_usd": t.recommended_usd, "savings_usd": t.savings_usd}

    @staticmethod
    def _workload_dict(p: WorkloadPlan) -> dict:
        s, w, e = p.source.spec, p.workload, p.estimate
        low, exp, high = p.recommended.range
        a = w.cache.of(p.recommended.mode)
        return {
            "name": p.name, "model": e.model_id, "model_display_name": e.display_name,
            "requests_per_month": w.requests,
            "requests_given": {"per": p.source.per_month_from,
                               "count": getattr(s, f"requests_per_{p.source.per_month_from}")},
            "input_tokens": w.input_tokens, "output_tokens": w.output_tokens,
            "shared_prefix_tokens": w.cached_prefix_tokens, "counted_from_sample": p.measured is not None,
            "basis": "measured" if p.measured else "described",
            "sample": None if p.measured is None else {
                "path": p.measured.sample, "requests": p.measured.sample_requests, "how": p.measured.how},
            "cache_ttl": a.ttl, "cache": w.cache.with_minimum(e.min_cacheable).as_dict(),
            "min_cacheable_tokens": e.min_cacheable, "prefix_cacheable": e.cacheable,
            "person_waiting": s.person_waiting, "deadline_hours": s.deadline_hours,
            "classification": p.classification, "reason": p.reason,
            "current_mode": p.current_mode, "recommended_mode": p.recommended.mode,
            "recommendation": p.recommended.why,
            "current_usd": p.current_usd, "recommended_usd": p.recommended_usd, "savings_usd": p.savings_usd,
            "savings_percent": percent(p.savings_usd, p.current_usd),
            "range": {"low_usd": low, "expected_usd": exp, "high_usd": high,
                      "hit_rate_low": a.low, "hit_rate_expected": a.hit_rate, "hit_rate_high": a.high},
            "alternatives": [{
                "model": a.priced.estimate.model_id, "asked_as": a.model, "from": a.origin,
                "tokenizer_ratio": Decimal(a.ratio.numerator) / Decimal(a.ratio.denominator),
                "input_tokens": a.priced.estimate.workload.input_tokens,
                "output_tokens": a.priced.estimate.workload.output_tokens,
                "shared_prefix_tokens": a.priced.estimate.workload.cached_prefix_tokens,
                "recommended_mode": a.priced.mode, "recommended_usd": a.priced.usd,
                "range": dict(zip(("low_usd", "expected_usd", "high_usd"), a.priced.range)),
                "savings_vs_recommended_usd": a.savings_vs_recommended} for a in p.alternatives],
            "notes": s.notes,
        }

    # tables --------------------------------------------------------------------------------
    def tables(self) -> list[Table]:
        plan = self.plan
        rows = []
        for p in plan.workloads:
            low, _, high = p.recommended.range
            rows.append({"name": p.name, "model": _short(p.estimate.display_name), "requests": p.workload.requests,
                         "classification": CLASS_LABELS[p.classification],
                         "current_mode": p.current_mode, "current_usd": p.current_usd,
                         "recommended_mode": p.recommended.mode, "recommended_usd": p.recommended_usd,
                         "savings_usd": p.savings_usd, "savings_percent": fraction(p.savings_usd, p.current_usd),
                         **_range_cells(low, high)})
        t = plan.totals
        rows.append({"name": "Total", "current_usd": t.current_usd, "recommended_usd": t.recommended_usd,
                     "savings_usd": t.savings_usd, "savings_percent": fraction(t.savings_usd, t.current_usd),
                     **_range_cells(t.low_usd, t.high_usd)})
        main = Table("plan", f"Monthly cost per workload, priced on {plan.on.isoformat()}", [
            Column("name", "Workload"), Column("model", "Model"), Column("requests", "Requests", "int"),
            Column("classification", "Class"), Column("current_mode", "Now"),
            Column("current_usd", "Now $", "money"), Column("recommended_mode", "After"),
            Column("recommended_usd", "After $", "money"), Column("savings_usd", "Savings", "money"),
            Column("savings_percent", "%", "percent"),
            Column("after_high_hit_usd", "After $, high hit rate", "money"),
            Column("after_low_hit_usd", "After $, low hit rate", "money")], rows,
            caption="Per month. High and low hit rate: the recommended cache mode at the high and at the low "
                    "end of the hit-rate range (blank when the cost does not depend on it).")
        why = Table("reasons", "Why", [
            Column("name", "Workload"), Column("classification", "Classification"), Column("reason", "Because"),
            Column("recommendation", "Recommendation")],
            [{"name": p.name, "classification": CLASS_LABELS[p.classification], "reason": p.reason,
              "recommendation": f"{p.recommended.mode}" + (f": {p.recommended.why}" if p.recommended.why else "")}
             for p in plan.workloads])
        tables = [main, why]
        alt_rows = [{"name": p.name, "model": a.priced.estimate.model_id,
                     "ratio": Decimal(a.ratio.numerator) / Decimal(a.ratio.denominator), "input_tokens": a.priced.estimate.workload.input_tokens,
                     "mode": a.priced.mode, "usd": a.priced.usd,
                     "vs": -a.savings_vs_recommended, "base": p.recommended_usd}
                    for p in plan.workloads for a in p.alternatives]
        if plan.try_models:
            tables.append(self._try_model_table())
        if alt_rows:
            tables.append(Table("alternatives", "Model what-ifs (same workload, tokens scaled by tokenizer family)", [
                Column("name", "Workload"), Column("model", "Alternative model"), Column("ratio", "Tokens x", "number"),
                Column("input_tokens", "Input tokens/request", "int"), Column("mode", "Mode"),
                Column("usd", "Cost/month", "money"), Column("base", "Recommended now", "money"),
                Column("vs", "Difference", "money")], alt_rows))
        return tables

    def _try_model_table(self) -> Table:
        """--try-model: the whole plan on each model, per workload and summed, beside today's plan."""
        plan = self.plan
        cols = [Column("name", "Workload"), Column("model", "Model now"),
                Column("recommended", "Recommended now", "money")]
        cols += [Column(f"m{i}", f"On {m}", "money") for i, m in enumerate(plan.try_models)]
        rows = [{"name": p.name, "model": p.estimate.model_id, "recommended": p.recommended_usd,
                 **{f"m{i}": p.under(m) for i, m in enumerate(plan.try_models)}} for p in plan.workloads]
        rows.append({"name": "Total", "model": "", "recommended": plan.totals.recommended_usd,
                     **{f"m{i}": plan.total_under(m) for i, m in enumerate(plan.try_models)}})
        return Table("try_models", "The whole plan on another model (--try-model), per month", cols, rows,
                     caption="Each workload in its recommended mode on that model (tokens scaled by tokenizer "
                             "family; a measured workload counted again); a workload already on it as it is.")

    def long_table(self) -> Table:
        rows = []
        for p in self.plan.workloads:
            priced = [("current", p.current), ("recommended", p.recommended.scenario)]
            priced += [("alternative", a.priced.scenario) for a in p.alternatives]
            for role, s in priced:
                for c in s.costs:
                    for line in c.lines:
                        if line.quantity == 0:
                            continue
                        rows.append({"workload": p.name, "classification": p.classification, "role": role,
                                     "model": c.model, "mode": s.name, "service_tier": s.service_tier,
                                     "token_type": line.token_type, "quantity": line.quantity,
                                     "unit_price_usd": line.unit_price, "cost_usd": line.cost})
        return Table(LONG_TABLE, "Monthly breakdown by workload, role and token type", [
            Column("workload", "Workload"), Column("classification", "Classification"), Column("role", "Role"),
            Column("model", "Model"), Column("mode", "Mode"), Column("service_tier", "Tier"),
            Column("token_type", "Token type"), Column("quantity", "Tokens", "tokens"),
            Column("unit_price_usd", "Unit price (USD/MTok)", "rate"), Column("cost_usd", "Cost", "money")], rows)


    # -- headline, charts, rate cards, FOCUS charge context ------------------------------------
    def _with_batch_usd(self) -> Decimal:
        """Every workload that may leave the synchronous API on plain batch, the others as now."""
        return sum((p.current_usd if p.classification == "must_stay_sync" else p.estimate.scenario("batch").total
                    for p in self.plan.workloads), Decimal(0))

    def headline(self) -> Headline:
        plan, t = self.plan, self.plan.totals
        n = len(plan.workloads)
        with_batch = self._with_batch_usd()
        figures = [
            Figure("Monthly cost now", t.current_usd, detail=f"{n} workload{'s' if n != 1 else ''} as they run today"),
            Figure("With batch", with_batch,
                   detail=f"{pct_text(t.current_usd - with_batch, t.current_usd)} less; sync where a person waits",
                   tone="good" if with_batch < t.current_usd else "neutral"),
            Figure("With the plan (batch + cache)", t.recommended_usd,
                   detail=(f"{usd(t.low_usd)} to {usd(t.high_usd)} over the cache hit-rate range"
                           if t.low_usd != t.high_usd else "caching where it pays"),
                   tone="good" if t.recommended_usd < t.current_usd else "neutral"),
            Figure("You save per month", t.savings_usd,
                   detail=f"{pct_text(t.savings_usd, t.current_usd)} of today's spend",
                   tone="good" if t.savings_usd > 0 else "neutral"),
        ]
        models = ", ".join(sorted({p.estimate.model_id for p in plan.workloads}))
        brief = Brief("Migration plan", f"{usd(t.current_usd)} a month now, {usd(t.recommended_usd)} with the plan "
                                        f"({pct_text(t.savings_usd, t.current_usd)} less, {usd(t.savings_usd)} a month) "
                                        f"on {models}.",
                      tone="good" if t.savings_usd > 0 else "neutral")
        return Headline(figures, recommendation=self._recommendation(), brief=brief,
                        scope=f"Per month, for the {n} workload{'s' if n != 1 else ''} of {Path(plan.path).name}, "
                              f"at the prices in effect on {plan.on.isoformat()}.")

    def _recommendation(self) -> str:
        plan, t = self.plan, self.plan.totals
        moving = [p for p in plan.workloads if p.recommended.mode.startswith("batch") and p.savings_usd > 0]
        staying = [p for p in plan.workloads if p.classification == "must_stay_sync"]
        if not moving and t.savings_usd <= 0:
            return "No workload of this plan costs less after a move: keep them as they run today."
        text = ""
        if moving:
            text = (f"Move {len(moving)} of {len(plan.workloads)} workloads to the Message Batches API "
                    f"({', '.join(p.name for p in moving)}): {usd(t.recommended_usd)} a month instead of "
                    f"{usd(t.current_usd)}, saving {usd(t.savings_usd)} ({pct_text(t.savings_usd, t.current_usd)}).")
        else:
            text = (f"Use prompt caching: {usd(t.recommended_usd)} a month instead of {usd(t.current_usd)}, "
                    f"saving {usd(t.savings_usd)} ({pct_text(t.savings_usd, t.current_usd)}).")
        if staying:
            text += (f" Keep {', '.join(p.name for p in staying)} synchronous: a person is waiting"
                     + (f" ({usd(t.stays_sync_usd)} a month)." if t.stays_sync_usd else "."))
        if t.at_risk_savings_usd:
            risky = [p.name for p in plan.workloads if p.classification == "at_risk"]
            text += (f" {usd(t.at_risk_savings_usd)} of the saving comes from workloads whose deadline is under "
                     f"the 24-hour batch limit ({', '.join(risky)}): most batches finish within an hour, but "
                     f"keep a synchronous fallback for them.")
        return text

    def charts(self) -> list[Chart]:
        plan = self.plan
        names = [p.name for p in plan.workloads]
        ranges = [p.recommended.range for p in plan.workloads]
        per_workload = Chart(
            "plan_by_workload", "Monthly cost per workload: now and after", "hbar", names,
            [Series("Now", [p.current_usd for p in plan.workloads], role="now"),
             Series("After", [p.recommended_usd for p in plan.workloads], role="best",
                    low=[r[0] if r[0] != r[2] else None for r in ranges],
                    high=[r[2] if r[0] != r[2] else None for r in ranges])],
            caption="After: each workload's recommended mode at the expected cache hit rate; the whiskers "
                    "span the hit-rate range.")
        tiers = ("standard", "batch")

        def by_tier(which: str) -> list[Decimal]:
            out = []
            for tier in tiers:
                out.append(sum(((p.current if which == "now" else p.recommended.scenario).total
                                for p in plan.workloads
                                if (p.current if which == "now" else p.recommended.scenario).service_tier == tier),
                               Decimal(0)))
            return out

        now_t, after_t = by_tier("now"), by_tier("after")
        by_service_tier = Chart(
            "plan_by_tier", "Monthly spend by service tier", "stacked_bar", ["Now", "After"],
            [Series("Standard (sync API)", [now_t[0], after_t[0]], role="tier:standard"),
             Series("Batch", [now_t[1], after_t[1]], role="tier:batch")],
            caption="What stays on the synchronous API and what moves to the Message Batches API.")
        models: dict[str, Decimal] = {}
        for p in plan.workloads:
            key = _short(p.estimate.display_name)
            models[key] = models.get(key, Decimal(0)) + p.recommended_usd
        ordered = sorted(models.items(), key=lambda kv: -kv[1])
        by_model = Chart("plan_by_model", "Monthly spend after the plan, by model", "hbar",
                         [k for k, _ in ordered], [Series("After", [v for _, v in ordered], role="best")])
        return [per_workload, by_service_tier, by_model]

    def price_sources(self) -> list[PriceSource]:
        seen, out = set(), []
        for p in self.plan.workloads:
            for s in (p.current, p.recommended.scenario):
                for c in s.costs:
                    key = (c.model, c.service_tier, c.long_context, c.source, c.checked, c.status)
                    if key not in seen:
                        seen.add(key)
                        out.append(price_source_of(c, p.estimate.display_name))
        return out

    def charge_context(self) -> dict:
        on = self.plan.on
        year, month = (on.year + 1, 1) if on.month == 12 else (on.year, on.month + 1)
        end = on.replace(year=year, month=month, day=min(on.day, calendar.monthrange(year, month)[1]))
        return {"period_start": on.isoformat(), "period_end": end.isoformat(),
                "estimate_source": f"plan per month (batchcalc plan {self.plan.path})"}


def build_plan_report(catalogue: Catalogue, path: str | Path, on: dt.date, *, try_models=(),
                      text: str | None = None, cache: CacheAssumptions | None = None) -> Report:
    plan = build_plan(catalogue, path, on, try_models=tuple(try_models or ()), text=text, cache=cache)
    measured = [p for p in plan.workloads if p.measured]
    described = [p.name for p in plan.workloads if not p.measured]
    assumptions = [
        f"Prices on {plan.on.isoformat()}, catalogue {catalogue.version}.",
        "Volumes per month: a month is 365.25/12 = 30.4375 days and a week 7 days (per month = per day x "
        "30.4375 = per week x 4.348...), rounded up to whole requests.",
        "Input tokens are the whole prompt; the shared prefix is part of it.",
        *plan.cache.describe(),
        *[f"{p.name}: {p.workload.cache.given_text()}." for p in plan.workloads
          if p.workload.cache != plan.cache],
        "Models priced: " + ", ".join(sorted({p.estimate.model_id for p in plan.workloads}))
        + (f"; what-ifs on {', '.join(plan.try_models)}" if plan.try_models else "") + ".",
        ("Measured (counted from a sample with batchcalc count, its exact cost scaled to the month): "
         + "; ".join(f"{p.name} ({p.measured.how})" for p in measured) + "." if measured
         else "No workload is measured from a sample."),
        ("Described by the token counts in the file: " + ", ".join(described) + "." if described
         else "No workload is described by token counts alone."),
        "Classification: a person waiting keeps a workload synchronous; a deadline under 24 h (the Batches "
        "API's limit; most batches finish within 1 h) is at risk; otherwise it is a batch candidate.",
        "Recommended: the cheapest of the current mode, batch (sync when a person waits) and its +cache "
        "variant when the prefix reaches the model's minimum cacheable length (and, for batches, the TTL is 1h).",
    ]
    if any(p.alternatives for p in plan.workloads):
        assumptions.append("Model what-ifs scale every token count by the ratio of the tokenizer families' "
                           "calibration factors (rounded up; a measured workload is counted again). The plan's "
                           "totals are today's models; --try-model totals are shown beside them.")
    warnings = []
    for p in plan.workloads:
        warnings += [f"{p.name}: {w}" for w in p.estimate.warnings]
        if any(c.status == "unconfirmed" for c in p.current.costs):
            warnings.append(f"{p.name}: the prices of {p.estimate.model_id} on {plan.on.isoformat()} are unconfirmed")
        sync_cache = p.workload.cache.sync
        if p.recommended.mode == "sync+cache" and sync_cache.hit_rate_from == "default":
            warnings.append(f"{p.name}: sync+cache is priced at the default {sync_cache.hit_rate:.0%} sync hit rate, "
                            f"an assumption: a synchronous hit rate depends on traffic within the TTL; give "
                            f"sync_cache_hit_rate (or --sync-hit-rate)")
        if p.classification == "at_risk" and p.source.spec.deadline_hours < MOST_BATCHES_HOURS:
            warnings.append(f"{p.name}: the {p.source.spec.deadline_hours} h deadline is under the hour in which "
                            f"most batches finish; keep a synchronous fallback")
    view = _PlanView(plan)
    return Report(kind="plan", title="Migration plan: which workloads move to batch, and the monthly budget",
                  catalogue_version=catalogue.version, figures=view.payload(), headline=view.headline(),
                  tables=[*view.tables(), view.long_table()], charts=view.charts(),
                  price_sources=view.price_sources(), assumptions=assumptions, warnings=warnings,
                  meta={CHARGE_CONTEXT: view.charge_context()})
