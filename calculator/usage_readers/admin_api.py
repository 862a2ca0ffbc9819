"""Fetching reports from the Admin API (``--from-api``), every page, with httpx.

The key comes from ``ANTHROPIC_ADMIN_KEY`` only; it is sent in the ``x-api-key`` header and
never printed, logged or written (error messages are scrubbed of it). ``ANTHROPIC_BASE_URL``
points the client elsewhere (a proxy, or the fake server of the tests). Tests pass an
``httpx.MockTransport`` or a local server.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Iterator, Optional

from calculator.errors import InputError, NetworkError

DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
KEY_ENV = "ANTHROPIC_ADMIN_KEY"
BUCKET_WIDTHS = ("1d", "1h", "1m")
PAGE_LIMITS = {"1d": 31, "1h": 168, "1m": 1440}
USAGE_GROUP_BY = ("model", "service_tier", "context_window", "inference_geo", "speed",
                  "workspace_id", "api_key_id")
RETRY_STATUS = (429, 500, 502, 503, 504, 529)
MAX_PAGES = 10_000


def admin_key() -> str:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise InputError(f"--from-api needs an Admin API key in the environment variable {KEY_ENV} "
                         f"(an sk-ant-admin... key; it is never taken from the command line)")
    return key


def _scrub(text: str, key: str) -> str:
    return text.replace(key, "[ANTHROPIC_ADMIN_KEY]") if key else text


def rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def fetch_pages(path: str, params: dict, *, key: Optional[str] = None, base_url: Optional[str] = None,
                transport=None, timeout: float = 60.0, sleep=time.sleep) -> Iterator[dict]:
    """Every page of an Admin API report, following ``next_page`` while ``has_more``."""
    import httpx

    key = key or admin_key()
    base = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01", "user-agent": "batchcalc"}
    params = dict(params)
    with httpx.Client(base_url=base, headers=headers, timeout=timeout, transport=transport) as client:
        for _ in range(MAX_PAGES):
            response = None
            for attempt in range(4):
                try:
                    response = client.get(path, params=params)
                except httpx.HTTPError as exc:
                    if attempt == 3:
                        raise NetworkError(_scrub(f"Admin API request to {base}{path} failed "
                                                  f"({type(exc).__name__}: {exc})", key)) from None
                    sleep(min(2 ** attempt, 8))
                    continue
                if response.status_code in RETRY_STATUS and attempt < 3:
                    wait = response.headers.get("retry-after")
                    try:
                        delay = min(float(wait), 30.0) if wait else float(2 ** attempt)
                    except ValueError:
                        delay = float(2 ** attempt)
                    sleep(delay)
                    continue
                break
            if response.status_code != 200:
                detail = ""
                try:
                    err = response.json().get("error", {})
                    detail = f": {err.get('type', '')} {err.get('message', '')}".rstrip()
                except Exception:
                    pass
                hint = " (check ANTHROPIC_ADMIN_KEY: an Admin API key is needed)" \
                    if response.status_code in (401, 403) else ""
                raise NetworkError(_scrub(f"Admin API {path} answered HTTP {response.status_code}"
                                          f"{detail}{hint}", key))
            try:
                page = response.json()
            except ValueError:
                raise NetworkError(f"Admin API {path} answered with something that is not JSON") from None
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise NetworkError(f"Admin API {path} answered without a \"data\" list")
            yield page
            if not page.get("has_more"):
                return
            nxt = page.get("next_page")
            if not nxt:
                raise NetworkError(f"Admin API {path}: has_more is true but next_page is missing")
            params["page"] = nxt
        raise NetworkError(f"Admin API {path}: more than {MAX_PAGES} pages; narrow the date range")


def usage_params(since: dt.date, until: dt.date, bucket_width: str = "1d",
                 group_by: tuple[str, ...] = USAGE_GROUP_BY) -> dict:
    """Query parameters for the usage report over [since, until] (both inclusive days)."""
    if bucket_width not in BUCKET_WIDTHS:
        raise InputError(f"--bucket-width {bucket_width!r}: expected one of {', '.join(BUCKET_WIDTHS)}")
    if until < since:
        raise InputError(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    return {"starting_at": rfc3339(since), "ending_at": rfc3339(until + dt.timedelta(days=1)),
            "bucket_width": bucket_width, "group_by[]": list(group_by),
            "limit": PAGE_LIMITS[bucket_width]}


def cost_params(since: dt.date, until: dt.date, group_by: tuple[str, ...] = ("workspace_id", "description")) -> dict:
    if until < since:
        raise InputError(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    return {"starting_at": rfc3339(since), "ending_at": rfc3339(until + dt.timedelta(days=1)),
            "bucket_width": "1d", "group_by[]": list(group_by), "limit": 31}
