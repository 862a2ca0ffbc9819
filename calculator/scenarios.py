"""The four scenarios for a simple workload: sync, sync+cache, batch, batch+cache.

A scenario is a pure transformation of the workload's usage: "batch" changes the service
tier, "+cache" moves the shared prefix out of uncached input into cache writes and reads.

Hit rate (DESIGN.md): a fraction h of the requests that *could* read the prefix from cache
do; the others write it. The first request can only write, so of N requests
``floor(h * (N - 1))`` read and the rest write. Rounding down keeps the estimate on the
expensive side.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Optional

from calculator.costing import Cost, TokenCounts, price_usage
from calculator.errors import InvalidUsageError
from calculator.money import CONTEXT
from pricing import Catalogue

SCENARIOS = ("sync", "sync+cache", "batch", "batch+cache")
# Anthropic quotes typical batch cache hit rates of 30% to 98%; the expected value is the
# middle of that range unless the user gives their own.
HIT_RATE_LOW = Decimal("0.30")
HIT_RATE_HIGH = Decimal("0.98")
HIT_RATE_EXPECTED = Decimal("0.64")
TTLS = ("5m", "1h")


@dataclass(frozen=True)
class Workload:
    model: str
    requests: int
    input_tokens: int  # per request, the whole prompt (system, tools, messages)
    output_tokens: int  # per request
    cached_prefix_tokens: int = 0  # per request, the identical leading part of the input
    cache_hit_rate: Optional[Decimal] = None  # None: the documented expected value
    cache_ttl: Literal["5m", "1h"] = "5m"
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
        h = self.cache_hit_rate
        if h is not None and not (0 <= h <= 1):
            raise InvalidUsageError(f"cache-hit-rate must be between 0 and 1, got {h}")
        if self.cache_ttl not in TTLS:
            raise InvalidUsageError(f"cache-ttl must be 5m or 1h, got {self.cache_ttl!r}")

    @property
    def hit_rate(self) -> Decimal:
        return HIT_RATE_EXPECTED if self.cache_hit_rate is None else Decimal(self.cache_hit_rate)

    @property
    def hit_rate_range(self) -> tuple[Decimal, Decimal]:
        h = self.hit_rate
        return min(HIT_RATE_LOW, h), max(HIT_RATE_HIGH, h)


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
    """

    requests: int
    input_tokens: int  # total over the group, the whole prompts
    output_tokens: int  # total over the group
    shared_prefix_tokens: int = 0  # per request
    write_only_tokens: int = 0  # total over the group
    cache_ttl: Literal["5m", "1h"] = "5m"
    long_context: Optional[bool] = None  # None: decided by price_usage (identical requests)

    def __post_init__(self):
        if self.requests < 1:
            raise InvalidUsageError("a request group needs at least one request")
        if self.requests * self.shared_prefix_tokens + self.write_only_tokens > self.input_tokens:
            raise InvalidUsageError("cached tokens cannot exceed the input tokens of a request group")


def group_usage(g: RequestGroup, cached: bool, hit_rate: Decimal) -> TokenCounts:
    """The group's usage in a scenario: uncached, or with its prefix moved into cache columns.

    Of the group's N requests ``floor(h * (N - 1))`` read the shared prefix and the rest write
    it; the unshared cacheable part is written by every request.
    """
    n, p, wo = g.requests, g.shared_prefix_tokens, g.write_only_tokens
    if not cached or not (p or wo):
        return TokenCounts(uncached_input=g.input_tokens, output=g.output_tokens)
    reads = cache_reads(n, hit_rate) if p else 0
    writes = n - reads
    write_col = "cache_write_5m" if g.cache_ttl == "5m" else "cache_write_1h"
    return TokenCounts(uncached_input=g.input_tokens - n * p - wo, output=g.output_tokens,
                       cache_read=reads * p, **{write_col: writes * p + wo})


def workload_group(w: Workload, cacheable: bool) -> RequestGroup:
    n = w.requests
    return RequestGroup(requests=n, input_tokens=n * w.input_tokens, output_tokens=n * w.output_tokens,
                        shared_prefix_tokens=w.cached_prefix_tokens if cacheable else 0,
                        cache_ttl=w.cache_ttl)


def scenario_usage(w: Workload, cached: bool, hit_rate: Decimal, cacheable: bool) -> TokenCounts:
    return group_usage(workload_group(w, cacheable), cached, hit_rate)


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    service_tier: str
    cached: bool
    usage: TokenCounts
    cost: Cost
    savings_vs_sync: Decimal
    low: Optional[Cost] = None  # cache scenarios: at the low end of the hit-rate range
    high: Optional[Cost] = None  # ... and at the high end

    @property
    def total(self) -> Decimal:
        return self.cost.total


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    model_id: str
    display_name: str
    min_cacheable: int
    cacheable: bool
    scenarios: tuple[ScenarioResult, ...]
    warnings: tuple[str, ...]

    def scenario(self, name: str) -> ScenarioResult:
        return next(s for s in self.scenarios if s.name == name)


