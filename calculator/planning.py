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
    A tie keeps the current mode (no migration for nothing). Sync and batch traffic have their
    own cache assumption (:mod:`calculator.workloads.cache`).

measured or described
    a workload with ``sample:`` is measured: its requests are counted with `batchcalc count`'s
    library function and the sample's exact cost is scaled to the monthly volume (cost x
    requests per month / sample requests); the others are described by their token counts.

alternatives
    the same workload on another model (``alternatives:`` per workload, ``--try-model`` for all):
    a described workload's token counts scaled by the ratio of the two tokenizer families'
    calibration factors (rounded up), a measured one counted again for that model; classified
    the same way and recommended by the same rule. Each ``--try-model`` also gives the whole
    plan's total on that model (a workload already on it counts as it is).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Optional

from calculator.errors import BatchcalcError, InputError, ModelError
from calculator.money import percent
from calculator.scenarios import Estimate, Scenario, Workload, estimate, scale_scenarios, scaling_text
from calculator.workload_file import PlannedWorkload, read_workload_file
from calculator.workloads.cache import CacheAssumptions
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
    elif base == "batch" and any(c.line("cache_write_5m").quantity for c in e.scenario(cached).costs):
        # Priced with 5-minute writes (the assumption's TTL, or a sample's own breakpoints).
        why = "a 5m TTL does not fit a batch (runs up to 24 h): set batch_cache_ttl: 1h for batch+cache"
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
        why = f"caching costs more than it saves at a {e.scenario(cached).cache.hit_rate:.0%} hit rate"
    elif best == cached:
        why = (f"{w.cached_prefix_tokens:,}-token prefix >= {e.min_cacheable:,}-token cache minimum, "
               f"TTL {e.scenario(cached).cache.ttl}")
    return best, why


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
    def scenario(self) -> Scenario:
        return self.estimate.scenario(self.mode)

    @property
    def usd(self) -> Decimal:
        return self.scenario.total

    @property
    def range(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.scenario.range()


@dataclass(frozen=True)
class Alternative:
    model: str  # as asked for
    origin: str  # "alternatives" or "--try-model"
    ratio: Fraction
    priced: Priced
    savings_vs_recommended: Decimal


@dataclass(frozen=True)
class Measured:
    """How a ``sample:`` workload was measured and scaled."""

    sample: str  # the file
    sample_requests: int
    requests_per_month: int

    @property
    def how(self) -> str:
        return scaling_text(self.sample_requests, self.requests_per_month, "month")


@dataclass(frozen=True)
class WorkloadPlan:
    source: PlannedWorkload
    classification: str
    reason: str
    current_mode: str
    current: Scenario
    recommended: Priced
    alternatives: tuple[Alternative, ...] = ()
    measured: Optional[Measured] = None  # None: described by its token counts

    def under(self, model_id: str) -> Decimal:
        """The recommended monthly cost on ``model_id``: an alternative's, or this one's when the
        workload already runs on it."""
        if self.estimate.model_id == model_id:
            return self.recommended_usd
        return next(a.priced.usd for a in self.alternatives if a.priced.estimate.model_id == model_id)

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
    try_models: tuple[str, ...] = ()  # model ids
    cache: CacheAssumptions = field(default_factory=CacheAssumptions.default)  # the options over the file

    @property
    def totals(self) -> Totals:
        return totals_of(list(self.workloads))

    def total_under(self, model_id: str) -> Decimal:
        """The whole plan's recommended monthly cost with every workload on ``model_id``."""
        return sum((p.under(model_id) for p in self.workloads), Decimal(0))


def _model_error(p: PlannedWorkload, key: str, exc: BatchcalcError, line: int | None = None) -> InputError:
    return InputError(f"workload {p.name!r}: {key}: {exc}", path=p.path, line=line or p.where(key))


def _sample_path(p: PlannedWorkload) -> Path:
    sample = Path(p.spec.sample)
    if not sample.is_absolute() and p.path != "-":
        sample = Path(p.path).parent / sample
    return sample


def _measure(catalogue: Catalogue, p: PlannedWorkload, model: str, on: dt.date,
             cache: CacheAssumptions) -> tuple[Estimate, Measured]:
    """A ``sample:`` workload priced as `batchcalc count` prices the sample (the workload's model
    replacing the requests'), its exact cost scaled to the requests per month."""
    from calculator.counting import CountOptions, count_workload

    s = p.spec
    sample = _sample_path(p)
    opts = CountOptions(model=model, on=on, output_tokens=s.output_tokens, output_ratio=p.output_ratio,
                        exact=s.exact, calibration_file=s.calibration, cache=cache, workers=1)
    try:
        res = count_workload([str(sample)], opts, catalogue)
    except BatchcalcError as exc:
        raise _model_error(p, "sample", exc) from None
    m = res.models[0]
    n, month = res.requests, p.requests_per_month

    def per_request(total: int) -> int:
        return -(-total // n)

    inp = per_request(res.input_tokens)
    w = Workload(model=m.model_id, requests=month, input_tokens=inp, output_tokens=per_request(res.output_tokens),
                 cached_prefix_tokens=min(inp, per_request(res.cacheable_prefix_tokens)), cache=cache, on=on)
    scen = scale_scenarios(res.scenarios, month, n)
    e = Estimate(w, m.model_id, m.display_name, m.min_cacheable, res.cacheable_prefix_tokens > 0, scen,
                 tuple(res.warnings))
    return e, Measured(str(sample), n, month)


def _price(catalogue: Catalogue, p: PlannedWorkload, model: str, on: dt.date, cache: CacheAssumptions,
           classification: str, ratio: Fraction = Fraction(1)) -> tuple[Priced, Optional[Measured]]:
    """The workload on ``model`` under its recommended mode: measured from its sample, or described
    by its token counts (scaled by ``ratio``, the tokenizer difference, on another model)."""
    measured = None
    if p.spec.sample is not None:
        e, measured = _measure(catalogue, p, model, on, cache)
    else:
        e = estimate(catalogue, Workload(
            model=model, requests=p.requests_per_month, input_tokens=scale_tokens(p.input_tokens, ratio),
            output_tokens=scale_tokens(p.output_tokens, ratio),
            cached_prefix_tokens=scale_tokens(p.shared_prefix_tokens, ratio), cache=cache, on=on))
    mode, why = recommend(e, classification, p.spec.current_mode)
    return Priced(e, mode, why), measured


def plan_workload(catalogue: Catalogue, p: PlannedWorkload, on: dt.date, try_models: tuple[str, ...] = (),
                  cache: Optional[CacheAssumptions] = None) -> WorkloadPlan:
    """One workload priced and recommended. ``cache``: the command's options, over the file's keys."""
    s = p.spec
    cache = p.cache.under(cache or CacheAssumptions.default())
    classification, reason = classify(s.person_waiting, s.deadline_hours)
    try:
        priced, measured = _price(catalogue, p, s.model, on, cache, classification)
    except BatchcalcError as exc:
        if isinstance(exc, InputError) and exc.path is not None:
            raise
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
            alt, _ = _price(catalogue, p, alt_id, on, cache, classification, ratio)
        except BatchcalcError as exc:
            if key is None:
                raise InputError(f"--try-model {model}: workload {p.name!r}: {exc}") from None
            raise _model_error(p, key, exc, line) from None
        alternatives.append(Alternative(model, origin, ratio, alt, priced.usd - alt.usd))
    return WorkloadPlan(p, classification, reason, s.current_mode, priced.estimate.scenario(s.current_mode),
                        priced, tuple(alternatives), measured)


def build_plan(catalogue: Catalogue, path: str | Path, on: dt.date, *, try_models: tuple[str, ...] = (),
               text: str | None = None, cache: Optional[CacheAssumptions] = None) -> Plan:
    """Read and price a workload file. ``text``: the content of ``-``; ``cache``: the cache
    assumptions the command was given, over each workload's own keys."""
    loaded = read_workload_file(path, text)
    ids = []
    for m in try_models:
        try:
            mid = catalogue.model(m).id
        except ModelError as exc:
            raise InputError(f"--try-model {m}: {exc}") from None
        if mid not in ids:
            ids.append(mid)
    cache = cache or CacheAssumptions.default()
    plans = tuple(plan_workload(catalogue, p, on, tuple(try_models), cache) for p in loaded)
    return Plan(str(path), on, plans, tuple(ids), cache=cache)
