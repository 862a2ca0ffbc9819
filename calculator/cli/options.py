"""Option values shared by several commands (estimate, count, plan, report), parsed one way."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from calculator.workloads.cache import OPTION_NAMES, CacheAssumptions


class TTL(str, Enum):
    m5 = "5m"
    h1 = "1h"


class Geo(str, Enum):
    global_ = "global"
    us = "us"


class Speed(str, Enum):
    standard = "standard"
    fast = "fast"


class Per(str, Enum):
    month = "month"
    week = "week"


_PANEL = "Prompt cache"
CacheHitRateOpt = Annotated[Optional[str], typer.Option(
    "--cache-hit-rate", metavar="H", rich_help_panel=_PANEL,
    help="Fraction of requests that read the shared prefix from cache (0-1 or 80%), for sync and batch "
         "alike; a value outside the default range widens the range shown.")]
SyncHitRateOpt = Annotated[Optional[str], typer.Option(
    "--sync-hit-rate", metavar="H", rich_help_panel=_PANEL,
    help="Hit rate of sync+cache only. Default 0.90 (range 70%-98%): requests sent in sequence keep a "
         "5-minute entry warm (an assumption).")]
BatchHitRateOpt = Annotated[Optional[str], typer.Option(
    "--batch-hit-rate", metavar="H", rich_help_panel=_PANEL,
    help="Hit rate of batch+cache only. Default 0.64, the middle of the 30%-98% Anthropic quotes for batches.")]
CacheTTLOpt = Annotated[Optional[TTL], typer.Option(
    "--cache-ttl", rich_help_panel=_PANEL,
    help="Cache TTL for sync and batch alike (replaces the TTL of cache_control breakpoints).")]
SyncTTLOpt = Annotated[Optional[TTL], typer.Option(
    "--sync-cache-ttl", rich_help_panel=_PANEL, help="TTL of sync+cache only. Default 5m.")]
BatchTTLOpt = Annotated[Optional[TTL], typer.Option(
    "--batch-cache-ttl", rich_help_panel=_PANEL,
    help="TTL of batch+cache only. Default 1h, which Anthropic recommends for batches.")]


def cache_options(hit_rate, sync_hit_rate, batch_hit_rate, ttl, sync_ttl, batch_ttl) -> CacheAssumptions:
    """The cache assumptions the six options give (defaults where not given)."""
    return CacheAssumptions.given(OPTION_NAMES, hit_rate=hit_rate, sync_hit_rate=sync_hit_rate,
                                  batch_hit_rate=batch_hit_rate, ttl=ttl, sync_ttl=sync_ttl, batch_ttl=batch_ttl)
