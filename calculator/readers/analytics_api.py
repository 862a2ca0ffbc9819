"""``--from-api``: the Usage and Cost Analytics API fetched with httpx, every page.

    GET /v1/organizations/analytics/usage     token and request counts
    GET /v1/organizations/analytics/cost      USD: amount (after discount) and list_amount

Every request goes through ``calculator.net.Api`` (the one client) and adds
``anthropic-beta: analytics-usage-cost-2026-08-24``. The key comes from ``ANTHROPIC_ADMIN_KEY`` or,
failing that, ``ANTHROPIC_ANALYTICS_KEY`` (a key with the ``read:analytics`` scope), through
``calculator.scrub.key_from_env``: scrubbed from every output. ``ANTHROPIC_BASE_URL`` points the
client elsewhere (a proxy, the fake server of the tests).

With ``save_dir`` every raw page is written as received (``analytics_usage_p0001.json``, ...), so
a month-end run can be audited and replayed offline: the saved directory is read by
``calculator.readers.analytics.read_usage`` / ``read_cost``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal, Optional

from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT, MAX_PAGES
from calculator.readers.analytics import FIELDS, cost_table, usage_table

Endpoint = Literal["usage", "cost"]

PATHS = {"usage": "/v1/organizations/analytics/usage", "cost": "/v1/organizations/analytics/cost"}
BETA = "analytics-usage-cost-2026-08-24"
KEY_ENVS = ("ANTHROPIC_ADMIN_KEY", "ANTHROPIC_ANALYTICS_KEY")
# The largest page size is not documented: a modest one that any maximum will allow.
PAGE_SIZE = 100
# Not before this instant, and within the last 365 days (data-formats.md 4).
EARLIEST = dt.date(2026, 1, 1)
USAGE_GROUP_BY = ("model", "service_tier", "context_window", "inference_geo", "workspace_id", "api_key_id")
COST_GROUP_BY = (*USAGE_GROUP_BY, "cost_type", "token_type")


def analytics_key() -> tuple[str, str]:
    """(key, the variable it came from): ANTHROPIC_ADMIN_KEY, else ANTHROPIC_ANALYTICS_KEY."""
    from calculator.scrub import key_from_env

    for env in KEY_ENVS:
        if os.environ.get(env, "").strip():
            return key_from_env(env, "--from-api"), env
    raise InputError("--from-api needs a key in the environment: ANTHROPIC_ADMIN_KEY (an Admin API key) or "
                     "ANTHROPIC_ANALYTICS_KEY (a key with the read:analytics scope); it is never taken "
                     "from the command line")


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


def fetch_pages(endpoint: Endpoint, query: Query, *, base_url: Optional[str] = None, transport=None,
                save_dir: Optional[Path] = None, timeout: float = DEFAULT_TIMEOUT,
                max_pages: int = MAX_PAGES) -> Iterator[dict]:
    """Every page of one endpoint for ``query`` through the one network client (calculator.net:
    deadline, retries, breaker, page limit, repeated cursors); with ``save_dir`` each page is
    written there as it arrives."""
    import json

    from calculator.io import write_output
    from calculator.net import Api

    params = query.params(endpoint)
    key, env = analytics_key()
    if save_dir is not None:
        save_dir = _save_dir(Path(save_dir), endpoint)
    api = Api(key=key, key_env=env, base_url=base_url, timeout=timeout, transport=transport)
    api.client.headers["anthropic-beta"] = BETA
    try:
        for number, page in enumerate(api.pages(PATHS[endpoint], params, what=f"Analytics API {PATHS[endpoint]}",
                                                max_pages=max_pages), 1):
            if save_dir is not None:
                try:
                    write_output(save_dir / f"analytics_{endpoint}_p{number:04d}.json", json.dumps(page, indent=1))
                except OSError as exc:
                    raise InputError(f"--save-responses: cannot write a page ({exc.strerror})",
                                     path=str(save_dir)) from None
            yield page
    finally:
        api.close()


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
