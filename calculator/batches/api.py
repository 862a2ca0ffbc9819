"""``batchcalc batches --from-api``: batch objects and results from the Message Batches API,
every call through :mod:`calculator.net` (one overall ``--timeout``, retries, breaker, answers
checked, Ctrl-C).

Paths (API version 2023-06-01): ``GET /v1/messages/batches`` (pages of ``{"data", "has_more",
"last_id"}``, newest first, followed with ``after_id``), ``GET /v1/messages/batches/{id}`` and
``GET /v1/messages/batches/{id}/results`` (JSONL, streamed line by line into the tally, never
held whole). Results are fetched for ended batches only, ``concurrency`` at a time.

The key comes from ``ANTHROPIC_API_KEY`` only (:func:`calculator.scrub.key_from_env`: checked,
and scrubbed from every output). ``ANTHROPIC_BASE_URL`` points the client elsewhere (a proxy, or
the tests' fake server). Results are always fetched from the base URL, never from a
``results_url`` on another host, so the key goes nowhere else.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Optional

from calculator.errors import InputError, NetworkError
from calculator.net import DEFAULT_TIMEOUT, MAX_PAGES, Api, error_detail


def parse_time(value, where: str, name: str) -> Optional[dt.datetime]:
    """An RFC 3339 timestamp (as the API writes it, ``Z`` or an offset) in UTC; None for null."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            t = dt.datetime.fromisoformat(text)
        except ValueError:
            t = None
        if t is not None:
            return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    raise InputError(f"{name} = {value!r}: expected an RFC 3339 timestamp such as "
                     f"2026-11-02T09:15:00Z", path=where)


BATCHES_PATH = "/v1/messages/batches"
KEY_ENV = "ANTHROPIC_API_KEY"
PAGE_LIMIT = 100


class Client:
    """The three Message Batches calls on one :class:`calculator.net.Api`."""

    def __init__(self, *, base_url: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT, transport=None):
        from calculator.scrub import key_from_env

        self.api = Api(key=key_from_env(KEY_ENV, "--from-api"), key_env=KEY_ENV, base_url=base_url,
                       timeout=timeout, transport=transport)
        self.base = self.api.base

    def close(self) -> None:
        self.api.close()

    def get_json(self, path: str, params: Optional[dict] = None) -> dict:
        what = f"Message Batches API {path}"
        status, body = self.api.json("GET", path, what=what, params=params)
        if status != 200:
            raise NetworkError(f"{what}: HTTP {status}{error_detail(body)}{self.api.key_hint(status)}")
        return body

    def list_batches(self, since: Optional[dt.date], until: Optional[dt.date]) -> list[dict]:
        """Batch objects created between ``since`` and ``until`` (inclusive UTC days)."""

        out: list[dict] = []
        params: dict = {"limit": PAGE_LIMIT}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.get_json(BATCHES_PATH, params)
            if not isinstance(page.get("data"), list):
                raise NetworkError(f"Message Batches API {BATCHES_PATH} answered without a \"data\" list")
            older = False
            for obj in page["data"]:
                created = parse_time(obj.get("created_at") if isinstance(obj, dict) else None,
                                     f"{self.base}{BATCHES_PATH}", "created_at")
                day = created.date() if created else None
                if since is not None and day is not None and day < since:
                    older = True  # newest first: everything after this is older still
                    continue
                if until is not None and day is not None and day > until:
                    continue
                out.append(obj)
            if older or page.get("has_more") is not True:
                return out
            last = page.get("last_id")
            if not isinstance(last, str) or not last or last in seen:
                raise NetworkError(f"Message Batches API {BATCHES_PATH}: has_more is true but last_id is "
                                   f"missing or repeated: stopping")
            seen.add(last)
            params = {"limit": PAGE_LIMIT, "after_id": last}
        raise NetworkError(f"Message Batches API: more than {MAX_PAGES} pages of batches; narrow the dates")

    def retrieve(self, batch_id: str) -> dict:
        return self.get_json(f"{BATCHES_PATH}/{batch_id}")

    def result_lines(self, batch_id: str) -> Iterator[bytes]:
        """The results JSONL of one batch, line by line, within the deadline."""
        path = f"{BATCHES_PATH}/{batch_id}/results"
        what = f"Message Batches API {path}"
        status, _headers, body = self.api.request("GET", path, what=what, stream=True)
        if status != 200:
            import json

            try:
                detail = error_detail(json.loads(body))
            except ValueError:
                detail = ""
            raise NetworkError(f"{what}: HTTP {status}{detail}{self.api.key_hint(status)}")
        return body


def fetch(ids: list[str], since: Optional[dt.date], until: Optional[dt.date], tally: Callable,
          *, concurrency: int = 4, timeout: float = DEFAULT_TIMEOUT, base_url: Optional[str] = None,
          transport=None) -> list[tuple[dict, object]]:
    """The batch objects (by id, else listed by date) and ``tally(obj, lines, source)`` of each
    ended batch's results, ``concurrency`` downloads at a time. Returns (object, tally or None)."""
    client = Client(base_url=base_url, timeout=timeout, transport=transport)
    try:
        objects = [client.retrieve(i) for i in ids] if ids else client.list_batches(since, until)
        ended = [o for o in objects if isinstance(o, dict) and o.get("processing_status") == "ended"]

        def one(obj: dict):
            source = f"{client.base}{BATCHES_PATH}/{obj.get('id')}/results"
            return tally(obj, client.result_lines(str(obj.get("id"))), source)

        with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="batch-results") as pool:
            tallies = dict(zip((id(o) for o in ended), pool.map(one, ended)))
        return [(o, tallies.get(id(o))) for o in objects]
    finally:
        client.close()
