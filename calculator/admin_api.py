"""The Admin API reports behind ``--from-api``: their paths, their query parameters, and every
page fetched through :mod:`calculator.net` (deadline, retries, breaker, page limit, repeated
cursors, answers checked).

The key comes from ``ANTHROPIC_ADMIN_KEY`` only, checked and scrubbed from every output
(:mod:`calculator.scrub`). ``ANTHROPIC_BASE_URL`` points the client elsewhere (a proxy, or the
fake servers of the tests).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Optional

from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT, Api

USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
KEY_ENV = "ANTHROPIC_ADMIN_KEY"
BUCKET_WIDTHS = ("1d", "1h", "1m")
PAGE_LIMITS = {"1d": 31, "1h": 168, "1m": 1440}
USAGE_GROUP_BY = ("model", "service_tier", "context_window", "inference_geo", "speed",
                  "workspace_id", "api_key_id")


def rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _window(since: dt.date, until: dt.date) -> dict:
    if until < since:
        raise InputError(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    return {"starting_at": rfc3339(since), "ending_at": rfc3339(until + dt.timedelta(days=1))}


def usage_params(since: dt.date, until: dt.date, bucket_width: str = "1d",
                 group_by: tuple[str, ...] = USAGE_GROUP_BY) -> dict:
    """Query parameters for the usage report over [since, until] (both inclusive days)."""
    if bucket_width not in BUCKET_WIDTHS:
        raise InputError(f"--bucket-width {bucket_width!r}: expected one of {', '.join(BUCKET_WIDTHS)}")
    return {**_window(since, until), "bucket_width": bucket_width, "group_by[]": list(group_by),
            "limit": PAGE_LIMITS[bucket_width]}


def cost_params(since: dt.date, until: dt.date, group_by: tuple[str, ...] = ("workspace_id", "description")) -> dict:
    return {**_window(since, until), "bucket_width": "1d", "group_by[]": list(group_by), "limit": 31}


def fetch_pages(path: str, params: dict, *, timeout: float = DEFAULT_TIMEOUT, base_url: Optional[str] = None,
                transport=None) -> Iterator[dict]:
    """Every page of an Admin API report, following ``next_page`` while ``has_more``."""
    from calculator.scrub import key_from_env

    api = Api(key=key_from_env(KEY_ENV, "--from-api (an sk-ant-admin... key)"), key_env=KEY_ENV,
              base_url=base_url, timeout=timeout, transport=transport)
    try:
        yield from api.pages(path, params, what=f"Admin API {path}")
    finally:
        api.close()
