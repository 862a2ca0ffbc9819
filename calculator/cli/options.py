"""The options several commands share, each declared once (a typer ``Annotated`` alias; ``in_panel``
files one under a --help panel), and the option values they parse one way. The output options every
command takes (--format, -o, --on, --prices, --compare-to) are in app.py, beside ``emit``."""

import copy
import datetime as dt
import functools
import inspect
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from calculator.net import DEFAULT_TIMEOUT
from calculator.workloads.cache import DEFAULTS, OPTION_NAMES, CacheAssumptions

def in_panel(alias, panel: str):
    """The option ``alias`` listed under ``panel`` in a command's --help."""
    info = copy.copy(alias.__metadata__[0])
    info.rich_help_panel = panel
    return Annotated[alias.__origin__, info]


TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", min=0.001, metavar="SECONDS",
    help=f"With the network (--exact, --from-api): give up after this many seconds in all "
         f"(default {DEFAULT_TIMEOUT:g}).")]

# The output assumption of a request file (count, check).
OutputTokensOpt = Annotated[Optional[int], typer.Option(
    "--output-tokens", "-O", min=0, help="Assume this many output tokens per request (capped at max_tokens).")]
OutputRatioOpt = Annotated[Optional[str], typer.Option(
    "--output-ratio", metavar="R", help="Assume each request outputs this fraction of its max_tokens (0-1 or 40%).")]


OutputFromOpt = Annotated[Optional[str], typer.Option(
    "--output-from", metavar="RESULTS", help="Take output tokens from a batch results JSONL (joined on custom_id).")]


class TTL(str, Enum):
    m5 = "5m"
    h1 = "1h"


class Speed(str, Enum):
    standard = "standard"
    fast = "fast"


class Geo(str, Enum):
    global_ = "global"
    us = "us"


class Per(str, Enum):
    month = "month"
    week = "week"


# A described workload (estimate, report).
RequestsOpt = Annotated[int, typer.Option("--requests", "-n", min=1, help="Number of requests.")]
InputTokensOpt = Annotated[int, typer.Option(
    "--input-tokens", "-i", min=0, help="Input tokens per request: the whole prompt (system, tools, messages).")]
CachedPrefixOpt = Annotated[int, typer.Option(
    "--cached-prefix-tokens", "-p", min=0,
    help="Tokens at the start of every prompt that are identical across requests (part of --input-tokens).")]
InferenceGeoOpt = Annotated[Geo, typer.Option(
    "--inference-geo", help="Data residency: us costs 1.1x on eligible models.")]

# A sample of requests (count, report).
ScaleToOpt = Annotated[Optional[int], typer.Option(
    "--scale-to", min=1, metavar="N", help="Also price N requests like the sample's per --per period (the summary then shows "
                                           "that period).")]
PerOpt = Annotated[Per, typer.Option("--per", help="The period of --scale-to.")]
ExactOpt = Annotated[bool, typer.Option(
    "--exact", help="Count input tokens with the count_tokens API (network; key from ANTHROPIC_API_KEY).")]
CalibrationOpt = Annotated[Optional[str], typer.Option(
    "--calibration", metavar="PATH", help="Calibration file of the token estimator (default "
                                          "$BATCHCALC_CALIBRATION, else $XDG_CONFIG_HOME/batchcalc/calibration.yaml).")]

# Input files (usage, reconcile, count, report).
SkipInvalidOpt = Annotated[bool, typer.Option(
    "--skip-invalid", help="Skip and count bad input (a malformed line or row, a negative or non-integer count, "
                           "an unknown model or tier, a duplicate, an empty file) instead of stopping at the first.")]

# Usage (usage, reconcile, report).


class Source(str, Enum):
    batch_results = "batch-results"
    admin_usage = "admin-usage"
    analytics_usage = "analytics-usage"
    console_csv = "console-csv"
    generic_csv = "generic-csv"
    parquet = "parquet"


SourceOpt = Annotated[Optional[Source], typer.Option(
    "--source", help="The usage format, instead of detecting it.", case_sensitive=False)]
MapOpt = Annotated[Optional[list[str]], typer.Option(
    "--map", metavar="NAME=COLUMN",
    help="Column mapping for a generic usage CSV: NAME is one of period, model, service_tier, "
         "context_tier, inference_geo, speed, workspace, api_key, uncached_input, cache_write_5m, "
         "cache_write_1h, cache_read, output, web_search_requests, requests. Repeatable.")]
