"""The canonical Usage frame: what every usage reader produces and pricing consumes.

One row per (period, model, service_tier, context_tier, inference_geo, speed, workspace,
api_key, source) with int64 counts::

    uncached_input  cache_write_5m  cache_write_1h  cache_read  output     (disjoint token partitions)
    web_search_requests  requests                                           (server tools, requests)

Anthropic's ``input_tokens`` EXCLUDES cached tokens, so the five token columns are disjoint and
are never added into each other. Readers deliver the frame in *chunks* (``Chunk``: a pyarrow
table of row-level records with these columns, plus where each row came from) so a file is never
bounded by memory; the engine (``calculator.engine``) normalises, validates, prices and aggregates them: the readers
pass dimension values through as found.

Normalised values:
    period        YYYY-MM-DD (daily buckets) or YYYY-MM-DDTHH:MM (hourly / minute buckets), UTC
    model         the catalogue's canonical id ("claude-sonnet-4-6"), whatever spelling the file used
    service_tier  standard | batch | an unpriced tier of the catalogue (priority, flex, ...)
    context_tier  base | long   (exports say "0-200k" / "200k-1M"; Haiku 5.5's threshold is 100K)
    inference_geo global | us | ...   speed  standard | fast
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# The frame's columns: dimensions as the readers find them, then the int64 counts.
RAW_DIMENSIONS = ("period", "model", "service_tier", "context_tier", "inference_geo", "speed",
                  "workspace", "api_key", "source")
DIMENSIONS = RAW_DIMENSIONS
TOKEN_COUNTS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output")
COUNTS = (*TOKEN_COUNTS, "web_search_requests", "requests")


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


