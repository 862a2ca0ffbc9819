"""The cost engine: exact Decimal cost of token usage at catalogue rates.

Usage is always the five disjoint partitions Anthropic bills (``input_tokens`` in the API
EXCLUDES cached tokens, so nothing here adds a cache column into input), plus server-tool
counts. Pricing needs the model, the date (rates change), the service tier, whether the
long-context tier applies, and the residency / speed modifiers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Optional

from calculator.errors import InvalidUsageError
from calculator.money import CONTEXT, per_mtok
from pricing import Catalogue

# Usage column -> rate-card key. The order is the display order everywhere.
TOKEN_COLUMNS = {
    "uncached_input": "input",
    "cache_write_5m": "cache_write_5m",
    "cache_write_1h": "cache_write_1h",
    "cache_read": "cache_read",
    "output": "output",
}
# The Admin API's names for the same partitions (cost report token_type, reconcile contract).
ADMIN_TOKEN_TYPES = {
    "uncached_input": "uncached_input_tokens",
    "cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
    "cache_read": "cache_read_input_tokens",
    "output": "output_tokens",
}


@dataclass(frozen=True)
class TokenCounts:
    """Token usage as the five disjoint billed partitions plus web searches."""

    uncached_input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    web_search_requests: int = 0

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise InvalidUsageError(f"{f.name} must be a whole number of tokens, got {v!r}")
            if v < 0:
                raise InvalidUsageError(f"{f.name} must not be negative, got {v}")

    @property
    def total_input(self) -> int:
        """What the long-context threshold looks at: input plus cache writes plus cache reads."""
        return self.uncached_input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    def __add__(self, other: "TokenCounts") -> "TokenCounts":
        return TokenCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def times(self, n: int) -> "TokenCounts":
        return TokenCounts(**{f.name: getattr(self, f.name) * n for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CostLine:
    token_type: str  # a TOKEN_COLUMNS key, or "web_search"
    quantity: int  # tokens, or searches for web_search
    unit_price: Decimal  # USD per MTok for tokens; USD per search for web_search
    cost: Decimal


@dataclass(frozen=True)
class Cost:
    """One priced usage: the lines, their total and what they rest on."""

    model: str
    on: dt.date
    service_tier: str
    long_context: bool
    multiplier: Decimal
    lines: tuple[CostLine, ...]
    source: str
    status: str
    checked: dt.date

    @property
    def total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    def line(self, token_type: str) -> Optional[CostLine]:
        return next((l for l in self.lines if l.token_type == token_type), None)


def price_usage(catalogue: Catalogue, model: str, on: dt.date, usage: TokenCounts, *,
                service_tier: str = "standard", long_context: bool | None = None,
                requests: int = 1, inference_geo: str | None = None,
                speed: str | None = None) -> Cost:
    """Price ``usage`` (the sum over ``requests`` requests) exactly.

    ``long_context=None`` applies the rule itself: when one request's total input (input +
    cache writes + cache reads) exceeds the model's threshold, ALL its tokens, output
    included, are billed at the long-context rates. That needs per-request sizes, so it is
    only decided here for ``requests`` identical requests; readers of aggregated exports pass
    the tier they were given.
    """
    if requests < 1:
        raise InvalidUsageError("requests must be at least 1")
    if long_context is None:
        threshold = catalogue.long_context_threshold(model, on)
        # Whole requests only: the per-request input is the aggregate divided by the count.
        long_context = threshold is not None and usage.total_input > threshold * requests
    resolved = catalogue.resolve(model, on, service_tier=service_tier, long_context=long_context,
                                 inference_geo=inference_geo, speed=speed)
    lines = []
    for column, key in TOKEN_COLUMNS.items():
        tokens = getattr(usage, column)
        rate = resolved.rates.get(key)
        lines.append(CostLine(column, tokens, rate, per_mtok(tokens, rate)))
    if usage.web_search_requests:
        fee = catalogue.web_search_fee(on)
        # Web search is a per-search fee, not halved in batches and not a token rate.
        unit = CONTEXT.divide(fee.usd, Decimal(fee.per))
        lines.append(CostLine("web_search", usage.web_search_requests, unit,
                              CONTEXT.multiply(unit, Decimal(usage.web_search_requests))))
    card = resolved.card
    return Cost(resolved.model.id, on, service_tier, resolved.long_context is not None,
                resolved.multiplier, tuple(lines), card.source, card.status, card.checked)
