"""The prompt-cache assumption of an estimate, stated once.

A cache scenario rests on three values that nobody can measure before the traffic runs: the
hit rate (with the range it may fall in), the TTL of the cache entries, and the model's minimum
cacheable length. They are built ONCE where input enters (command-line options, a workload
file's keys, `batchcalc report` options) into a :class:`CacheAssumptions`, carried by every
scenario, and described by :meth:`CacheAssumptions.describe`, the one text every report uses.

Synchronous and batch traffic get separate assumptions because they cache differently:

batch (default hit rate 64%, range 30%-98%, TTL 1h)
    Anthropic's batch-processing page calls cache hits in batches best effort and quotes typical
    hit rates of 30% to 98%; the expected value is the middle of that range. Requests of a batch
    are processed over up to an hour or more, so Anthropic recommends the 1-hour TTL: a 5-minute
    entry would expire between requests.
sync (default hit rate 90%, range 70%-98%, TTL 5m)
    Requests sent in sequence find the entry the previous one wrote, and a hit refreshes a
    5-minute entry for free, so steady traffic keeps the prefix warm: misses are the first
    request after a quiet gap longer than the TTL, and evictions. 90% assumes such gaps are
    rare; 70% is bursty traffic with frequent gaps; 98% is the same ceiling as batches. This is
    an assumption, not a quoted figure: give ``--sync-hit-rate`` when you know yours.

A given hit rate outside the default range widens the range to include it (``--cache-hit-rate
0.1`` gives 10%-98%). A hit rate h means a fraction h of the requests that could read the prefix
from cache do (of N requests sharing it ``floor(h x (N - 1))`` read, the rest write).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from calculator.errors import ValueGivenError

TTLS = ("5m", "1h")
TTL_WORDS = {"5m": "5-minute", "1h": "1-hour"}
DEFAULT = "default"


@dataclass(frozen=True)
class _Default:
    hit_rate: Decimal
    low: Decimal
    high: Decimal
    ttl: str
    why: str
    ttl_why: str


DEFAULTS = {
    "sync": _Default(Decimal("0.90"), Decimal("0.70"), Decimal("0.98"), "5m",
                     "requests sent in sequence keep the entry warm, misses are quiet gaps longer than the "
                     "TTL; an assumption, give --sync-hit-rate",
                     "a hit refreshes a 5-minute entry for free"),
    "batch": _Default(Decimal("0.64"), Decimal("0.30"), Decimal("0.98"), "1h",
                      "the middle of the 30%-98% Anthropic quotes for batches",
                      "Anthropic recommends the 1-hour TTL for batches"),
}

# Where each value may come from, by key: the command-line options and the workload-file keys.
OPTION_NAMES = {"hit_rate": "--cache-hit-rate", "sync_hit_rate": "--sync-hit-rate",
                "batch_hit_rate": "--batch-hit-rate", "ttl": "--cache-ttl", "sync_ttl": "--sync-cache-ttl",
                "batch_ttl": "--batch-cache-ttl"}
FILE_KEYS = {"hit_rate": "cache_hit_rate", "sync_hit_rate": "sync_cache_hit_rate",
             "batch_hit_rate": "batch_cache_hit_rate", "ttl": "cache_ttl", "sync_ttl": "sync_cache_ttl",
             "batch_ttl": "batch_cache_ttl"}


def parse_fraction(value: Any, what: str, *, lo: Decimal = Decimal(0),
                   hi: Optional[Decimal] = Decimal(1)) -> Optional[Decimal]:
    """A number such as 0.8 (a string, a YAML number) or a percentage such as "80%", checked
    against [lo, hi]; None stays None. YAML floats go through their shortest repr, so 0.8 is
    exactly 0.8."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueGivenError(what, f"expected a number (0.8) or a percentage (80%), got {value!r}")
    try:
        if isinstance(value, str):
            text = value.strip()
            d = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        else:
            d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueGivenError(what, f"expected a number (0.8) or a percentage (80%), got {value!r}") from None
    if not d.is_finite() or d < lo or (hi is not None and d > hi):
        raise ValueGivenError(what, f"expected a number between {lo} and {hi}, got {value!r}")
    return d


def _ttl(value: Any, what: str) -> Optional[str]:
    if value is None:
        return None
    value = getattr(value, "value", value)  # an Enum choice
    if value not in TTLS:
        raise ValueGivenError(what, f"expected 5m or 1h, got {value!r}")
    return value


