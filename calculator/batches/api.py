"""``batchcalc batches --from-api``: batch objects and results from the Message Batches API.

Paths (API version 2023-06-01): ``GET /v1/messages/batches`` (pages of ``{"data", "has_more",
"last_id"}``, newest first, followed with ``after_id``), ``GET /v1/messages/batches/{id}`` and
``GET /v1/messages/batches/{id}/results`` (JSONL, streamed line by line into the tally, never
held whole). Results are fetched for ended batches only, ``concurrency`` at a time; every call
shares one overall deadline: past it the command stops with a one-line error rather than hang.

The key comes from ``ANTHROPIC_API_KEY`` only and is sent in ``x-api-key``; it is never printed
(error messages are scrubbed of it). ``ANTHROPIC_BASE_URL`` points the client elsewhere (a
proxy, or the tests' fake server). Results are always fetched from the base URL, never from a
``results_url`` on another host, so the key goes nowhere else.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Optional

from calculator.errors import NetworkError

from calculator.usage_readers.admin_api import (DEFAULT_BASE_URL, RETRY_STATUS, error_detail, key_from_env,
                                                retry_delay)

BATCHES_PATH = "/v1/messages/batches"
KEY_ENV = "ANTHROPIC_API_KEY"
MAX_PAGES = 1_000
PAGE_LIMIT = 100
ATTEMPTS = 4


class Client:
    """httpx with the key, the base URL, retries on transient answers and one overall deadline."""

    def __init__(self, *, key: Optional[str] = None, base_url: Optional[str] = None,
                 deadline_seconds: float = 300.0, transport=None, sleep: Callable = time.sleep):
        import httpx

        self.key = key or key_from_env(KEY_ENV, "an API key")
        self.base = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.deadline = time.monotonic() + deadline_seconds
        self.deadline_seconds = deadline_seconds
        self.sleep = sleep
        self.httpx = httpx
        self.client = httpx.Client(base_url=self.base, transport=transport, headers={
            "x-api-key": self.key, "anthropic-version": "2023-06-01", "user-agent": "batchcalc"})

    def close(self):
        self.client.close()

    def scrub(self, text: str) -> str:
        return text.replace(self.key, f"[{KEY_ENV}]") if self.key else text

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise NetworkError(f"Message Batches API: the overall deadline of {self.deadline_seconds:g} s "
                               f"passed (--deadline); nothing was written")
        return left

    def _fail(self, path: str, response) -> NetworkError:
        hint = f" (check {KEY_ENV})" if response.status_code in (401, 403) else ""
        return NetworkError(self.scrub(f"Message Batches API {path} answered HTTP "
                                       f"{response.status_code}{error_detail(response)}{hint}"))

    def _send(self, path: str, params: Optional[dict] = None, stream: bool = False):
        httpx = self.httpx
        for attempt in range(ATTEMPTS):
            timeout = httpx.Timeout(min(60.0, self.remaining()))
            try:
                request = self.client.build_request("GET", path, params=params, timeout=timeout)
                response = self.client.send(request, stream=stream)
            except httpx.HTTPError as exc:
                if attempt == ATTEMPTS - 1:
                    raise NetworkError(self.scrub(f"Message Batches API request to {self.base}{path} "
                                                  f"failed ({type(exc).__name__}: {exc})")) from None
                self.sleep(min(2 ** attempt, self.remaining()))
                continue
            if response.status_code in RETRY_STATUS and attempt < ATTEMPTS - 1:
                response.close()
                self.sleep(min(retry_delay(response, attempt), self.remaining()))
                continue
            if response.status_code != 200:
                if stream:
                    response.read()
                raise self._fail(path, response)
            return response
        raise AssertionError("unreachable")

    def get_json(self, path: str, params: Optional[dict] = None):
        response = self._send(path, params)
        try:
            return response.json()
        except ValueError:
            raise NetworkError(f"Message Batches API {path} answered with something that is not JSON") from None

    def list_batches(self, since: Optional[dt.date], until: Optional[dt.date]) -> list[dict]:
        """Batch objects created between ``since`` and ``until`` (inclusive UTC days)."""
        from calculator.batches.results import parse_time

        out: list[dict] = []
        params: dict = {"limit": PAGE_LIMIT}
        for _ in range(MAX_PAGES):
            page = self.get_json(BATCHES_PATH, params)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
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
            if older or not page.get("has_more"):
                return out
            if not page.get("last_id"):
                raise NetworkError(f"Message Batches API {BATCHES_PATH}: has_more is true but last_id is missing")
            params = {"limit": PAGE_LIMIT, "after_id": page["last_id"]}
        raise NetworkError(f"Message Batches API: more than {MAX_PAGES} pages of batches; narrow the dates")

    def retrieve(self, batch_id: str) -> dict:
        return self.get_json(f"{BATCHES_PATH}/{batch_id}")

    def result_lines(self, batch_id: str) -> Iterator[bytes]:
        """The results JSONL of one batch, line by line, within the deadline."""
        path = f"{BATCHES_PATH}/{batch_id}/results"
        response = self._send(path, stream=True)
        try:
            buf = b""
            for chunk in response.iter_bytes():
                self.remaining()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                yield from lines
            if buf:
                yield buf
        except self.httpx.HTTPError as exc:
            raise NetworkError(self.scrub(f"Message Batches API {path}: the results stream broke "
                                          f"({type(exc).__name__}: {exc})")) from None
        finally:
            response.close()


def fetch(ids: list[str], since: Optional[dt.date], until: Optional[dt.date], tally: Callable,
          *, concurrency: int = 4, deadline_seconds: float = 300.0, base_url: Optional[str] = None,
          transport=None) -> list[tuple[dict, object]]:
    """The batch objects (by id, else listed by date) and ``tally(obj, lines, source)`` of each
    ended batch's results, ``concurrency`` downloads at a time. Returns (object, tally or None)."""
    client = Client(base_url=base_url, deadline_seconds=deadline_seconds, transport=transport)
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
