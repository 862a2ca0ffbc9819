"""The canonical Usage frame: what every usage reader produces and pricing consumes.

One row per (period, model, service_tier, context_tier, inference_geo, speed, workspace,
api_key, source) with int64 counts::

    uncached_input  cache_write_5m  cache_write_1h  cache_read  output     (disjoint token partitions)
    web_search_requests  requests                                           (server tools, requests)

Anthropic's ``input_tokens`` EXCLUDES cached tokens, so the five token columns are disjoint and
are never added into each other. Readers deliver the frame in *chunks* (``Chunk``: a pyarrow
table of row-level records with these columns, plus where each row came from) so a file is never
bounded by memory; ``read_usage_frame`` concatenates and groups them into one pandas frame for
library use and small inputs. Dimension values are normalised by the aggregator
(``calculator.usage_analysis``): the readers pass them through as found.

Normalised values:
    period        YYYY-MM-DD (daily buckets) or YYYY-MM-DDTHH:MM (hourly / minute buckets), UTC
    model         the catalogue's canonical id ("claude-sonnet-4-6"), whatever spelling the file used
    service_tier  standard | batch | an unpriced tier of the catalogue (priority, flex, ...)
    context_tier  base | long   (exports say "0-200k" / "200k-1M"; Haiku 5.5's threshold is 100K)
    inference_geo global | us | ...   speed  standard | fast
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Optional

DIMENSIONS = ("period", "model", "service_tier", "context_tier", "inference_geo", "speed",
              "workspace", "api_key", "source")
# The dimensions a rate depends on (plus source, so two exports of one bucket can be told apart).
PRICING_DIMENSIONS = ("period", "model", "service_tier", "context_tier", "inference_geo", "speed",
                      "source")
TOKEN_COUNTS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output")
COUNTS = (*TOKEN_COUNTS, "web_search_requests", "requests")

NOT_GROUPED = "(not grouped)"  # a dimension the export was not grouped by (a null in the Admin API)

CONTEXT_SPELLINGS = {
    "": "base", "base": "base", "standard": "base", "0-200k": "base", "≤ 200k": "base",
    "≤200k": "base", "<= 200k": "base", "<=200k": "base", "< 200k": "base", "<200k": "base",
    "0-100k": "base",
    "long": "long", "200k-1m": "long", "> 200k": "long", ">200k": "long", "200k+": "long",
    "100k-1m": "long", "1m": "long",
}
# The Admin API's names, for output.
CONTEXT_WINDOW_NAMES = {"base": "0-200k", "long": "200k-1M"}
TIER_SPELLINGS = {
    "standard": "standard", "sync": "standard", "messages": "standard", "on_demand": "standard",
    "batch": "batch", "batches": "batch", "message_batch": "batch", "message_batches": "batch",
    "batch_api": "batch",
}
SPEED_SPELLINGS = {"": "standard", "standard": "standard", "normal": "standard", "fast": "fast"}


@dataclass
class Chunk:
    """A slice of row-level usage: a pyarrow table with (some of) the canonical columns.

    Missing dimension columns mean "not in this export"; missing count columns are zero.
    ``locate(i)`` says where row ``i`` came from ("line 12", "data[0].results[3]").
    """

    table: "object"  # pyarrow.Table
    path: str
    locate: Callable[[int], str]
    line_based: bool = True  # locate() gives "line N"
    # Rows are buckets (one per period and dimensions: a repeat is a duplicate) rather than
    # single requests (batch results: many requests share the dimensions; custom_id dedups them).
    buckets: bool = True


@dataclass
class ReaderInfo:
    """What a reader learnt besides the rows: counts to show, notes for the report."""

    source: str
    paths: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def normalise_period(raw: str) -> Optional[str]:
    """"2026-03-13", "2026-03-13T00:00:00Z", "2026-03-13 05:00:00" -> period; None if not a date."""
    s = raw.strip()
    if len(s) < 10:
        return None
    try:
        day = dt.date.fromisoformat(s[:10])
    except ValueError:
        return None
    rest = s[10:].lstrip("T ").rstrip("Z").split("+")[0]
    if not rest or rest.strip("0:.") == "":
        return day.isoformat()
    try:
        t = dt.time.fromisoformat(rest[:8] if len(rest) >= 5 else rest)
    except ValueError:
        return None
    if t.hour == 0 and t.minute == 0:
        return day.isoformat()
    return f"{day.isoformat()}T{t.hour:02d}:{t.minute:02d}"


def period_day(period: str) -> dt.date:
    return dt.date.fromisoformat(period[:10])


def read_usage_frame(paths, *, source: str | None = None, mapping: dict[str, str] | None = None,
                     on: dt.date | None = None, catalogue=None, skip_invalid: bool = False):
    """Read usage files into one canonical Usage frame (pandas), grouped by every dimension.

    For library use and inputs that fit in memory; ``batchcalc usage`` streams the chunks into
    ``calculator.usage_analysis`` instead.
    """
    from calculator.usage_analysis import UsageAnalyser
    from calculator.usage_readers import open_usage

    if catalogue is None:
        from pricing import load_catalogue

        catalogue = load_catalogue()
    reader = open_usage(paths, source=source, mapping=mapping, on=on)
    analyser = UsageAnalyser(catalogue, skip_invalid=skip_invalid, keep_frame=True)
    analyser.consume(reader)
    return analyser.frame()
