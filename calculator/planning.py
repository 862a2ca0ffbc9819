"""`batchcalc plan`: which workloads of a portfolio can move to batch, and the monthly budget.

Each workload of the file (``calculator.workload_file``) is priced with :func:`estimate`, the
same four scenarios as `batchcalc estimate`, so a plan's figures are exactly the sums of its
workloads' estimates. On top of that the plan decides:

classification
    ``must_stay_sync``  a person is waiting for the answer;
    ``at_risk``         nobody waits, but the deadline is shorter than the 24 h in which the
                        Batches API promises results (most batches finish within 1 h);
    ``batch_candidate`` nobody waits and 24 h (or no deadline) is soon enough.

recommended mode
    the cheapest, at the expected hit rate, of: the workload's current mode; ``batch`` (or
    ``sync`` for a workload that must stay synchronous); and the same with ``+cache`` when the
    shared prefix reaches the model's minimum cacheable length and the TTL fits. For batches the
    TTL fits when it is 1 h: a batch is processed over up to an hour or more, so a 5-minute
    entry would expire between requests (Anthropic recommends the 1-hour TTL for batches).
    A tie keeps the current mode (no migration for nothing).

alternatives
    the same workload on another model (``alternatives:`` per workload, ``--try-model`` for all),
    its token counts scaled by the ratio of the two tokenizer families' calibration factors
    (rounded up), classified the same way and recommended by the same rule.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

from calculator.errors import BatchcalcError, InputError, ModelError
from calculator.money import percent, usd
from calculator.report_legacy import Brief, Chart, Column, Figure, Headline, PriceSource, Report, Series, Table
from calculator.scenarios import Estimate, ScenarioResult, Workload, estimate
from calculator.workload_file import DAYS_PER_MONTH, PlannedWorkload, count_sample, read_workload_file
from pricing import Catalogue

BATCH_LIMIT_HOURS = Decimal(24)
MOST_BATCHES_HOURS = Decimal(1)
CLASSIFICATIONS = ("batch_candidate", "at_risk", "must_stay_sync")
CLASS_LABELS = {"batch_candidate": "batch candidate", "at_risk": "at risk",
                "must_stay_sync": "must stay sync"}
SYNC_MODES = ("sync", "sync+cache")


# -- the decisions -----------------------------------------------------------------------------

def classify(person_waiting: bool, deadline_hours: Optional[Decimal]) -> tuple[str, str]:
    """(classification, the reason in words)."""
    if person_waiting:
        return "must_stay_sync", "a person is waiting for the answer"
    if deadline_hours is not None and deadline_hours < BATCH_LIMIT_HOURS:
        if deadline_hours < MOST_BATCHES_HOURS:
            return "at_risk", f"{deadline_hours} h deadline < the 1 h in which most batches finish"
        return "at_risk", f"{deadline_hours} h deadline < 24 h batch limit (most finish within 1 h)"
    if deadline_hours is None:
        return "batch_candidate", "nobody waits, no deadline"
    return "batch_candidate", f"nobody waits, {deadline_hours} h deadline >= 24 h batch limit"


def recommend(e: Estimate, classification: str, current_mode: str) -> tuple[str, str]:
    """(recommended mode, why) for one priced workload."""
    w = e.workload
    base = "sync" if classification == "must_stay_sync" else "batch"
    cached = f"{base}+cache"
    candidates = [base]
    if not w.cached_prefix_tokens:
        why = "no shared prefix to cache"
    elif not e.cacheable:
        why = f"{w.cached_prefix_tokens:,}-token prefix below the model's {e.min_cacheable:,}-token cache minimum"
    elif base == "batch" and w.cache_ttl != "1h":
        why = "a 5m TTL does not fit a batch (runs up to 24 h): set cache_ttl: 1h for batch+cache"
    else:
        candidates.append(cached)
        why = ""
    # A +cache mode whose prefix cannot be cached is really the uncached mode.
    caches = bool(w.cached_prefix_tokens) and e.cacheable
    current = current_mode if caches or not current_mode.endswith("+cache") else current_mode.removesuffix("+cache")
    if current not in candidates:
        candidates.append(current)
    totals = {m: e.scenario(m).total for m in candidates}
    best = min(candidates, key=lambda m: (totals[m], m != current))
    if best == current and best not in (base, cached):
        why = f"{current} already costs no more than {' or '.join(c for c in candidates if c != current)}"
    elif best == base and cached in candidates:
        why = f"caching costs more than it saves at a {w.hit_rate:.0%} hit rate"
    elif best == cached:
        why = f"{w.cached_prefix_tokens:,}-token prefix >= {e.min_cacheable:,}-token cache minimum, TTL {w.cache_ttl}"
    return best, why


def cost_range(s: ScenarioResult) -> tuple[Decimal, Decimal, Decimal]:
    """(lowest, expected, highest) cost: a cache mode at the high, expected and low hit rate."""
    if s.low is None:
        return s.total, s.total, s.total
    return s.high.total, s.total, s.low.total


def tokenizer_ratio(catalogue: Catalogue, from_model: str, to_model: str) -> Fraction:
    """Claude tokens on ``to_model`` per Claude token on ``from_model`` (ratio of family factors)."""
    return Fraction(catalogue.tokenizer(to_model).factor) / Fraction(catalogue.tokenizer(from_model).factor)


def scale_tokens(tokens: int, ratio: Fraction) -> int:
    return math.ceil(tokens * ratio)


# -- the plan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Priced:
    """One workload on one model under its recommended mode."""

    estimate: Estimate
    mode: str
    why: str

    @property
    def scenario(self) -> ScenarioResult:
        return self.estimate.scenario(self.mode)

    @property
    def usd(self) -> Decimal:
        return self.scenario.total

    @property
    def range(self) -> tuple[Decimal, Decimal, Decimal]:
        return cost_range(self.scenario)


@dataclass(frozen=True)
class Alternative:
    model: str  # as asked for
    origin: str  # "alternatives" or "--try-model"
    ratio: Fraction
    priced: Priced
    savings_vs_recommended: Decimal


@dataclass(frozen=True)
class WorkloadPlan:
    source: PlannedWorkload
    classification: str
    reason: str
    current_mode: str
    current: ScenarioResult
    recommended: Priced
    alternatives: tuple[Alternative, ...] = ()

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def estimate(self) -> Estimate:
        return self.recommended.estimate

    @property
    def workload(self) -> Workload:
        return self.estimate.workload

    @property
    def current_usd(self) -> Decimal:
        return self.current.total

    @property
    def recommended_usd(self) -> Decimal:
        return self.recommended.usd

    @property
    def savings_usd(self) -> Decimal:
        return self.current_usd - self.recommended_usd


@dataclass(frozen=True)
class Totals:
    current_usd: Decimal
    recommended_usd: Decimal
    low_usd: Decimal
    high_usd: Decimal
    stays_sync_usd: Decimal
    at_risk_savings_usd: Decimal

    @property
    def savings_usd(self) -> Decimal:
        return self.current_usd - self.recommended_usd

    @property
    def savings_percent(self) -> Optional[Decimal]:
        return percent(self.savings_usd, self.current_usd)

    @property
    def stays_sync_percent(self) -> Optional[Decimal]:
        return percent(self.stays_sync_usd, self.recommended_usd)


def totals_of(plans: list[WorkloadPlan]) -> Totals:
    zero = Decimal(0)
    return Totals(
        current_usd=sum((p.current_usd for p in plans), zero),
        recommended_usd=sum((p.recommended_usd for p in plans), zero),
        low_usd=sum((p.recommended.range[0] for p in plans), zero),
        high_usd=sum((p.recommended.range[2] for p in plans), zero),
        stays_sync_usd=sum((p.recommended_usd for p in plans if p.recommended.mode in SYNC_MODES), zero),
        at_risk_savings_usd=sum((p.savings_usd for p in plans if p.classification == "at_risk"), zero))


@dataclass(frozen=True)
class DiffRow:
    name: str
    change: str  # changed | unchanged | added | removed
    previous: Optional[dict]  # current_usd, recommended_usd, recommended_mode, model
    now: Optional[dict]

    def delta(self, key: str) -> Decimal:
        return (self.now or {}).get(key, Decimal(0)) - (self.previous or {}).get(key, Decimal(0))


@dataclass(frozen=True)
class Comparison:
    path: str
    previous_on: Optional[str]
    previous_catalogue_version: Optional[str]
    rows: tuple[DiffRow, ...]
    previous_totals: dict


@dataclass(frozen=True)
class Plan:
    path: str
    on: dt.date
    workloads: tuple[WorkloadPlan, ...]
    try_models: tuple[str, ...] = ()
    comparison: Optional[Comparison] = None

    @property
    def totals(self) -> Totals:
        return totals_of(list(self.workloads))


def _model_error(p: PlannedWorkload, key: str, exc: BatchcalcError, line: int | None = None) -> InputError:
    return InputError(f"workload {p.name!r}: {key}: {exc}", path=p.path, line=line or p.where(key))


def _workload(p: PlannedWorkload, model: str, on: dt.date, input_tokens: int, output_tokens: int,
              prefix: int) -> Workload:
    s = p.spec
    return Workload(model=model, requests=p.requests_per_month, input_tokens=input_tokens,
                    output_tokens=output_tokens, cached_prefix_tokens=prefix,
                    cache_hit_rate=s.cache_hit_rate, cache_ttl=s.cache_ttl, on=on)


def _with_sample(p: PlannedWorkload, catalogue: Catalogue) -> PlannedWorkload:
    """Fill a ``sample:`` workload's token counts from the counted sample."""
    s = p.spec
    sample = Path(s.sample)
    if not sample.is_absolute() and p.path != "-":
        sample = Path(p.path).parent / sample
    try:
        counts = count_sample(sample, s.model, catalogue)
    except BatchcalcError as exc:
        raise _model_error(p, "sample", exc) from None
    out = s.output_tokens if s.output_tokens is not None else counts.output_tokens
    prefix = s.shared_prefix_tokens if "shared_prefix_tokens" in s.model_fields_set else counts.shared_prefix_tokens
    if prefix > counts.input_tokens:
        raise p.error("shared_prefix_tokens", f"{prefix} exceeds the sample's {counts.input_tokens} "
                                              f"input tokens per request")
    return replace(p, input_tokens=counts.input_tokens, output_tokens=out, shared_prefix_tokens=prefix,
                   counted_from_sample=True)


