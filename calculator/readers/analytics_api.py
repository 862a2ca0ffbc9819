"""``--from-api``: the Usage and Cost Analytics API fetched with httpx, every page.

    GET /v1/organizations/analytics/usage     token and request counts
    GET /v1/organizations/analytics/cost      USD: amount (after discount) and list_amount

Every request sends ``anthropic-beta: analytics-usage-cost-2026-08-24`` and
``anthropic-version``. The key comes from ``ANTHROPIC_ADMIN_KEY`` or, failing that,
``ANTHROPIC_ANALYTICS_KEY`` (a key with the ``read:analytics`` scope); it is sent in the
``x-api-key`` header and never printed, logged or written. ``ANTHROPIC_BASE_URL`` points the
client elsewhere (a proxy, the fake server of the tests).

With ``save_dir`` every raw page is written as received (``analytics_usage_p0001.json``, ...), so
a month-end run can be audited and replayed offline: the saved directory is read by
``calculator.readers.analytics.read_usage`` / ``read_cost``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Literal, Optional

from calculator.errors import InputError, NetworkError
from calculator.readers.analytics import FIELDS, cost_table, usage_table

Endpoint = Literal["usage", "cost"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
PATHS = {"usage": "/v1/organizations/analytics/usage", "cost": "/v1/organizations/analytics/cost"}
BETA = "analytics-usage-cost-2026-08-24"
API_VERSION = "2023-06-01"
KEY_ENVS = ("ANTHROPIC_ADMIN_KEY", "ANTHROPIC_ANALYTICS_KEY")
# The largest page size is not documented: a modest one that any maximum will allow.
PAGE_SIZE = 100
DEADLINE_SECONDS = 300.0
MAX_PAGES = 1000
RETRY_STATUS = (429, 500, 502, 503, 504, 529)
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER = 30.0
# Not before this instant, and within the last 365 days (data-formats.md 4).
EARLIEST = dt.date(2026, 1, 1)
USAGE_GROUP_BY = ("model", "service_tier", "context_window", "inference_geo", "workspace_id", "api_key_id")
COST_GROUP_BY = (*USAGE_GROUP_BY, "cost_type", "token_type")


def analytics_key() -> str:
    for env in KEY_ENVS:
        key = os.environ.get(env, "").strip()
        if key:
            return key
    raise InputError("--from-api needs a key in the environment: ANTHROPIC_ADMIN_KEY (an Admin API key) or "
                     "ANTHROPIC_ANALYTICS_KEY (a key with the read:analytics scope); it is never taken "
                     "from the command line")


def scrub(text: str, key: str) -> str:
    return text.replace(key, "[API key]") if key else text


@dataclass(frozen=True)
class Query:
    """What to ask for: the days [since, until] (inclusive), the time bucket (None: one row for
    the whole range), the group_by[] dimensions (None: every dimension a price depends on; ():
    none, one row per bucket) and the filters."""

    since: dt.date
    until: dt.date
    time_bucket_width: Optional[str] = "1d"
    group_by: Optional[tuple[str, ...]] = None
    models: tuple[str, ...] = ()
    service_tiers: tuple[str, ...] = ()
    workspace_ids: tuple[str, ...] = ()
    api_key_ids: tuple[str, ...] = ()
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())

    def params(self, endpoint: Endpoint) -> dict:
        if self.until < self.since:
            raise InputError(f"--until {self.until.isoformat()} is before --since {self.since.isoformat()}")
        if self.since < EARLIEST:
            raise InputError(f"--since {self.since.isoformat()}: the Analytics API has no data before "
                             f"{EARLIEST.isoformat()} (use --api legacy for older usage)")
        if self.since < self.today - dt.timedelta(days=365):
            raise InputError(f"--since {self.since.isoformat()}: the Analytics API keeps the last 365 days only")
        widths = [FIELDS[k].name for k in FIELDS if k.startswith("value.time_bucket_width.")]
        if self.time_bucket_width is not None and self.time_bucket_width not in widths:
            raise InputError(f"--bucket-width {self.time_bucket_width!r}: expected one of {', '.join(widths)}")
        params: dict = {
            FIELDS["query.starting_at"].name: f"{self.since.isoformat()}T00:00:00Z",
            FIELDS["query.ending_at"].name: f"{(self.until + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
            FIELDS["query.limit"].name: PAGE_SIZE,
        }
        if self.time_bucket_width:
            params[FIELDS["query.time_bucket_width"].name] = self.time_bucket_width
        group_by = self.group_by
        if group_by is None:
            group_by = USAGE_GROUP_BY if endpoint == "usage" else COST_GROUP_BY
        if group_by:
            params[FIELDS["query.group_by"].name] = list(group_by)
        for name in ("models", "service_tiers", "workspace_ids", "api_key_ids"):
            if getattr(self, name):
                params[FIELDS[f"query.{name}"].name] = list(getattr(self, name))
        return params


def bounded_pages(get: Callable[[dict], "object"], params: dict, *, what: str, deadline: float,
                  max_pages: int, clock: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], None] = time.sleep) -> Iterator[tuple[bytes, dict]]:
    """Every page of a cursor-paged endpoint as (raw bytes, parsed page), within an overall
    deadline (seconds from now) and a page limit, refusing a cursor that repeats.

    The minimal bounded loop of this reader: calculator/net.py (the reliability issue's one
    network policy: deadline, page limit, circuit breaker, retry-after) replaces it when it
    lands; ``get(params, timeout)`` performs one request and returns an httpx.Response."""
    import httpx

    end = clock() + deadline
    params = dict(params)
    seen: set[str] = set()
    cursor_key, rows_key = FIELDS["query.page"].name, FIELDS["page.rows"].name
    more_key, next_key = FIELDS["page.has_more"].name, FIELDS["page.next_page"].name
    for number in range(1, max_pages + 1):
        response = None
        for attempt in range(MAX_ATTEMPTS):
            left = end - clock()
            if left <= 0:
                raise NetworkError(f"{what}: no answer within the {deadline:g} s deadline "
                                   f"(after {number - 1} page(s)); narrow the date range or rerun")
            try:
                response = get(params, min(60.0, left))
            except httpx.HTTPError as exc:
                if attempt == MAX_ATTEMPTS - 1:
                    raise NetworkError(f"{what} failed ({type(exc).__name__}: {exc})") from None
                sleep(min(2.0 ** attempt, max(0.0, end - clock())))
                continue
            if response.status_code in RETRY_STATUS and attempt < MAX_ATTEMPTS - 1:
                sleep(min(_retry_after(response.headers.get("retry-after"), attempt), max(0.0, end - clock())))
                continue
            break
        status = response.status_code
        if status == 410:
            raise NetworkError(f"{what}: the page cursor expired (HTTP 410) after {number - 1} page(s): "
                               f"rerun the command to fetch from the first page")
        if status != 200:
            raise NetworkError(f"{what} answered HTTP {status}{_detail(response)}"
                               + (" (check the key: an Admin API key or a read:analytics key is needed)"
                                  if status in (401, 403) else ""))
        try:
            page = response.json()
        except ValueError:
            raise NetworkError(f"{what} answered with something that is not JSON (page {number})") from None
        if not isinstance(page, dict) or not isinstance(page.get(rows_key), list):
            raise NetworkError(f"{what}: page {number} has no {rows_key!r} list of rows (the page "
                               f"wrapper's names are not confirmed: FIELDS['page.rows'] in "
                               f"calculator.readers.analytics)")
        yield response.content, page
        if not page.get(more_key):
            return
        cursor = page.get(next_key)
        if not cursor:
            raise NetworkError(f"{what}: page {number} says {more_key} but gives no {next_key}")
        if cursor in seen:
            raise NetworkError(f"{what}: page {number} repeats an earlier cursor; stopped instead of looping")
        seen.add(cursor)
        params[cursor_key] = cursor
    raise NetworkError(f"{what}: more than {max_pages} pages; narrow the date range or the group_by")


def _retry_after(value: Optional[str], attempt: int) -> float:
    try:
        wait = float(value) if value is not None else 2.0 ** attempt
    except ValueError:
        wait = 2.0 ** attempt
    return min(max(wait, 0.0), MAX_RETRY_AFTER) if wait == wait else 2.0 ** attempt


def _detail(response) -> str:
    try:
        err = response.json().get("error", {})
        return f": {err.get('type', '')} {err.get('message', '')}".rstrip(" :")
    except Exception:
        return ""


def fetch_pages(endpoint: Endpoint, query: Query, *, key: Optional[str] = None,
                base_url: Optional[str] = None, transport=None, save_dir: Optional[Path] = None,
                deadline: float = DEADLINE_SECONDS, max_pages: int = MAX_PAGES,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> Iterator[dict]:
    """Every page of one endpoint for ``query``; with ``save_dir`` each raw page is written there."""
    import httpx

    # The one atomic writer (calculator/io.py when it lands): an interrupted run leaves no half page.
    from calculator.cli.app import write_atomically

    params = query.params(endpoint)
    key = key or analytics_key()
    base = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    path = PATHS[endpoint]
    headers = {"x-api-key": key, "anthropic-version": API_VERSION, "anthropic-beta": BETA,
               "user-agent": "batchcalc"}
    if save_dir is not None:
        save_dir = _save_dir(Path(save_dir), endpoint)
    try:
        with httpx.Client(base_url=base, headers=headers, transport=transport) as client:
            pages = bounded_pages(lambda p, timeout: client.get(path, params=p, timeout=timeout), params,
                                  what=f"Analytics API {path}", deadline=deadline, max_pages=max_pages,
                                  clock=clock, sleep=sleep)
            for number, (raw, page) in enumerate(pages, 1):
                if save_dir is not None:
                    write_atomically(save_dir / f"analytics_{endpoint}_p{number:04d}.json", raw)
                yield page
    except NetworkError as exc:
        raise NetworkError(scrub(str(exc), key)) from None


def _save_dir(directory: Path, endpoint: Endpoint) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--save-responses: cannot create the directory ({exc.strerror})",
                         path=str(directory)) from None
    if any(directory.glob(f"analytics_{endpoint}_p*.json")):
        # Replaying a directory reads every page in it: an older run's pages would be counted twice.
        raise InputError(f"--save-responses: the directory already holds saved {endpoint} pages; "
                         f"give an empty (or new) directory", path=str(directory))
    return directory


def fetch_usage(query: Query, **kwargs):
    """The usage relation (pyarrow.Table) of the Analytics API usage endpoint for ``query``."""
    return usage_table(fetch_pages("usage", query, **kwargs), "Analytics API usage")


def fetch_cost(query: Query, **kwargs):
    """The cost relation (pyarrow.Table) of the Analytics API cost endpoint for ``query``."""
    return cost_table(fetch_pages("cost", query, **kwargs), "Analytics API cost")
