"""Option values shared by several commands (estimate, count, report, usage, reconcile), parsed
one way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.errors import InputError


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


def parse_fraction(value: Optional[str], option: str, *, lo: Decimal = Decimal(0),
                   hi: Optional[Decimal] = Decimal(1)) -> Optional[Decimal]:
    """A number such as 0.8 or a percentage such as 80%, checked against [lo, hi]."""
    if value is None:
        return None
    try:
        d = Decimal(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except InvalidOperation:
        raise InputError(f"{option} {value!r}: expected a number (0.8) or a percentage (80%)") from None
    if not d.is_finite() or d < lo or (hi is not None and d > hi):
        raise InputError(f"{option} {value!r}: expected a number between {lo} and {hi}")
    return d


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
    help="With --from-api --api analytics: write every raw response page to DIR, so the run can be "
         "audited and replayed offline (pass DIR as the input instead of --from-api).")]


def api_range(since: Optional[dt.date], until: Optional[dt.date]) -> tuple[dt.date, dt.date]:
    """The days --from-api asks for: --since/--until, by default the last 30 days."""
    end = until or dt.datetime.now(dt.timezone.utc).date()
    return since or end - dt.timedelta(days=30), end


def api_sources(api: Api, since: Optional[dt.date], until: Optional[dt.date], *, cost: bool = False,
                bucket_width: str = "1d", group_by: tuple[str, ...] = (), save_dir: Optional[Path] = None,
                catalogue=None, policy=None):
    """--from-api: (usage source, cost source or None) for the range, every page fetched from the
    Analytics API or (``Api.legacy``) the Admin API reports. Both sources can be read twice."""
    if api == Api.analytics:
        from calculator.readers import analytics_api
        from calculator.readers.analytics_legacy import AnalyticsCostSource, AnalyticsUsageSource

        start, end = api_range(since, until)
        query = analytics_api.Query(start, end, time_bucket_width=bucket_width, group_by=group_by or None)
        usage_src = AnalyticsUsageSource(analytics_api.fetch_usage(query, save_dir=save_dir),
                                         "Analytics API usage", policy=policy)
        cost_src = AnalyticsCostSource(analytics_api.fetch_cost(query, save_dir=save_dir), "Analytics API cost",
                                       catalogue=catalogue, policy=policy) if cost else None
        return usage_src, cost_src
    from calculator.cost_readers import CostSource
    from calculator.usage_readers import UsageSource, admin_api

    start, end = api_range(since, until)
    params = admin_api.usage_params(start, end, bucket_width, group_by or admin_api.USAGE_GROUP_BY)
    usage_src = UsageSource(pages=list(admin_api.fetch_pages(admin_api.USAGE_PATH, params)),
                            catalogue=catalogue, policy=policy)
    cost_src = CostSource(pages=list(admin_api.fetch_pages(admin_api.COST_PATH, admin_api.cost_params(start, end))),
                          catalogue=catalogue, policy=policy) if cost else None
    return usage_src, cost_src


def read_again(src, policy):
    """Another reading of a --from-api usage source (the pages are in memory), with its own
    policy and notes, so that two reports of one fetch do not count a skipped row twice."""
    import copy
    import dataclasses

    again = copy.copy(src)
    again.policy = policy
    again.info = dataclasses.replace(src.info, warnings=list(src.info.warnings), stats=dict(src.info.stats),
                                     assumptions=list(src.info.assumptions))
    return again


def check_save_responses(api: Api, from_api: bool, save_dir: Optional[Path]) -> None:
    if save_dir is not None and not (from_api and api == Api.analytics):
        raise typer.BadParameter("it saves the pages of --from-api with --api analytics (the default)",
                                 param_hint="--save-responses")


def saved_analytics(paths, *, cost: bool = False, catalogue=None, policy=None):
    """Saved Analytics API pages (``--save-responses`` directories, or files) among ``paths`` as
    (usage source, cost source), or None when there are none."""
    from calculator.readers.analytics import looks_like_analytics, read_cost, read_usage
    from calculator.readers.analytics_legacy import AnalyticsCostSource, AnalyticsUsageSource
    from calculator.usage_readers._io import expand, head

    files = expand([str(p) for p in paths])
    # A pipe or standard input cannot be read twice (once here to detect, once by its reader):
    # it goes to the other readers, and saved pages come as files or directories.
    kinds = {p: looks_like_analytics(head(p)) if Path(p).is_file() else None for p in files}
    if not any(kinds.values()):
        return None
    others = [p for p in files if not kinds[p]]
    if others:
        raise InputError("Analytics API pages and other exports cannot be read in one run: give them "
                         "in separate runs", path=others[0])
    usage = [p for p in files if kinds[p] == "analytics_usage"]
    costs = [p for p in files if kinds[p] == "analytics_cost"]
    if not usage:
        raise InputError("no Analytics API usage pages: these are cost pages (`batchcalc reconcile` reads "
                         "them beside the usage pages)", path=files[0])
    name = ", ".join(str(p) for p in paths)
    usage_src = AnalyticsUsageSource(read_usage(usage), name, policy=policy)
    if not cost:
        return usage_src, None
    if not costs:
        raise InputError("no Analytics API cost pages among the saved pages (fetch them with "
                         "`batchcalc reconcile --from-api --save-responses DIR`)", path=files[0])
    return usage_src, AnalyticsCostSource(read_cost(costs), name, catalogue=catalogue, policy=policy)
