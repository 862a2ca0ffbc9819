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
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Optional

from calculator.errors import BatchcalcError, InputError, ModelError
from calculator.money import percent
from calculator.scenarios import Estimate, ScenarioResult, Workload, estimate
from calculator.workload_file import PlannedWorkload, count_sample, read_workload_file
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
class Plan:
    path: str
    on: dt.date
    workloads: tuple[WorkloadPlan, ...]
    try_models: tuple[str, ...] = ()

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
               text: str | None = None) -> Plan:
    """Read and price a workload file. ``text``: the content of ``-``."""
    loaded = read_workload_file(path, text)
    for m in try_models:
        try:
            catalogue.model(m)
        except ModelError as exc:
            raise InputError(f"--try-model {m}: {exc}") from None
    plans = tuple(plan_workload(catalogue, p, on, tuple(try_models)) for p in loaded)
    plan = Plan(str(path), on, plans, tuple(try_models))
    return plan