def _price(catalogue: Catalogue, w: Workload, classification: str, current_mode: str) -> Priced:
    e = estimate(catalogue, w)
    mode, why = recommend(e, classification, current_mode)
    return Priced(e, mode, why)


def plan_workload(catalogue: Catalogue, p: PlannedWorkload, on: dt.date,
                  try_models: tuple[str, ...] = ()) -> WorkloadPlan:
    s = p.spec
    if s.sample is not None:
        p = _with_sample(p, catalogue)
    classification, reason = classify(s.person_waiting, s.deadline_hours)
    try:
        w = _workload(p, s.model, on, p.input_tokens, p.output_tokens, p.shared_prefix_tokens)
        priced = _price(catalogue, w, classification, s.current_mode)
    except BatchcalcError as exc:
        raise _model_error(p, "model", exc) from None
    own_id = priced.estimate.model_id
    alternatives = []
    seen = {own_id}
    asked = [(m, "alternatives", p.alternative_lines[i] if i < len(p.alternative_lines) else None, i)
             for i, m in enumerate(s.alternatives)] + [(m, "--try-model", None, None) for m in try_models]
    for model, origin, line, index in asked:
        key = f"alternatives[{index}]" if index is not None else None
        try:
            alt_id = catalogue.model(model).id
        except ModelError as exc:
            if key is None:
                raise InputError(f"--try-model {model}: {exc}") from None
            raise _model_error(p, key, exc, line) from None
        if alt_id in seen:
            continue
        seen.add(alt_id)
        ratio = tokenizer_ratio(catalogue, own_id, alt_id)
        try:
            alt_w = _workload(p, alt_id, on, scale_tokens(p.input_tokens, ratio),
                              scale_tokens(p.output_tokens, ratio), scale_tokens(p.shared_prefix_tokens, ratio))
            alt = _price(catalogue, alt_w, classification, s.current_mode)
        except BatchcalcError as exc:
            if key is None:
                raise InputError(f"--try-model {model}: workload {p.name!r}: {exc}") from None
            raise _model_error(p, key, exc, line) from None
        alternatives.append(Alternative(model, origin, ratio, alt, priced.usd - alt.usd))
    return WorkloadPlan(p, classification, reason, s.current_mode,
                        priced.estimate.scenario(s.current_mode), priced, tuple(alternatives))