def estimate(catalogue: Catalogue, w: Workload) -> Estimate:
    """Price the workload under the four scenarios."""
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

    def cost(usage: TokenCounts, tier: str) -> Cost:
        speed = None if tier == "batch" else w.speed
        return price_usage(catalogue, model.id, w.on, usage, service_tier=tier, requests=w.requests,
                           inference_geo=w.inference_geo, speed=speed)

    results = []
    sync_total = None
    low_h, high_h = w.hit_rate_range
    for name in SCENARIOS:
        tier = "batch" if name.startswith("batch") else "standard"
        cached = name.endswith("+cache")
        usage = scenario_usage(w, cached, w.hit_rate, cacheable)
        c = cost(usage, tier)
        if sync_total is None:
            sync_total = c.total
        low = high = None
        if cached:
            # A lower hit rate costs more: "low" is the low hit rate, the high cost.
            low = cost(scenario_usage(w, True, low_h, cacheable), tier)
            high = cost(scenario_usage(w, True, high_h, cacheable), tier)
        results.append(ScenarioResult(name, tier, cached, usage, c, sync_total - c.total, low, high))
    return Estimate(w, model.id, model.display_name, minimum, cacheable, tuple(results), tuple(warnings))


# -- samples: many groups per model --------------------------------------------------------

@dataclass(frozen=True)
class GroupScenario:
    """One scenario over request groups: the summed usage and one Cost per context tier."""

    name: str
    service_tier: str
    cached: bool
    usage: TokenCounts
    costs: tuple[Cost, ...]
    savings_vs_sync: Decimal
    low_total: Optional[Decimal] = None  # cache scenarios: at the low hit rate (higher cost)
    high_total: Optional[Decimal] = None  # ... at the high hit rate

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.costs), Decimal(0))


def price_groups(catalogue: Catalogue, model: str, on: dt.date, groups: list[RequestGroup], *,
                 service_tier: str, cached: bool, hit_rate: Decimal, inference_geo: Optional[str] = None,
                 speed: Optional[str] = None) -> tuple[TokenCounts, tuple[Cost, ...]]:
    """Price the groups in one scenario with the cost engine: usage is summed per context tier
    (requests above the long-context threshold pay long-context rates on all their tokens) and
    each sum is priced once."""
    by_tier: dict[Optional[bool], tuple[TokenCounts, int]] = {}
    for g in groups:
        u = group_usage(g, cached, hit_rate)
        prev, n = by_tier.get(g.long_context, (TokenCounts(), 0))
        by_tier[g.long_context] = (prev + u, n + g.requests)
    total = TokenCounts()
    costs = []
    for flag in sorted(by_tier, key=lambda f: (f is None, bool(f))):
        usage, n = by_tier[flag]
        total = total + usage
        costs.append(price_usage(catalogue, model, on, usage, service_tier=service_tier,
                                 long_context=flag, requests=n, inference_geo=inference_geo, speed=speed))
    return total, tuple(costs)


def group_scenarios(catalogue: Catalogue, model: str, on: dt.date, groups: list[RequestGroup], *,
                    hit_rate: Decimal, hit_rate_range: tuple[Decimal, Decimal],
                    inference_geo: Optional[str] = None) -> tuple[GroupScenario, ...]:
    """The four scenarios (sync, sync+cache, batch, batch+cache) for request groups of one model."""
    results = []
    sync_total = None
    low_h, high_h = hit_rate_range
    for name in SCENARIOS:
        tier = "batch" if name.startswith("batch") else "standard"
        cached = name.endswith("+cache")
        kw = dict(service_tier=tier, cached=cached, inference_geo=inference_geo)
        usage, costs = price_groups(catalogue, model, on, groups, hit_rate=hit_rate, **kw)
        total = sum((c.total for c in costs), Decimal(0))
        if sync_total is None:
            sync_total = total
        low = high = None
        if cached:
            low = sum((c.total for c in price_groups(catalogue, model, on, groups, hit_rate=low_h, **kw)[1]), Decimal(0))
            high = sum((c.total for c in price_groups(catalogue, model, on, groups, hit_rate=high_h, **kw)[1]), Decimal(0))
        results.append(GroupScenario(name, tier, cached, usage, costs, sync_total - total, low, high))
    return tuple(results)
