"""--exact against a local fake count_tokens server on 127.0.0.1 (never the network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from count_helpers import request, write_jsonl, _isolated_config, run  # noqa: F401  (fixtures)


class FakeAPI:
    """Answers POST /v1/messages/count_tokens with input_tokens = 100 x the number of words in
    the user messages; the first `fail` calls get the given statuses first."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.calls = []
        self.keys = set()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                api.calls.append((self.path, body))
                api.keys.add(self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer "))
                if api.statuses:
                    status = api.statuses.pop(0)
                    payload = json.dumps({"type": "error", "error": {"type": "x", "message": f"status {status}"}})
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("retry-after", "0.01")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                    return
                words = sum(len(str(m["content"]).split()) for m in body["messages"])
                payload = json.dumps({"input_tokens": 100 * words})
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api_env(monkeypatch):
    def setup(api):
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
    return setup


def test_exact_counts_dedupe_and_retry(run, tmp_path, api_env):
    # a and c are identical requests (custom_id aside): counted once. 429 and 503 are retried.
    reqs = [request("a", "one two"), request("b", "one two three"), request("c", "one two")]
    f = write_jsonl(tmp_path / "r.jsonl", reqs)
    with FakeAPI(statuses=[429, 503]) as api:
        api_env(api)
        r = run("count", f, "--exact", "-O", "0", "-f", "json", "--on", "2026-11-21")
    assert r.code == 0, r.err
    d = r.json()
    # 200 + 300 + 200 input tokens, straight from the API.
    assert d["input_tokens"] == 700
    assert d["estimator"]["method"] == "count_tokens API"
    assert d["estimator"]["count_tokens"]["unique_requests"] == 2
    assert d["estimator"]["count_tokens"]["retries"] == 2
    assert len(api.calls) == 4  # two unique requests + two retried failures
    assert {p for p, _ in api.calls} == {"/v1/messages/count_tokens"}
    # max_tokens is not sent to count_tokens; the key is sent as a header and never printed.
    assert all("max_tokens" not in body for _, body in api.calls)
    assert api.keys == {"sk-test-not-a-real-key"}
    assert "sk-test" not in r.out and "sk-test" not in r.err
    # Sonnet 4.6 sync: 700 x $3 / MTok = $0.0021.
    assert {s["name"]: s["total_usd"] for s in d["scenarios"]}["sync"] == "0.0021"


def test_exact_gives_up_after_retries_with_one_line(run, tmp_path, api_env):
    from calculator.exact_count import ExactCounter

    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    with FakeAPI(statuses=[500] * 20) as api:
        api_env(api)
        counter = ExactCounter(max_retries=2, backoff=0.001)
        counter.submit({"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "x"}]}, "r.jsonl:1")
        with pytest.raises(Exception) as exc:
            counter.wait()
        assert "HTTP 500" in str(exc.value)
        assert len(api.calls) == 3  # the first try and two retries


def test_exact_refused_key_and_missing_key(run, tmp_path, api_env, monkeypatch):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    r = run("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "ANTHROPIC_API_KEY" in r.err and len(r.err.strip().splitlines()) == 1
    with FakeAPI(statuses=[401]) as api:
        api_env(api)
        r = run("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "401" in r.err and "Traceback" not in r.err
    assert "sk-test" not in r.err


def test_exact_bad_request_names_the_line(run, tmp_path, api_env):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    with FakeAPI(statuses=[400]) as api:
        api_env(api)
        r = run("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "r.jsonl:1" in r.err and "400" in r.err
