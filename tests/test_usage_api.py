"""--from-api against a local fake Admin API server on 127.0.0.1: every page, the query, the key
never printed or written."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from usage_helpers import EXAMPLES

KEY = "sk-ant-admin01-SECRET-test-key-0123456789"


@pytest.fixture
def fake_api(monkeypatch):
    page = json.loads((EXAMPLES / "usage_report.json").read_text())
    pages = {None: {"data": page["data"][:1], "has_more": True, "next_page": "page-2"},
             "page-2": {"data": page["data"][1:], "has_more": False, "next_page": None}}
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            seen.append((url.path, query, dict(self.headers)))
            if self.headers.get("x-api-key") != KEY:
                body, status = {"error": {"type": "authentication_error", "message": "invalid x-api-key"}}, 401
            elif url.path != "/v1/organizations/usage_report/messages":
                body, status = {"error": {"type": "not_found_error", "message": "no"}}, 404
            else:
                body, status = pages[query.get("page", [None])[0]], 200
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    yield seen
    server.shutdown()


def test_from_api_reads_every_page(cli, fake_api, tmp_path):
    out = tmp_path / "usage.json"
    r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", "json", "-o", out)
    assert r.code == 0, r.err
    doc = json.loads(out.read_text())
    # the same buckets as examples/usage_report.json: see test_usage.py for the arithmetic
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("68.80")
    assert doc["pages_read"] == 2
    assert len(fake_api) == 2
    path, query, headers = fake_api[0]
    assert query["starting_at"] == ["2026-10-01T00:00:00Z"]
    assert query["ending_at"] == ["2026-10-03T00:00:00Z"]
    assert query["bucket_width"] == ["1d"]
    assert {"model", "service_tier", "context_window", "workspace_id", "api_key_id"} <= set(query["group_by[]"])
    assert fake_api[1][1]["page"] == ["page-2"]
    # the key is sent in the header, and appears nowhere in what batchcalc prints or writes
    assert headers.get("x-api-key") == KEY
    assert KEY not in r.out and KEY not in r.err and KEY not in out.read_text()
    for fmt in ("table", "csv", "markdown", "json"):
        r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", fmt)
        assert KEY not in r.out + r.err


def test_from_api_bad_key_is_one_line_without_the_key(cli, fake_api, monkeypatch):
    bad = "sk-ant-admin01-WRONG-key-9876543210"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", bad)
    r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02")
    assert r.code == 1
    assert "HTTP 401" in r.err and "ANTHROPIC_ADMIN_KEY" in r.err
    assert bad not in r.err + r.out and r.err.count("\n") == 1


def test_from_api_needs_the_key_in_the_environment(cli, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    r = cli("usage", "--from-api")
    assert r.code == 1 and "ANTHROPIC_ADMIN_KEY" in r.err


def test_reconcile_from_api(cli, monkeypatch):
    """Usage and cost reports both fetched from the (fake) Admin API."""
    import json as _json

    usage = _json.loads((EXAMPLES / "usage_report.json").read_text())
    costs = _json.loads((EXAMPLES / "cost_report.json").read_text())
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            seen.append(url.path)
            assert self.headers.get("x-api-key") == KEY
            body = usage if url.path.endswith("/usage_report/messages") else costs
            data = _json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
        r = cli("reconcile", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", "json")
    finally:
        server.shutdown()
    assert r.code == 3, r.err  # the planted discrepancy of examples/cost_report.json
    assert Decimal(r.json()["totals"]["residual_usd"]) == Decimal("15")
    assert "/v1/organizations/cost_report" in seen and "/v1/organizations/usage_report/messages" in seen
    assert KEY not in r.out + r.err
