"""Option values shared by several commands (estimate, count, check, plan, report), parsed one way."""

import functools
import inspect
from enum import Enum
from typing import Annotated, Callable, Optional

import typer

from calculator.net import DEFAULT_TIMEOUT
from calculator.workloads.cache import DEFAULTS, OPTION_NAMES, CacheAssumptions

TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", min=0.001, metavar="SECONDS",
    help=f"With the network (--exact, --from-api): give up after this many seconds in all "
         f"(default {DEFAULT_TIMEOUT:g}).")]

# The output assumption of a request file (count, check).
OutputTokensOpt = Annotated[Optional[int], typer.Option(
    "--output-tokens", "-O", min=0, help="Assume this many output tokens per request (capped at max_tokens).")]
OutputRatioOpt = Annotated[Optional[str], typer.Option(
    "--output-ratio", metavar="R", help="Assume each request outputs this fraction of its max_tokens (0-1 or 40%).")]


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
_sync, _batch = DEFAULTS["sync"], DEFAULTS["batch"]
# (parameter name, key of CacheAssumptions.given, type, option and help)
_CACHE_OPTIONS = [
    ("cache_hit_rate", "hit_rate", Optional[str], typer.Option(
        "--cache-hit-rate", metavar="H", rich_help_panel=_PANEL,
        help="Fraction of requests that read the shared prefix from cache (0-1 or 80%), for sync and batch "
             "alike; a value outside the default range widens the range shown.")),
    ("sync_hit_rate", "sync_hit_rate", Optional[str], typer.Option(
        "--sync-hit-rate", metavar="H", rich_help_panel=_PANEL,
        help=f"Hit rate of sync+cache only. Default {_sync.hit_rate} (range {_sync.low:.0%}-{_sync.high:.0%}): "
             f"{_sync.why}.")),
    ("batch_hit_rate", "batch_hit_rate", Optional[str], typer.Option(
        "--batch-hit-rate", metavar="H", rich_help_panel=_PANEL,
        help=f"Hit rate of batch+cache only. Default {_batch.hit_rate} (range {_batch.low:.0%}-{_batch.high:.0%}): "
             f"{_batch.why}.")),
    ("cache_ttl", "ttl", Optional[TTL], typer.Option(
        "--cache-ttl", rich_help_panel=_PANEL,
        help="Cache TTL for sync and batch alike (replaces the TTL of cache_control breakpoints).")),
    ("sync_cache_ttl", "sync_ttl", Optional[TTL], typer.Option(
        "--sync-cache-ttl", rich_help_panel=_PANEL, help=f"TTL of sync+cache only. Default {_sync.ttl}: {_sync.ttl_why}.")),
    ("batch_cache_ttl", "batch_ttl", Optional[TTL], typer.Option(
        "--batch-cache-ttl", rich_help_panel=_PANEL,
        help=f"TTL of batch+cache only. Default {_batch.ttl}: {_batch.ttl_why}.")),
]


def cache_options(command: Callable) -> Callable:
    """Give a command the six prompt-cache options; it receives them as one ``cache:
    CacheAssumptions`` argument (built here, once, for every command)."""
    sig = inspect.signature(command, eval_str=True)
    params = [p for name, p in sig.parameters.items() if name != "cache"]
    at = next((i for i, p in enumerate(params) if p.name == "on"), len(params))
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[kind, opt])
             for name, _, kind, opt in _CACHE_OPTIONS]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        given = {key: kwargs.pop(name) for name, key, _, _ in _CACHE_OPTIONS}
        return command(*args, cache=CacheAssumptions.given(OPTION_NAMES, **given), **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params[:at] + added + params[at:])
    return wrapper
