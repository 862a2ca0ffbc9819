"""The engine's rate table, generated from the catalogue through ``costing.price_usage``.

One row per (model, service tier, context tier, inference geo, speed) and *rate epoch*: a span of
days over which nothing that prices that model changes (rate cards, long-context windows,
residency and fast-mode windows, the web-search fee). Each row holds the USD-per-million rate of
every count column for the actual tier, for the other tier (batch <-> standard: realised and
missed savings) and for batch with cached tokens billed as uncached input; or the reason it
cannot be priced. The rates are read off ``price_usage`` applied to one million of each unit, so
the engine's price of a row is ``price_usage``'s by construction (and a property test checks
the sums to the last digit).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from calculator.costing import TokenCounts, price_usage
from calculator.errors import InvalidUsageError, ModelError
from pricing import Catalogue

# Count columns priced per unit, in rate-table order (web search: per million searches).
PRICED = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search_requests")
NOT_GROUPED = "(not grouped)"  # a dimension the export was not grouped by (null in the Admin API)
FIRST_DAY = dt.date(1, 1, 1)
LAST_DAY = dt.date(9999, 12, 31)
MILLION = 1_000_000


@dataclass(frozen=True)
class PricedKey:
    """One rate-table row's meaning, for price sources and the long table."""

    model: str
    service_tier: str
    long_context: bool
    multiplier: Decimal
    source: str
    status: str
    checked: dt.date


def epoch_bounds(catalogue: Catalogue, model_id: str) -> list[dt.date]:
    """The days on which any price of ``model_id`` may change, sorted."""
    dates: set[dt.date] = set()
    try:
        m = catalogue.model(model_id)
        windows = [*m.rate_cards, *m.fast_mode]
        for card in m.rate_cards:
            windows.extend(card.long_context)
    except ModelError:
        windows = []
    windows += [*catalogue.meta.residency, *catalogue.meta.web_search]
    for w in windows:
        for d in (w.effective_from, w.effective_to):
            if d is not None:
                dates.add(d)
    return sorted(dates)


def all_bounds(catalogue: Catalogue) -> list[dt.date]:
    """The days on which any price of any catalogue model may change, sorted: between two of
    them every model has one rate per pricing key."""
    return sorted({d for m in catalogue.models for d in epoch_bounds(catalogue, m.id)}
                  | set(epoch_bounds(catalogue, NOT_GROUPED)))


def _rates(catalogue: Catalogue, model: str, day: dt.date, tier: str, ctx: str, geo: str, speed: str):
    """(rates per PRICED column in USD per million units, the Cost) or (None, reason)."""
    if model == NOT_GROUPED:
        return None, "the export is not grouped by model"
    if tier == NOT_GROUPED:
        return None, "the export is not grouped by service tier"
    million = TokenCounts(**{c: MILLION for c in PRICED})
    try:
        cost = price_usage(catalogue, model, day, million, service_tier=tier, long_context=ctx == "long",
                           inference_geo=geo, speed=None if speed == "standard" else speed)
    except (ModelError, InvalidUsageError) as exc:
        return None, str(exc)
    return tuple(cost.line(c if c != "web_search_requests" else "web_search").cost for c in PRICED), cost


def _nocache(rates: tuple) -> tuple:
    """Batch rates with every input column billed as uncached input."""
    return (rates[0],) * 4 + rates[4:]


def rate_rows(catalogue: Catalogue, keys) -> tuple[list[tuple], dict[int, PricedKey]]:
    """Rate-table rows for the normalised ``keys`` (model, tier, ctx, geo, speed), every epoch.

    Row: (rate_id, model, service_tier, context_tier, inference_geo, speed, valid_from,
    valid_to, reason, alt_reason, missable, is_batch, *actual rates, *alt rates, *nocache rates).
    """
    rows = []
    meta: dict[int, PricedKey] = {}
    bounds_of: dict[str, list[dt.date]] = {}
    for model, tier, ctx, geo, speed in sorted(keys):
        bounds = bounds_of.get(model)
        if bounds is None:
            bounds = bounds_of[model] = epoch_bounds(catalogue, model) if model != NOT_GROUPED else []
        edges = [FIRST_DAY, *bounds, LAST_DAY]
        for start, end in zip(edges, edges[1:]):
            if start >= end:
                continue
            actual, cost = _rates(catalogue, model, start, tier, ctx, geo, speed)
            alt = nocache = None
            alt_reason = None
            reason = cost if actual is None else None
            if actual is not None and tier in ("standard", "batch"):
                other = "batch" if tier == "standard" else "standard"
                if tier == "standard" and speed == "fast":
                    alt_reason = "fast mode has no batch equivalent"
                else:
                    alt, why = _rates(catalogue, model, start, other, ctx, geo, speed)
                    alt_reason = why if alt is None else None
                    if alt is not None and other == "batch":
                        nocache = _nocache(alt)
            rate_id = len(rows)
            if actual is not None:
                meta[rate_id] = PricedKey(cost.model, tier, cost.long_context, cost.multiplier, cost.source,
                                          cost.status, cost.checked)
            is_batch = tier == "batch" and alt is not None
            missable = tier == "standard" and speed == "standard" and alt is not None
            none = (None,) * len(PRICED)
            rows.append((rate_id, model, tier, ctx, geo, speed, start, end, reason, alt_reason, missable, is_batch,
                         *(actual or none), *(alt or none), *(nocache or none)))
    return rows, meta


def scale_of(rows: list[tuple]) -> int:
    """Decimal places that hold every rate exactly (one DECIMAL type for the whole table)."""
    places = 0
    for row in rows:
        for v in row[12:]:
            if v is not None:
                places = max(places, -min(0, v.normalize().as_tuple().exponent))
    return places


def epoch_of(bounds: list[dt.date], day: dt.date) -> int:
    return bisect.bisect_right(bounds, day)


def describe(meta: Optional[PricedKey]) -> str:
    return "" if meta is None else ("long-context rates" if meta.long_context else "")
