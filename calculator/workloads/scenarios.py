"""The four scenarios (sync, sync+cache, batch, batch+cache): one engine for every command.

A scenario is a pure transformation of request groups' usage: "batch" changes the service
tier, "+cache" moves the shared prefix out of uncached input into cache writes and reads, at
the hit rate and TTL of the scenario's :class:`~calculator.workloads.cache.CacheAssumption`.
`estimate` prices one group of identical requests; `count` the groups of a counted sample;
`plan` either per workload. All of them call :func:`price_scenarios`.

Hit rate (DESIGN.md): a fraction h of the requests that *could* read the prefix from cache
do; the others write it. The first request can only write, so of N requests
``floor(h * (N - 1))`` read and the rest write. Rounding down keeps the estimate on the
expensive side.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Mapping, Optional, Sequence

from calculator.costing import Cost, CostLine, TokenCounts, price_usage
from calculator.errors import InvalidUsageError
from calculator.money import CONTEXT
from calculator.workloads.cache import CacheAssumption, CacheAssumptions
from pricing import Catalogue

SCENARIOS = ("sync", "sync+cache", "batch", "batch+cache")


@dataclass(frozen=True)
class Workload:
    """A group of identical requests, as `batchcalc estimate` and a plan's workload describe it."""

    model: str
    requests: int
    input_tokens: int  # per request, the whole prompt (system, tools, messages)
    output_tokens: int  # per request
    cached_prefix_tokens: int = 0  # per request, the identical leading part of the input
    cache: CacheAssumptions = field(default_factory=CacheAssumptions.default)
    inference_geo: Optional[str] = None
    speed: Optional[str] = None
    on: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())

    def __post_init__(self):
        for name in ("requests", "input_tokens", "output_tokens", "cached_prefix_tokens"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0:
                raise InvalidUsageError(f"{name.replace('_', '-')} must be a whole number >= 0, got {v}")
        if self.requests < 1:
            raise InvalidUsageError("requests must be at least 1")
        if self.cached_prefix_tokens > self.input_tokens:
            raise InvalidUsageError(
                f"cached-prefix-tokens ({self.cached_prefix_tokens}) cannot exceed input-tokens "
                f"({self.input_tokens}): the prefix is part of the prompt")


def cache_reads(requests: int, hit_rate: Decimal) -> int:
    """How many of ``requests`` read the prefix from cache at ``hit_rate``."""
    return math.floor(CONTEXT.multiply(hit_rate, Decimal(requests - 1)))


@dataclass(frozen=True)
class RequestGroup:
    """Requests that are priced together: token totals over the group and the cache prefix
    its requests share. A :class:`Workload` is one group of identical requests; a counted
    sample (``batchcalc count``) is several, one per shared prefix and context tier.

    ``shared_prefix_tokens`` (per request) is identical across the group, so the hit-rate rule
    applies to it. ``write_only_tokens`` (a total) is content before a ``cache_control``
    breakpoint that no other request shares: every request writes it and none reads it.
    ``cache_ttl`` is the TTL the requests set themselves (a breakpoint's), None when they set
    none (the scenario's assumption decides).
    """

    requests: int
    input_tokens: int  # total over the group, the whole prompts
    output_tokens: int  # total over the group
    shared_prefix_tokens: int = 0  # per request
    write_only_tokens: int = 0  # total over the group
    cache_ttl: Optional[Literal["5m", "1h"]] = None
    long_context: Optional[bool] = None  # None: decided by price_usage (identical requests)

    def __post_init__(self):
        if self.requests < 1:
            raise InvalidUsageError("a request group needs at least one request")
        if self.requests * self.shared_prefix_tokens + self.write_only_tokens > self.input_tokens:
            raise InvalidUsageError("cached tokens cannot exceed the input tokens of a request group")


def group_ttl(g: RequestGroup, cache: CacheAssumption) -> str:
    """A TTL the user chose wins; else the requests' own (a breakpoint's); else the default."""
    if cache.ttl_from != "default" or g.cache_ttl is None:
        return cache.ttl
    return g.cache_ttl


def group_usage(g: RequestGroup, cached: bool, hit_rate: Decimal, ttl: str) -> TokenCounts:
    """The group's usage in a scenario: uncached, or with its prefix moved into cache columns.

    Of the group's N requests ``floor(h * (N - 1))`` read the shared prefix and the rest write
    it; the unshared cacheable part is written by every request.
    """
    n, p, wo = g.requests, g.shared_prefix_tokens, g.write_only_tokens
    if not cached or not (p or wo):
        return TokenCounts(uncached_input=g.input_tokens, output=g.output_tokens)
    reads = cache_reads(n, hit_rate) if p else 0
    writes = n - reads
    write_col = "cache_write_5m" if ttl == "5m" else "cache_write_1h"
    return TokenCounts(uncached_input=g.input_tokens - n * p - wo, output=g.output_tokens,
                       cache_read=reads * p, **{write_col: writes * p + wo})


def scale_cost(cost: Cost, num: int, den: int) -> Cost:
    """``cost`` for num/den times the requests: every amount exactly times the ratio (token
    quantities, which must be whole, rounded half up for display only)."""
    lines = tuple(CostLine(l.token_type, int((Decimal(l.quantity) * num / den).to_integral_value(ROUND_HALF_UP)),
                           l.unit_price, CONTEXT.divide(CONTEXT.multiply(l.cost, Decimal(num)), Decimal(den)))
                  for l in cost.lines)
    return Cost(cost.model, cost.on, cost.service_tier, cost.long_context, cost.multiplier, lines,
                cost.source, cost.status, cost.checked)


def _total(costs: Sequence[Cost]) -> Decimal:
    return sum((c.total for c in costs), Decimal(0))


@dataclass(frozen=True)
class Scenario:
    """One scenario over request groups: the summed usage, one Cost per model and context tier,
    and for the cache scenarios the assumption and the costs at the ends of its hit-rate range."""

    name: str
    service_tier: str
    cached: bool
    usage: TokenCounts
    costs: tuple[Cost, ...]
    savings_vs_sync: Decimal
    cache: Optional[CacheAssumption] = None  # cache scenarios
    low_costs: Optional[tuple[Cost, ...]] = None  # at the low hit rate (the higher cost)
    high_costs: Optional[tuple[Cost, ...]] = None  # at the high hit rate

    @property
    def total(self) -> Decimal:
        return _total(self.costs)

    @property
    def low_total(self) -> Optional[Decimal]:
        return None if self.low_costs is None else _total(self.low_costs)

    @property
    def high_total(self) -> Optional[Decimal]:
        return None if self.high_costs is None else _total(self.high_costs)

    @property
    def cost(self) -> Cost:
        """The one Cost of a scenario priced on one model in one context tier (an estimate)."""
        if len(self.costs) != 1:
            raise InvalidUsageError(f"{self.name} is priced in {len(self.costs)} parts: use .costs")
        return self.costs[0]

    def total_of(self, model: str) -> Decimal:
        return _total([c for c in self.costs if c.model == model])

    def range(self) -> tuple[Decimal, Decimal, Decimal]:
        """(lowest, expected, highest) cost: at the high, expected and low hit rate."""
        if self.low_costs is None:
            return self.total, self.total, self.total
        return self.high_total, self.total, self.low_total


def _price(catalogue: Catalogue, on: dt.date, groups: Mapping[str, Sequence[RequestGroup]], *,
           service_tier: str, cached: bool, hit_rate: Decimal, cache: CacheAssumption,
           inference_geo: Optional[str], speed: Optional[str]) -> tuple[TokenCounts, tuple[Cost, ...]]:
    """Usage summed per model and context tier (requests above the long-context threshold pay
    long-context rates on all their tokens), each sum priced once."""
    total = TokenCounts()
    costs = []
    for model, gs in groups.items():
        by_tier: dict[Optional[bool], tuple[TokenCounts, int]] = {}
        for g in gs:
            u = group_usage(g, cached, hit_rate, group_ttl(g, cache))
            prev, n = by_tier.get(g.long_context, (TokenCounts(), 0))
            by_tier[g.long_context] = (prev + u, n + g.requests)
        for flag in sorted(by_tier, key=lambda f: (f is None, bool(f))):
            usage, n = by_tier[flag]
            total = total + usage
            costs.append(price_usage(catalogue, model, on, usage, service_tier=service_tier, long_context=flag,
                                     requests=n, inference_geo=inference_geo, speed=speed))
    return total, tuple(costs)


def price_scenarios(catalogue: Catalogue, on: dt.date, groups: Mapping[str, Sequence[RequestGroup]],
                    cache: CacheAssumptions, *, inference_geo: Optional[str] = None,
                    speed: Optional[str] = None) -> tuple[Scenario, ...]:
    """The four scenarios of request groups (model id -> groups). Fast mode never runs in a
    batch: the batch scenarios use standard speed."""
    results = []
    sync_total = None
    for name in SCENARIOS:
        tier = "batch" if name.startswith("batch") else "standard"
        cached = name.endswith("+cache")
        a = cache.of(name)
        kw = dict(service_tier=tier, cached=cached, cache=a, inference_geo=inference_geo,
                  speed=None if tier == "batch" else speed)
        usage, costs = _price(catalogue, on, groups, hit_rate=a.hit_rate, **kw)
        if sync_total is None:
            sync_total = _total(costs)
        low = high = None
        if cached:
            low = _price(catalogue, on, groups, hit_rate=a.low, **kw)[1]
            high = _price(catalogue, on, groups, hit_rate=a.high, **kw)[1]
        results.append(Scenario(name, tier, cached, usage, costs, sync_total - _total(costs),
                                a if cached else None, low, high))
    return tuple(results)


def scale_scenarios(scenarios: Sequence[Scenario], num: int, den: int) -> tuple[Scenario, ...]:
    """The scenarios of num/den times the requests: every cost exactly times the ratio (a sample
    of ``den`` requests scaled to ``num``), usage rounded half up for display."""
    def costs(cs):
        return None if cs is None else tuple(scale_cost(c, num, den) for c in cs)

    def usage(u: TokenCounts) -> TokenCounts:
        return TokenCounts(**{k: int((Decimal(v) * num / den).to_integral_value(ROUND_HALF_UP))
                              for k, v in u.as_dict().items()})

    out = []
    sync_total = None
    for s in scenarios:
        c = costs(s.costs)
        if sync_total is None:
            sync_total = _total(c)
        out.append(Scenario(s.name, s.service_tier, s.cached, usage(s.usage), c, sync_total - _total(c),
                            s.cache, costs(s.low_costs), costs(s.high_costs)))
    return tuple(out)


def scaling_text(sample_requests: int, requests: int, per: str) -> str:
    """How a sample was scaled, e.g. "sample of 200 requests x 1,500 = 300,000 a month"."""
    k = Decimal(requests) / Decimal(sample_requests)
    ratio = f"{k:,.6f}".rstrip("0").rstrip(".")
    exact = "" if k * sample_requests == requests else f" ({requests:,}/{sample_requests:,})"
    return f"sample of {sample_requests:,} requests x {ratio}{exact} = {requests:,} a {per}"


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    model_id: str
    display_name: str
    min_cacheable: int
    cacheable: bool
    scenarios: tuple[Scenario, ...]
    warnings: tuple[str, ...]

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios if s.name == name)