TierMapOpt = Annotated[Optional[list[str]], typer.Option(
    "--tier-map", metavar="RAW=TIER",
    help="Read another usage_type spelling as a service tier: RAW=standard or RAW=batch. Repeatable.")]
SinceOpt = Annotated[Optional[str], typer.Option(
    "--since", metavar="DATE", help="Only days on or after this one (YYYY-MM-DD).")]
UntilOpt = Annotated[Optional[str], typer.Option(
    "--until", metavar="DATE", help="Only days on or before this one (YYYY-MM-DD).")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Usage that cannot be priced is an error instead of a counted warning.")]

# Reconciliation (reconcile, report).
ToleranceOpt = Annotated[Optional[list[str]], typer.Option(
    "--tolerance", "-t", metavar="AMOUNT",
    help="A line is within tolerance when |billed - expected| <= max(dollars, percent of expected). "
         "Give dollars (default 0.01: sub-cent rounding is ignored) and/or a percentage such as 0.5% "
         "(default 0%).")]
ContractOpt = Annotated[Optional[Path], typer.Option(
    "--contract", help="contract.yaml with a negotiated discount (global discount_percent and/or "
                       "per-model models: {id: percent}): expected prices are reduced by it.")]

# Batches and plans (batches, plan, report).
ResultsOpt = Annotated[Optional[list[str]], typer.Option(
    "--results", metavar="BATCH_ID=FILE",
    help="A batch's results file, whatever its name. Repeatable.")]
TryModelOpt = Annotated[Optional[list[str]], typer.Option(
    "--try-model", metavar="MODEL",
    help="Also price every workload of the plan (a workloads file) on this model (tokens scaled by the "
         "tokenizer difference): per workload and in total, beside today's. Repeatable.")]


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


class Api(str, Enum):
    analytics = "analytics"
    legacy = "legacy"


ApiOpt = Annotated[Api, typer.Option(
    "--api", case_sensitive=False,
    help="--from-api source: analytics (the Usage and Cost Analytics API: request counts, list price "
         "beside the amount billed; key in ANTHROPIC_ADMIN_KEY or a read:analytics key in "
         "ANTHROPIC_ANALYTICS_KEY) or legacy (the Admin API usage and cost reports, ANTHROPIC_ADMIN_KEY).")]
SaveResponsesOpt = Annotated[Optional[Path], typer.Option(
    "--save-responses", metavar="DIR", file_okay=False,
    help="With --from-api --api analytics: write every response page to DIR, so the run can be "
         "audited and replayed offline (pass DIR as the input instead of --from-api).")]


def check_save_responses(api: Api, from_api: bool, save_dir: Optional[Path]) -> None:
    if save_dir is not None and not (from_api and api == Api.analytics):
        raise typer.BadParameter("it saves the pages of --from-api with --api analytics (the default)",
                                 param_hint="--save-responses")


@dataclass
class ApiPages:
    """What --from-api fetched: the usage pages and (``cost=True``) the cost pages, in memory so
    that one fetch can serve two reports; ``pages_from`` as ``engine.UsageOptions``."""

    usage: list
    cost: Optional[list]
    pages_from: str


def api_pages(api: Api, since: Optional[dt.date], until: Optional[dt.date], *, cost: bool = False,
              bucket_width: str = "1d", group_by: tuple[str, ...] = (), save_dir: Optional[Path] = None,
              timeout: float = DEFAULT_TIMEOUT) -> ApiPages:
    """--from-api: every page for --since/--until (default the last 30 days) from the Analytics
    API or (``Api.legacy``) the Admin API reports."""
    end = until or dt.datetime.now(dt.timezone.utc).date()
    start = since or end - dt.timedelta(days=30)
    if api == Api.analytics:
        from calculator.readers import analytics_api

        query = analytics_api.Query(start, end, time_bucket_width=bucket_width, group_by=group_by or None)
        usage = list(analytics_api.fetch_pages("usage", query, save_dir=save_dir, timeout=timeout))
        costs = list(analytics_api.fetch_pages("cost", query, save_dir=save_dir, timeout=timeout)) if cost else None
        return ApiPages(usage, costs, "analytics")
    from calculator import admin_api

    usage = list(admin_api.fetch_pages(admin_api.USAGE_PATH, admin_api.usage_params(
        start, end, bucket_width, group_by or admin_api.USAGE_GROUP_BY), timeout=timeout))
    costs = list(admin_api.fetch_pages(admin_api.COST_PATH, admin_api.cost_params(start, end), timeout=timeout)) \
        if cost else None
    return ApiPages(usage, costs, "admin")