def build_plan(catalogue: Catalogue, path: str | Path, on: dt.date, *, try_models: tuple[str, ...] = (),
               compare_to: str | Path | None = None, text: str | None = None) -> Plan:
    """Read, price and (optionally) compare a workload file. ``text``: the content of ``-``."""
    loaded = read_workload_file(path, text)
    for m in try_models:
        try:
            catalogue.model(m)
        except ModelError as exc:
            raise InputError(f"--try-model {m}: {exc}") from None
    plans = tuple(plan_workload(catalogue, p, on, tuple(try_models)) for p in loaded)
    plan = Plan(str(path), on, plans, tuple(try_models))
    if compare_to is not None:
        plan = replace(plan, comparison=compare(plan, compare_to))
    return plan


# -- --compare-to ------------------------------------------------------------------------------

def _money(value: Any, path: str, where: str) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidOperation
        return Decimal(value)
    except InvalidOperation:
        raise InputError(f"{where}: expected a money string such as \"12.5\", got {value!r}", path=path) from None


def read_previous(path: str | Path) -> dict:
    """A saved `plan --format json` run, checked just enough to diff against."""
    from calculator.io import DOCUMENT_LIMIT, parse_json, read_text

    path = str(path)
    raw = parse_json(read_text(path, limit=DOCUMENT_LIMIT, what="saved plan (--compare-to)"), path=path)
    if not isinstance(raw, dict) or raw.get("kind") != "plan" or not isinstance(raw.get("workloads"), list) \
            or not isinstance(raw.get("totals"), dict):
        raise InputError("--compare-to: not a saved `batchcalc plan --format json` run "
                         "(expected \"kind\": \"plan\", \"workloads\" and \"totals\")", path=path)
    workloads = {}
    for i, w in enumerate(raw["workloads"]):
        if not isinstance(w, dict) or not isinstance(w.get("name"), str):
            raise InputError(f"--compare-to: workloads[{i}]: expected an object with a name", path=path)
        workloads[w["name"]] = {
            "current_usd": _money(w.get("current_usd"), path, f"workloads[{i}].current_usd"),
            "recommended_usd": _money(w.get("recommended_usd"), path, f"workloads[{i}].recommended_usd"),
            "recommended_mode": w.get("recommended_mode"), "model": w.get("model")}
    totals = {k: _money(raw["totals"].get(k), path, f"totals.{k}") for k in ("current_usd", "recommended_usd")}
    return {"on": raw.get("on"), "catalogue_version": raw.get("catalogue_version"),
            "workloads": workloads, "totals": totals}


