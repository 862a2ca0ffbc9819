"""A local fake of the Usage and Cost Analytics API on 127.0.0.1, built from the documented shapes
(data-formats.md section 4), not from batchcalc's code.

It holds the finest-grained records of one month (the rows of examples/analytics/, which are the
month of examples/usage_report.json and cost_report.json) and answers like the API: it checks the
key and the beta header, groups the records by the requested ``group_by[]`` (and per day with
``time_bucket_width=1d``, one row for the whole range without it), pages the rows by ``limit``
with an opaque ``page`` cursor, and can be told to expire a cursor (410) or drop a field. It
also serves the legacy Admin API reports of the same month (examples/usage_report.json and
cost_report.json), so the two APIs can be compared.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "sk-ant-admin01-SECRET-analytics-test-key-0123456789"
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


class FakeAnalytics:
    """State of the fake: what it saw, and what it should do wrong."""

    def __init__(self):
        self.records = {"usage": example_records("usage"), "cost": example_records("cost")}
        self.requests: list[tuple[str, dict, dict]] = []
        self.expire_cursor: str | None = None  # this cursor answers 410
        self.drop: tuple[str, ...] | None = None  # path of a field removed from every usage row
        self.loop_cursor = False  # answer every page with the same next_page
        self.url = ""

    def answer(self, path: str, query: dict, headers: dict) -> tuple[int, dict]:
        self.requests.append((path, query, headers))
        if headers.get("x-api-key") != KEY:
            return 401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        if path in LEGACY:
            return self.legacy(path, query)
        if headers.get("anthropic-beta") != BETA or not headers.get("anthropic-version"):
            return 400, {"type": "error", "error": {"type": "invalid_request_error",
                                                   "message": "this endpoint needs the analytics beta header"}}
        kind = {"/v1/organizations/analytics/usage": "usage", "/v1/organizations/analytics/cost": "cost"}.get(path)
        if kind is None:
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": path}}
        allowed = DIMENSIONS if kind == "usage" else COST_DIMENSIONS
        group_by = query.get("group_by[]", [])
        bad = [g for g in group_by if g not in allowed]
        bucket = query.get("time_bucket_width", [None])[0]
        if bad or bucket not in (None, "1d") or "starting_at" not in query:
            return 400, {"type": "error", "error": {"type": "invalid_request_error",
                                                   "message": f"bad query {bad or bucket}"}}
        start = query["starting_at"][0]
        end = query.get("ending_at", ["9999"])[0]
        records = self.records[kind]
        if "models" in query:
            records = [r for r in records if r["group"]["model"] in query["models"]]
        rows = group_rows(kind, records, group_by, bucket, start, end)
        cursor = query.get("page", [None])[0]
        if cursor is not None and cursor == self.expire_cursor:
            return 410, {"type": "error", "error": {"type": "invalid_request_error",
                                                   "message": "the page cursor has expired"}}
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
        buckets = json.loads((EXAMPLES / LEGACY[path]).read_text())["data"]
        n = int(query.get("page", ["0"])[0])
        more = n + 1 < len(buckets)
        return 200, {"data": buckets[n:n + 1], "has_more": more, "next_page": str(n + 1) if more else None}

    def pages_served(self, kind: str) -> int:
        return sum(1 for p, _, _ in self.requests if p.endswith("/" + kind))


def serve(fake: FakeAnalytics) -> ThreadingHTTPServer:
    """Serve ``fake`` on 127.0.0.1 (a free port) from a daemon thread; sets ``fake.url``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            status, body = fake.answer(url.path, parse_qs(url.query),
                                       {k.lower(): v for k, v in self.headers.items()})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@pytest.fixture
def analytics_api(monkeypatch):
    """The fake serving on 127.0.0.1, the key in the environment (import this fixture by name)."""
    fake = FakeAnalytics()
    server = serve(fake)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    monkeypatch.delenv("ANTHROPIC_ANALYTICS_KEY", raising=False)
    yield fake
    server.shutdown()
    server.server_close()