def estimate(catalogue: Catalogue, w: Workload) -> Estimate:
    """Price the workload (one group of identical requests) under the four scenarios."""
    model = catalogue.model(w.model)
    warnings: list[str] = []
    if model.retired and w.on >= model.retired:
        warnings.append(f"{model.id} was retired on {model.retired.isoformat()}: priced at its last rates")
    minimum = catalogue.min_cacheable(model.id, w.on)
    cacheable = w.cached_prefix_tokens >= minimum
    if w.cached_prefix_tokens and not cacheable:
        warnings.append(
            f"the {w.cached_prefix_tokens:,}-token prefix is below {model.id}'s minimum cacheable "
            f"length of {minimum:,} tokens: the API would not cache it, so the cache scenarios "
            f"equal the uncached ones")
    if w.speed == "fast":
        warnings.append("fast mode is not available with batch: the batch scenarios use standard speed")
    n = w.requests
    group = RequestGroup(requests=n, input_tokens=n * w.input_tokens, output_tokens=n * w.output_tokens,
                         shared_prefix_tokens=w.cached_prefix_tokens if cacheable else 0)
    scen = price_scenarios(catalogue, w.on, {model.id: [group]}, w.cache.with_minimum(minimum),
                           inference_geo=w.inference_geo, speed=w.speed)
    return Estimate(w, model.id, model.display_name, minimum, cacheable, scen, tuple(warnings))