def compare(plan: Plan, previous_path: str | Path) -> Comparison:
    prev = read_previous(previous_path)
    rows = []
    names = set()
    for p in plan.workloads:
        names.add(p.name)
        now = {"current_usd": p.current_usd, "recommended_usd": p.recommended_usd,
               "recommended_mode": p.recommended.mode, "model": p.estimate.model_id}
        before = prev["workloads"].get(p.name)
        if before is None:
            rows.append(DiffRow(p.name, "added", None, now))
            continue
        same = all(before[k] == now[k] for k in ("current_usd", "recommended_usd", "recommended_mode", "model"))
        rows.append(DiffRow(p.name, "unchanged" if same else "changed", before, now))
    for name, before in prev["workloads"].items():
        if name not in names:
            rows.append(DiffRow(name, "removed", before, None))
    return Comparison(str(previous_path), prev["on"], prev["catalogue_version"], tuple(rows), prev["totals"])


# -- the report --------------------------------------------------------------------------------

def _short(display_name: str) -> str:
    return display_name.removeprefix("Claude ")


CHANGE_MARK = {"changed": "~", "unchanged": "=", "added": "+", "removed": "-"}


def _range_text(low: Decimal, high: Decimal) -> str:
    return "" if low == high else f"{usd(low)} – {usd(high)}"