@dataclass(frozen=True)
class CacheAssumption:
    """The cache assumption of one kind of traffic (``sync`` or ``batch``)."""

    traffic: str
    hit_rate: Decimal
    ttl: str
    hit_rate_from: str = DEFAULT  # "default", or the option / file key that set it
    ttl_from: str = DEFAULT
    min_cacheable: Optional[int] = None  # the model's, from the catalogue, once a model is known

    @property
    def low(self) -> Decimal:
        return min(DEFAULTS[self.traffic].low, self.hit_rate)

    @property
    def high(self) -> Decimal:
        return max(DEFAULTS[self.traffic].high, self.hit_rate)

    @property
    def range(self) -> tuple[Decimal, Decimal]:
        return self.low, self.high

    def range_text(self) -> str:
        """The hit-rate range from the cheap end to the dear one, e.g. "98%–30%" (the order of
        the cost ranges shown beside it)."""
        return f"{self.high:.0%}–{self.low:.0%}"

    def describe(self) -> str:
        src = "default: " + DEFAULTS[self.traffic].why if self.hit_rate_from == DEFAULT else f"from {self.hit_rate_from}"
        ttl_src = "default: " + DEFAULTS[self.traffic].ttl_why if self.ttl_from == DEFAULT else f"from {self.ttl_from}"
        minimum = (f"; nothing below the model's minimum cacheable length of {self.min_cacheable:,} tokens is cached"
                   if self.min_cacheable is not None else "")
        return (f"{self.traffic.capitalize()} + cache: hit rate {self.hit_rate:.0%} ({src}), range "
                f"{self.low:.0%}–{self.high:.0%}; TTL {self.ttl} ({ttl_src}){minimum}.")


@dataclass(frozen=True)
class CacheAssumptions:
    """The assumptions of the two kinds of traffic; ``sync+cache`` uses ``sync``, ``batch+cache``
    uses ``batch``."""

    sync: CacheAssumption
    batch: CacheAssumption

    @classmethod
    def default(cls) -> "CacheAssumptions":
        return cls(*(CacheAssumption(t, DEFAULTS[t].hit_rate, DEFAULTS[t].ttl) for t in ("sync", "batch")))

    @classmethod
    def given(cls, names: dict[str, str] = OPTION_NAMES, **values: Any) -> "CacheAssumptions":
        """Defaults overridden by the values given (keys of ``names``: hit_rate and ttl set both
        kinds of traffic, sync_/batch_ one). ``names`` says what the user calls each value
        (``--sync-hit-rate`` or ``sync_cache_hit_rate``): it is the value's origin and names it
        in errors. Values may be strings ("80%", "0.8"), numbers, or TTL choices."""
        unknown = set(values) - set(names)
        if unknown:
            raise TypeError(f"unknown cache values: {sorted(unknown)}")
        out = {}
        for t, base in (("sync", cls.default().sync), ("batch", cls.default().batch)):
            a = base
            for key in ("hit_rate", f"{t}_hit_rate", "ttl", f"{t}_ttl"):  # the specific one wins
                try:
                    if key.endswith("hit_rate"):
                        v = parse_fraction(values.get(key), names[key])
                    else:
                        v = _ttl(values.get(key), names[key])
                except ValueGivenError as exc:
                    raise ValueGivenError(exc.key, exc.reason, key) from None
                if v is not None and key.endswith("hit_rate"):
                    a = replace(a, hit_rate=v, hit_rate_from=names[key])
                elif v is not None:
                    a = replace(a, ttl=v, ttl_from=names[key])
            out[t] = a
        return cls(**out)

    def under(self, top: "CacheAssumptions") -> "CacheAssumptions":
        """These values, except where ``top`` was given one (``top`` is the nearer input: a
        command-line option over a workload file's key)."""
        def merge(mine: CacheAssumption, theirs: CacheAssumption) -> CacheAssumption:
            if theirs.hit_rate_from != DEFAULT:
                mine = replace(mine, hit_rate=theirs.hit_rate, hit_rate_from=theirs.hit_rate_from)
            if theirs.ttl_from != DEFAULT:
                mine = replace(mine, ttl=theirs.ttl, ttl_from=theirs.ttl_from)
            return mine
        return CacheAssumptions(merge(self.sync, top.sync), merge(self.batch, top.batch))

    def with_minimum(self, min_cacheable: Optional[int]) -> "CacheAssumptions":
        return CacheAssumptions(replace(self.sync, min_cacheable=min_cacheable),
                                replace(self.batch, min_cacheable=min_cacheable))

    def of(self, scenario: str) -> CacheAssumption:
        """The assumption of a scenario (sync, sync+cache, batch, batch+cache)."""
        return self.batch if scenario.startswith("batch") else self.sync

    def describe(self) -> list[str]:
        """The assumption in words: the text every report prints."""
        return [self.sync.describe(), self.batch.describe(),
                "Of N requests sharing a prefix floor(h x (N-1)) read it from cache; the rest write it."]

    def given_text(self) -> str:
        """Only what was given rather than defaulted, in a few words ("" when nothing was)."""
        parts = []
        for a in (self.sync, self.batch):
            if a.hit_rate_from != DEFAULT:
                parts.append(f"{a.traffic} hit rate {a.hit_rate:.0%} (range {a.low:.0%}–{a.high:.0%}, from "
                             f"{a.hit_rate_from})")
            if a.ttl_from != DEFAULT:
                parts.append(f"{a.traffic} TTL {a.ttl} (from {a.ttl_from})")
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {a.traffic: {"hit_rate": a.hit_rate, "hit_rate_low": a.low, "hit_rate_high": a.high,
                            "hit_rate_from": a.hit_rate_from, "ttl": a.ttl, "ttl_from": a.ttl_from,
                            "min_cacheable_tokens": a.min_cacheable}
                for a in (self.sync, self.batch)}
