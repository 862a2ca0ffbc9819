"""`batchcalc batches --from-api` against a local fake Message Batches API on 127.0.0.1: listing
pages, dates, ids, results only for ended batches, bounded concurrency, the overall deadline,
and the key never printed. Figures as in test_batches_cmd.py (worked by hand there)."""

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

import sdk_batches as sb

KEY = "sk-ant-api03-SECRET-test-key-0123456789"


@pytest.fixture
def fake_api(monkeypatch):
    objects = {b["id"]: b for b in (sb.BATCH_A, sb.BATCH_B, sb.BATCH_C)}
    results = {"msgbatch_01A": sb.jsonl(sb.RESULTS_A), "msgbatch_01B": sb.jsonl(sb.RESULTS_B)}
    # Newest first, two pages.
    pages = {None: {"data": [sb.BATCH_C, sb.BATCH_B], "has_more": True, "first_id": "msgbatch_01C",
                    "last_id": "msgbatch_01B"},
             "msgbatch_01B": {"data": [sb.BATCH_A], "has_more": False, "first_id": "msgbatch_01A",
                              "last_id": "msgbatch_01A"}}
    state = {"seen": [], "active": 0, "max_active": 0, "delay": 0.0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def send(self, status, body: bytes, ctype="application/json"):
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            state["seen"].append(url.path)
            if self.headers.get("x-api-key") != KEY or self.headers.get("anthropic-version") != "2023-06-01":
                return self.send(401, json.dumps({"type": "error", "error": {
                    "type": "authentication_error", "message": "invalid x-api-key"}}).encode())
            parts = url.path.strip("/").split("/")
            if url.path == "/v1/messages/batches":
                return self.send(200, json.dumps(pages[query.get("after_id", [None])[0]]).encode())
            if len(parts) == 4 and parts[3] in objects:
                return self.send(200, json.dumps(objects[parts[3]]).encode())
            if len(parts) == 5 and parts[4] == "results" and parts[3] in results:
                with lock:
                    state["active"] += 1
                    state["max_active"] = max(state["max_active"], state["active"])
                try:
                    time.sleep(state["delay"] or 0.05)
                    return self.send(200, results[parts[3]].encode(), "application/binary")
                finally:
                    with lock:
                        state["active"] -= 1
            return self.send(404, json.dumps({"type": "error", "error": {"type": "not_found_error",
                                                                          "message": "no"}}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    yield state
    server.shutdown()
    server.server_close()


def test_lists_every_page_and_fetches_ended_results(cli, fake_api):
    r = cli("batches", "--from-api", "--concurrency", "1", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    ids = {b["id"]: b for b in doc["batches"]}
    assert set(ids) == {"msgbatch_01A", "msgbatch_01B", "msgbatch_01C"}
    assert Decimal(ids["msgbatch_01A"]["cost_usd"]) == Decimal("0.01305")
    assert Decimal(ids["msgbatch_01B"]["cost_usd"]) == Decimal("0.0225")
    assert Decimal(doc["totals"]["savings_usd"]) == Decimal("0.02055")
    assert ids["msgbatch_01C"]["flags"] == ["not_ended"]
    # The in-progress batch's results are never asked for; one download at a time.
    assert "/v1/messages/batches/msgbatch_01C/results" not in fake_api["seen"]
    assert fake_api["max_active"] == 1
    assert KEY not in r.out and KEY not in r.err


def test_dates_and_ids_select_batches(cli, fake_api):
    doc = cli("batches", "--from-api", "--since", "2026-11-03", "-f", "json").json()
    assert sorted(b["id"] for b in doc["batches"]) == ["msgbatch_01B", "msgbatch_01C"]
    doc = cli("batches", "--from-api", "--until", "2026-11-02", "-f", "json").json()
    assert [b["id"] for b in doc["batches"]] == ["msgbatch_01A"]
    doc = cli("batches", "--from-api", "--batch-id", "msgbatch_01B", "-f", "json").json()
    assert [b["id"] for b in doc["batches"]] == ["msgbatch_01B"]
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.0225")


def test_concurrent_downloads_are_bounded(cli, fake_api):
    fake_api["delay"] = 0.3
    r = cli("batches", "--from-api", "--concurrency", "2", "-f", "json")
    assert r.code == 0, r.err
    assert fake_api["max_active"] == 2  # both ended batches at once, never more


def test_overall_deadline_stops_a_hanging_api(cli, fake_api):
    fake_api["delay"] = 10
    start = time.monotonic()
    r = cli("batches", "--from-api", "--timeout", "1")
    assert time.monotonic() - start < 6
    assert r.code == 1 and "--timeout 1 seconds" in r.err and r.err.count("\n") == 1


def test_bad_key_is_one_line_without_the_key(cli, fake_api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-WRONG-key")
    r = cli("batches", "--from-api")
    assert r.code == 1 and "HTTP 401" in r.err and "WRONG" not in r.err and r.err.count("\n") == 1


def test_needs_the_key_in_the_environment(cli, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    r = cli("batches", "--from-api")
    assert r.code == 1 and "ANTHROPIC_API_KEY" in r.err