@dataclass
class PlanReport(Report):
    plan: Optional[Plan] = None

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
            "workloads": [self._workload_dict(p) for p in plan.workloads],
            "totals": {
                "current_usd": t.current_usd, "recommended_usd": t.recommended_usd,
                "savings_usd": t.savings_usd, "savings_percent": t.savings_percent,
                "range": {"low_usd": t.low_usd, "expected_usd": t.recommended_usd, "high_usd": t.high_usd},
                "stays_sync_usd": t.stays_sync_usd, "stays_sync_percent": t.stays_sync_percent,
                "at_risk_savings_usd": t.at_risk_savings_usd,
                "by_classification": {c: self._class_totals(c) for c in CLASSIFICATIONS},
            },
        }
        if plan.comparison is not None:
            out["compare_to"] = self._comparison_dict(plan.comparison)
        return out

    def _class_totals(self, c: str) -> dict:
        t = totals_of([p for p in self.plan.workloads if p.classification == c])
        return {"workloads": sum(1 for p in self.plan.workloads if p.classification == c),
                "current_usd": t.current_usd, "recommended_usd": t.recommended_usd, "savings_usd": t.savings_usd}

    @staticmethod
    def _workload_dict(p: WorkloadPlan) -> dict:
        s, w, e = p.source.spec, p.workload, p.estimate
        low, exp, high = p.recommended.range
        low_h, high_h = w.hit_rate_range
        return {
            "name": p.name, "model": e.model_id, "model_display_name": e.display_name,
            "requests_per_month": w.requests,
            "requests_given": {"per": p.source.per_month_from,
                               "count": getattr(s, f"requests_per_{p.source.per_month_from}")},
            "input_tokens": w.input_tokens, "output_tokens": w.output_tokens,
            "shared_prefix_tokens": w.cached_prefix_tokens, "counted_from_sample": p.source.counted_from_sample,
            "cache_ttl": w.cache_ttl, "min_cacheable_tokens": e.min_cacheable, "prefix_cacheable": e.cacheable,
            "person_waiting": s.person_waiting, "deadline_hours": s.deadline_hours,
            "classification": p.classification, "reason": p.reason,
            "current_mode": p.current_mode, "recommended_mode": p.recommended.mode,
            "recommendation": p.recommended.why,
            "current_usd": p.current_usd, "recommended_usd": p.recommended_usd, "savings_usd": p.savings_usd,
            "savings_percent": percent(p.savings_usd, p.current_usd),
            "range": {"low_usd": low, "expected_usd": exp, "high_usd": high,
                      "hit_rate_low": low_h, "hit_rate_expected": w.hit_rate, "hit_rate_high": high_h},
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

    @staticmethod
    def _comparison_dict(c: Comparison) -> dict:
        rows = []
        for r in c.rows:
            rows.append({"name": r.name, "change": r.change,
                         "previous": r.previous, "now": r.now,
                         "current_delta_usd": r.delta("current_usd"),
                         "recommended_delta_usd": r.delta("recommended_usd")})
        return {"path": c.path, "previous_on": c.previous_on,
                "previous_catalogue_version": c.previous_catalogue_version, "workloads": rows,
                "totals": {"previous": c.previous_totals,
                           "current_delta_usd": sum((r.delta("current_usd") for r in c.rows), Decimal(0)),
                           "recommended_delta_usd": sum((r.delta("recommended_usd") for r in c.rows), Decimal(0))}}

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
                         "savings_usd": p.savings_usd, "savings_percent": percent(p.savings_usd, p.current_usd),
                         "range": _range_text(low, high)})
        t = plan.totals
        rows.append({"name": "Total", "current_usd": t.current_usd, "recommended_usd": t.recommended_usd,
                     "savings_usd": t.savings_usd, "savings_percent": t.savings_percent,
                     "range": _range_text(t.low_usd, t.high_usd)})
        main = Table("plan", f"Monthly cost per workload, priced on {plan.on.isoformat()}", [
            Column("name", "Workload"), Column("model", "Model"), Column("requests", "Requests", "int"),
            Column("classification", "Class"), Column("current_mode", "Now"),
            Column("current_usd", "Now $", "money"), Column("recommended_mode", "After"),
            Column("recommended_usd", "After $", "money"), Column("savings_usd", "Savings", "money"),
            Column("savings_percent", "%", "percent"),
            Column("range", "After $ over the hit-rate range")], rows,
            caption="Per month. Range: the recommended cache mode at the high and at the low end of the "
                    "hit-rate range.")
        why = Table("reasons", "Why", [
            Column("name", "Workload"), Column("classification", "Classification"), Column("reason", "Because"),
            Column("recommendation", "Recommendation")],
            [{"name": p.name, "classification": CLASS_LABELS[p.classification], "reason": p.reason,
              "recommendation": f"{p.recommended.mode}" + (f": {p.recommended.why}" if p.recommended.why else "")}
             for p in plan.workloads])
        tables = [main, why]
        alt_rows = [{"name": p.name, "model": a.priced.estimate.model_id,
                     "ratio": f"{float(a.ratio):.3f}x", "input_tokens": a.priced.estimate.workload.input_tokens,
                     "mode": a.priced.mode, "usd": a.priced.usd,
                     "vs": -a.savings_vs_recommended, "base": p.recommended_usd}
                    for p in plan.workloads for a in p.alternatives]
        if alt_rows:
            tables.append(Table("alternatives", "Model what-ifs (same workload, tokens scaled by tokenizer family)", [
                Column("name", "Workload"), Column("model", "Alternative model"), Column("ratio", "Tokens"),
                Column("input_tokens", "Input tokens/request", "int"), Column("mode", "Mode"),
                Column("usd", "Cost/month", "money"), Column("base", "Recommended now", "money"),
                Column("vs", "Difference", "money")], alt_rows))
        if plan.comparison is not None:
            tables.append(self._diff_table(plan.comparison))
        return tables

    @staticmethod
    def _diff_table(c: Comparison) -> Table:
        rows = []
        for r in c.rows:
            prev, now = r.previous or {}, r.now or {}
            rows.append({"mark": CHANGE_MARK[r.change], "name": r.name,
                         "prev_recommended": prev.get("recommended_usd"), "recommended": now.get("recommended_usd"),
                         "delta_recommended": r.delta("recommended_usd"),
                         "prev_current": prev.get("current_usd"), "current": now.get("current_usd"),
                         "delta_current": r.delta("current_usd"),
                         "mode": (f"{prev.get('recommended_mode')} → {now.get('recommended_mode')}"
                                  if prev and now and prev.get("recommended_mode") != now.get("recommended_mode")
                                  else now.get("recommended_mode") or prev.get("recommended_mode") or "")})
        rows.append({"mark": "", "name": "Total",
                     "prev_recommended": c.previous_totals["recommended_usd"],
                     "recommended": c.previous_totals["recommended_usd"] + sum((r.delta("recommended_usd") for r in c.rows), Decimal(0)),
                     "delta_recommended": sum((r.delta("recommended_usd") for r in c.rows), Decimal(0)),
                     "prev_current": c.previous_totals["current_usd"],
                     "current": c.previous_totals["current_usd"] + sum((r.delta("current_usd") for r in c.rows), Decimal(0)),
                     "delta_current": sum((r.delta("current_usd") for r in c.rows), Decimal(0)), "mode": ""})
        since = f"{c.path}" + (f" (priced on {c.previous_on})" if c.previous_on else "")
        return Table("compare", f"Changes since {since}", [
            Column("mark", ""), Column("name", "Workload"),
            Column("prev_recommended", "After, before", "money"), Column("recommended", "After, now", "money"),
            Column("delta_recommended", "Δ after", "money"),
            Column("prev_current", "Now, before", "money"), Column("current", "Now, now", "money"),
            Column("delta_current", "Δ now", "money"), Column("mode", "Recommended mode")], rows,
            caption="~ changed, + added, - removed, = unchanged (matched by workload name).")

    def long_table(self) -> Table:
        rows = []
        for p in self.plan.workloads:
            priced = [("current", p.current), ("recommended", p.recommended.scenario)]
            priced += [("alternative", a.priced.scenario) for a in p.alternatives]
            for role, s in priced:
                for line in s.cost.lines:
                    if line.quantity == 0:
                        continue
                    rows.append({"workload": p.name, "classification": p.classification, "role": role,
                                 "model": s.cost.model, "mode": s.name, "service_tier": s.service_tier,
                                 "token_type": line.token_type, "quantity": line.quantity,
                                 "unit_price_usd": line.unit_price, "cost_usd": line.cost})
        return Table("breakdown", "Monthly breakdown by workload, role and token type", [
            Column("workload", "Workload"), Column("classification", "Classification"), Column("role", "Role"),
            Column("model", "Model"), Column("mode", "Mode"), Column("service_tier", "Tier"),
            Column("token_type", "Token type"), Column("quantity", "Tokens", "int"),
            Column("unit_price_usd", "Unit price (USD/MTok)", "rate"), Column("cost_usd", "Cost", "money")], rows)


    # presentation hooks (calculator/report.py): the HTML page's summary, charts, sources -----
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
                   detail=f"{_pct(t.current_usd - with_batch, t.current_usd)} less; sync where a person waits",
                   tone="good" if with_batch < t.current_usd else "neutral"),
            Figure("With the plan (batch + cache)", t.recommended_usd,
                   detail=(f"{usd(t.low_usd)} to {usd(t.high_usd)} over the cache hit-rate range"
                           if t.low_usd != t.high_usd else "caching where it pays"),
                   tone="good" if t.recommended_usd < t.current_usd else "neutral"),
            Figure("You save per month", t.savings_usd,
                   detail=f"{_pct(t.savings_usd, t.current_usd)} of today's spend",
                   tone="good" if t.savings_usd > 0 else "neutral"),
        ]
        brief = Brief("Migration plan", f"{usd(t.current_usd)} a month now, {usd(t.recommended_usd)} with the plan "
                                        f"({_pct(t.savings_usd, t.current_usd)} less, {usd(t.savings_usd)} a month).",
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
                    f"{usd(t.current_usd)}, saving {usd(t.savings_usd)} ({_pct(t.savings_usd, t.current_usd)}).")
        else:
            text = (f"Use prompt caching: {usd(t.recommended_usd)} a month instead of {usd(t.current_usd)}, "
                    f"saving {usd(t.savings_usd)} ({_pct(t.savings_usd, t.current_usd)}).")
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
                c = s.cost
                key = (c.model, c.service_tier, c.source, c.checked, c.status)
                if key not in seen:
                    seen.add(key)
                    out.append(PriceSource(c.model, p.estimate.display_name, c.service_tier, c.source,
                                           c.checked, c.status))
        return out

    def charge_context(self) -> dict:
        on = self.plan.on
        year, month = (on.year + 1, 1) if on.month == 12 else (on.year, on.month + 1)
        import calendar

        end = on.replace(year=year, month=month, day=min(on.day, calendar.monthrange(year, month)[1]))
        return {"period_start": on, "period_end": end,
                "estimate_source": f"plan per month (batchcalc plan {self.plan.path})"}


