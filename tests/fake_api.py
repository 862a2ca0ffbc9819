"""The one fake of the Anthropic API for every test that touches the network: a local HTTP server
on 127.0.0.1 (``FakeServer``, also the seam for tests that script raw answers) and the API it
serves (``FakeAnthropic``), built from the documented shapes (data-formats.md), not from
batchcalc's code.

``FakeAnthropic`` answers:

- the Usage and Cost Analytics API (``/v1/organizations/analytics/usage`` and ``/cost``): the
  finest-grained records of one month (the rows of examples/analytics/, the month of
  examples/usage_report.json and cost_report.json), grouped by the requested ``group_by[]`` (per
  day with ``time_bucket_width=1d``, one row for the whole range without it), paged by ``limit``
  with an opaque ``page`` cursor; it checks the key and the beta header, and can be told to
  expire a cursor (410), repeat one, or drop a field;
- the legacy Admin API reports of the same month (examples/usage_report.json, cost_report.json),
  one daily bucket a page, so the two APIs can be compared;
- the Message Batches API (``sdk_batches``' three batches: list pages newest first, one batch,
  results of ended batches), counting concurrent result downloads;
- ``POST /v1/messages/count_tokens``: 100 input tokens per word of the user messages.

``statuses`` makes the next calls fail with those statuses first (``retry-after: 0.01``);
``fail_with`` makes every call fail and echo the headers it was sent, the key among them, as a
careless proxy might. The ``fake_api`` fixture serves it and puts its URL and keys in the
environment.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

ADMIN_KEY = "sk-ant-admin01-SECRET-analytics-test-key-0123456789"
API_KEY = "sk-ant-api03-SECRET-test-key-0123456789"
BETA = "analytics-usage-cost-2026-08-24"
DIMENSIONS = ("model", "service_tier", "context_window", "inference_geo", "workspace_id", "api_key_id")
COST_DIMENSIONS = (*DIMENSIONS, "cost_type", "token_type")
# The legacy Admin API endpoints, serving the example month's reports.
LEGACY = {"/v1/organizations/usage_report/messages": "usage_report.json",
          "/v1/organizations/cost_report": "cost_report.json"}
USAGE_NUMBERS = (("uncached_input_tokens",), ("cache_creation", "ephemeral_5m_input_tokens"),
                 ("cache_creation", "ephemeral_1h_input_tokens"), ("cache_read_input_tokens",),
                 ("output_tokens",), ("server_tool_use", "web_search_requests"))


def example_records(kind: str) -> list[dict]:
    """The rows of the saved example month: one record per day and every dimension."""
    from conftest import EXAMPLES

    out = []
    for path in sorted((EXAMPLES / "analytics").glob(f"analytics_{kind}_*.json")):
        out += json.loads(path.read_text())["data"]
    return out


def _get(obj, keys):
    for k in keys:
        obj = obj[k]
    return obj


def _put(obj, keys, value):
    for k in keys[:-1]:
        obj = obj.setdefault(k, {})
    obj[keys[-1]] = obj.get(keys[-1], 0) + value


def group_rows(kind: str, records: list[dict], group_by: list[str], bucket: str | None,
               start: str, end: str) -> list[dict]:
    """The rows the API returns: records summed per (bucket, requested dimensions)."""
    sums: dict[tuple, dict] = defaultdict(dict)
    for r in records:
        if not (start <= r["starting_at"] < end):
            continue
        when = (r["starting_at"], r["ending_at"]) if bucket else (start, end)
        key = (when, tuple(r["group"].get(d) for d in group_by))
        row = sums[key]
        if kind == "usage":
            for keys in USAGE_NUMBERS:
                _put(row, keys, _get(r["usage"], keys))
            req = r["usage"]["requests"]
            row["requests"] = None if req is None or row.get("requests", 0) is None else row.get("requests", 0) + req
        else:
            for f in ("amount", "list_amount"):
                row[f] = str(Decimal(row.get(f, "0")) + Decimal(r["cost"][f]))
            row["currency"] = "USD"
    out = []
    for (when, values), numbers in sorted(sums.items(), key=lambda kv: (kv[0][0], [str(v) for v in kv[0][1]])):
        row = {"starting_at": when[0], "ending_at": when[1], "group": dict(zip(group_by, values))}
        if kind == "usage":
            numbers["total_tokens"] = (numbers["uncached_input_tokens"] + numbers["cache_read_input_tokens"]
                                       + numbers["output_tokens"] + sum(numbers["cache_creation"].values()))
            row["usage"] = numbers
        else:
            numbers["requests"] = None  # grouped by cost_type / token_type, or not known per cost row
            row["cost"] = numbers
        out.append(row)
    return out


class FakeServer:
    """An HTTP server on 127.0.0.1 whose every request is answered by ``handle(handler)``
    (a BaseHTTPRequestHandler). Handler threads are daemons: a trickling answer never holds
    the test up at shutdown. ``hits`` counts the requests."""

    def __init__(self, handle):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out as separate writes: without this, Nagle's algorithm and
                # delayed ACKs add 40 ms to every answer.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                server.hits += 1
                handle(self)

            do_POST = do_GET

        self.hits = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def answer(handler, status: int, body: bytes | str, content_type: str = "application/json", **headers):
    """Send a complete answer (and read the request body first)."""
    length = int(handler.headers.get("content-length") or 0)
    if length:
        handler.rfile.read(length)
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("content-type", content_type)
    handler.send_header("content-length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(data)


def error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"type": "error", "error": {"type": kind, "message": message}}


class FakeAnthropic:
    """State of the fake: what it saw, and what it should do wrong."""

    def __init__(self):
        import sdk_batches as sb

        self.records = {"usage": example_records("usage"), "cost": example_records("cost")}
        self.batches = {b["id"]: b for b in (sb.BATCH_A, sb.BATCH_B, sb.BATCH_C)}
        self.results = {"msgbatch_01A": sb.jsonl(sb.RESULTS_A), "msgbatch_01B": sb.jsonl(sb.RESULTS_B)}
        # Newest first, two pages.
        self.batch_pages = {
            None: {"data": [sb.BATCH_C, sb.BATCH_B], "has_more": True, "first_id": "msgbatch_01C",
                   "last_id": "msgbatch_01B"},
            "msgbatch_01B": {"data": [sb.BATCH_A], "has_more": False, "first_id": "msgbatch_01A",
                             "last_id": "msgbatch_01A"}}
        self.requests: list[tuple[str, dict, dict]] = []  # (path, query, headers) of every call
        self.posted: list[tuple[str, dict]] = []  # (path, JSON body) of every POST
        self.expire_cursor: str | None = None  # this cursor answers 410
        self.drop: tuple[str, ...] | None = None  # path of a field removed from every usage row
        self.loop_cursor = False  # answer every page with the same next_page
        self.statuses: list[int] = []  # the next calls fail with these, in order
        self.fail_with: int | None = None  # every call fails, echoing the headers it was sent
        self.delay = 0.0  # extra seconds a results download takes
        self.active = self.max_active = 0  # concurrent results downloads
        self._lock = threading.Lock()
        self.url = ""

    def paths(self) -> list[str]:
        return [p for p, _, _ in self.requests]

    def keys(self) -> set[str]:
        """The keys the calls carried."""
        return {h.get("x-api-key") or h.get("authorization", "").removeprefix("Bearer ") for _, _, h in self.requests}

    def pages_served(self, kind: str) -> int:
        return sum(1 for p, _, _ in self.requests if p.endswith("/" + kind))

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        query = parse_qs(url.query)
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = json.loads(h.rfile.read(length)) if length else None
        if length:
            h.headers.replace_header("content-length", "0")  # read: answer() must not wait for it
        with self._lock:
            self.requests.append((url.path, query, headers))
            if body is not None:
                self.posted.append((url.path, body))
            status = self.statuses.pop(0) if self.statuses else None
        if self.fail_with is not None:
            echoed = " ".join(f"{k}={v}" for k, v in headers.items())  # every header, the key included
            status, doc = error(self.fail_with, "authentication_error" if self.fail_with in (401, 403)
                                else "api_error", f"invalid x-api-key: {echoed} (sent to {url.path})")
            return answer(h, status, json.dumps(doc), retry_after="0")
        if status is not None:
            return answer(h, *_dump(error(status, "x", f"status {status}")), retry_after="0.01")
        if url.path.startswith("/v1/messages"):
            return self.messages(h, url.path, query, headers, body)
        status, doc = self.organizations(url.path, query, headers)
        answer(h, status, json.dumps(doc))

    # -- /v1/messages: count_tokens and Message Batches ------------------------------------------

    def messages(self, h, path: str, query: dict, headers: dict, body) -> None:
        if headers.get("x-api-key") != API_KEY or headers.get("anthropic-version") != "2023-06-01":
            return answer(h, *_dump(error(401, "authentication_error", "invalid x-api-key")))
        if path == "/v1/messages/count_tokens":
            words = sum(len(str(m["content"]).split()) for m in body["messages"])
            return answer(h, 200, json.dumps({"input_tokens": 100 * words}))
        parts = path.strip("/").split("/")
        if path == "/v1/messages/batches":
            return answer(h, 200, json.dumps(self.batch_pages[query.get("after_id", [None])[0]]))
        if len(parts) == 4 and parts[3] in self.batches:
            return answer(h, 200, json.dumps(self.batches[parts[3]]))
        if len(parts) == 5 and parts[4] == "results" and parts[3] in self.results:
            with self._lock:
                self.active += 1
                self.max_active = max(self.max_active, self.active)
            try:
                time.sleep(self.delay or 0.05)
            finally:
                # Counted as done before the answer goes out: the client may ask for the next
                # download as soon as it has this one.
                with self._lock:
                    self.active -= 1
            return answer(h, 200, self.results[parts[3]], "application/binary")
        return answer(h, *_dump(error(404, "not_found_error", path)))

    # -- /v1/organizations: the Analytics API and the legacy Admin API reports -------------------

    def organizations(self, path: str, query: dict, headers: dict) -> tuple[int, dict]:
        if headers.get("x-api-key") != ADMIN_KEY:
            return error(401, "authentication_error", "invalid x-api-key")
        if path in LEGACY:
            return self.legacy(path, query)
        if headers.get("anthropic-beta") != BETA or not headers.get("anthropic-version"):
            return error(400, "invalid_request_error", "this endpoint needs the analytics beta header")
        kind = {"/v1/organizations/analytics/usage": "usage", "/v1/organizations/analytics/cost": "cost"}.get(path)
        if kind is None:
            return error(404, "not_found_error", path)
        allowed = DIMENSIONS if kind == "usage" else COST_DIMENSIONS
        group_by = query.get("group_by[]", [])
        bad = [g for g in group_by if g not in allowed]
        bucket = query.get("time_bucket_width", [None])[0]
        if bad or bucket not in (None, "1d") or "starting_at" not in query:
            return error(400, "invalid_request_error", f"bad query {bad or bucket}")
        start = query["starting_at"][0]
        end = query.get("ending_at", ["9999"])[0]
        records = self.records[kind]
        if "models" in query:
            records = [r for r in records if r["group"]["model"] in query["models"]]
        rows = group_rows(kind, records, group_by, bucket, start, end)
        cursor = query.get("page", [None])[0]
        if cursor is not None and cursor == self.expire_cursor:
            return error(410, "invalid_request_error", "the page cursor has expired")
        offset = int(cursor.split("-")[1]) if cursor else 0
        limit = int(query.get("limit", ["20"])[0])
        chunk = rows[offset:offset + limit]
        if self.drop and kind == "usage":
            for row in chunk:
                obj = row["usage"]
                for k in self.drop[:-1]:
                    obj = obj[k]
                obj.pop(self.drop[-1], None)
        more = offset + limit < len(rows)
        nxt = "cur-0" if self.loop_cursor else (f"cur-{offset + limit}" if more else None)
        return 200, {"data": chunk, "has_more": more or self.loop_cursor, "next_page": nxt}

    def legacy(self, path: str, query: dict) -> tuple[int, dict]:
        """The Admin API report of the same month (examples/usage_report.json, cost_report.json),
        one daily bucket a page."""
        from conftest import EXAMPLES

        buckets = json.loads((EXAMPLES / LEGACY[path]).read_text())["data"]
        n = int(query.get("page", ["0"])[0])
        more = n + 1 < len(buckets)
        return 200, {"data": buckets[n:n + 1], "has_more": more, "next_page": str(n + 1) if more else None}


def _dump(status_doc: tuple[int, dict]) -> tuple[int, str]:
    return status_doc[0], json.dumps(status_doc[1])


@pytest.fixture
def fake_api(monkeypatch):
    """The fake Anthropic API serving on 127.0.0.1, its URL and keys in the environment."""
    fake = FakeAnthropic()
    with FakeServer(fake.handle) as server:
        fake.url = server.url
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.delenv("ANTHROPIC_ANALYTICS_KEY", raising=False)
        yield fake