def _pct(part: Decimal, whole: Decimal) -> str:
    p = percent(part, whole)
    return "0%" if p is None else f"{p:.0f}%"


def build_plan_report(catalogue: Catalogue, path: str | Path, on: dt.date, *, try_models=(),
                      compare_to=None, text: str | None = None) -> PlanReport:
    plan = build_plan(catalogue, path, on, try_models=tuple(try_models or ()), compare_to=compare_to, text=text)
    t = plan.totals
    sp = t.savings_percent
    summary = [
        ("Now per month", usd(t.current_usd)),
        ("After per month", usd(t.recommended_usd) + (f" (range {usd(t.low_usd)} – {usd(t.high_usd)})"
                                                       if t.low_usd != t.high_usd else "")),
        ("Savings per month", f"{usd(t.savings_usd)}" + (f" ({sp:.1f}%)" if sp is not None else "")),
        ("Stays synchronous", f"{usd(t.stays_sync_usd)}" + (f" ({t.stays_sync_percent:.1f}% of spend after)"
                                                            if t.stays_sync_percent is not None else "")),
    ]
    if t.at_risk_savings_usd:
        summary.append(("Savings at risk", f"{usd(t.at_risk_savings_usd)} (workloads whose deadline is under 24 h)"))
    if plan.comparison is not None:
        c = plan.comparison
        d = sum((r.delta("recommended_usd") for r in c.rows), Decimal(0))
        summary.append(("Change since previous run", f"{'+' if d > 0 else ''}{usd(d)} per month after migration"))
    assumptions = [
        f"Prices on {plan.on.isoformat()}, catalogue {catalogue.version}.",
        "Volumes per month: a month is 365.25/12 = 30.4375 days and a week 7 days (per month = per day x "
        "30.4375 = per week x 4.348...), rounded up to whole requests.",
        "Input tokens are the whole prompt; the shared prefix is part of it. Of N requests floor(h x (N-1)) "
        "read the prefix from cache, the rest write it; the default hit rate is 64%, the middle of the "
        "30%-98% Anthropic quotes for batches, and the range shown runs over that span.",
        "Classification: a person waiting keeps a workload synchronous; a deadline under 24 h (the Batches "
        "API's limit; most batches finish within 1 h) is at risk; otherwise it is a batch candidate.",
        "Recommended: the cheapest of the current mode, batch (sync when a person waits) and its +cache "
        "variant when the prefix reaches the model's minimum cacheable length (and, for batches, the TTL is 1h).",
    ]
    if any(p.alternatives for p in plan.workloads):
        assumptions.append("Model what-ifs scale every token count by the ratio of the tokenizer families' "
                           "calibration factors (rounded up); they do not enter the totals.")
    warnings = []
    for p in plan.workloads:
        warnings += [f"{p.name}: {w}" for w in p.estimate.warnings]
        if p.current.cost.status == "unconfirmed":
            warnings.append(f"{p.name}: the prices of {p.estimate.model_id} on {plan.on.isoformat()} are unconfirmed")
        if p.recommended.mode == "sync+cache" and p.source.spec.cache_hit_rate is None:
            warnings.append(f"{p.name}: sync+cache is priced at the default 64% hit rate, quoted for batches; "
                            f"a synchronous hit rate depends on traffic within the TTL: give cache_hit_rate")
        if p.classification == "at_risk" and p.source.spec.deadline_hours < MOST_BATCHES_HOURS:
            warnings.append(f"{p.name}: the {p.source.spec.deadline_hours} h deadline is under the hour in which "
                            f"most batches finish; keep a synchronous fallback")
    if plan.comparison is not None and plan.comparison.previous_catalogue_version not in (None, catalogue.version):
        warnings.append(f"the previous run used catalogue {plan.comparison.previous_catalogue_version}, "
                        f"this one {catalogue.version}")
    return PlanReport(kind="plan", title="Migration plan: which workloads move to batch, and the monthly budget",
                      catalogue_version=catalogue.version, summary=summary, assumptions=assumptions,
                      warnings=warnings, plan=plan)
