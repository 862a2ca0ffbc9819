"""The network against slow, looping, broken and hostile servers (all on 127.0.0.1, each test
bounded in requests and seconds), and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from calculator.errors import NetworkError
from calculator.net import Api, retry_after
from conftest import one_line_error, request_line
from fake_api import FakeServer, answer

KEY = "sk-ant-api03-TESTKEY-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
COUNT = ["-O", "0", "--on", "2026-11-02", "-f", "json"]


def _env(monkeypatch, variable: str, default_key: str):
    """setup(url, key): the key in ``variable`` and the API at ``url``."""
    def setup(url: str, key: str = default_key):
        monkeypatch.setenv(variable, key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    return setup


@pytest.fixture
def api_env(monkeypatch):
    return _env(monkeypatch, "ANTHROPIC_API_KEY", KEY)


def _sample(tmp_path, n: int = 1):
    f = tmp_path / "r.jsonl"
    f.write_text("".join(request_line(f"words {i}", f"r{i}") for i in range(n)))
    return f


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- retry-after ----------------------------------------------------------------------------------

@pytest.mark.parametrize("header,expected", [
    ("3", 3.0), ("0", 0.0), ("-5", 1.5), ("NaN", 1.5), ("inf", 1.5), ("soon", 1.5), ("", 1.5), (None, 1.5),
    ("1e308", 30.0),  # capped
    ("Wed, 21 Oct 2015 07:28:00 GMT", 1.5),  # a date in the past: negative, the backoff instead
])
def test_retry_after_is_parsed_defensively(header, expected):
    assert retry_after(header, 1.5) == expected


def test_retry_after_as_an_http_date_in_the_future():
    import email.utils

    soon = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= retry_after(soon, 1.5) <= 10.5


def test_a_negative_retry_after_from_the_server_is_not_an_internal_error(cli, tmp_path, api_env):
    """429 with retry-after -5, then NaN, then an answer: counted, 2 retries."""
    headers = iter(["-5", "NaN"])

    def handle(h):
        value = next(headers, None)
        if value is not None:
            answer(h, 429, '{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}', retry_after=value)
        else:
            answer(h, 200, '{"input_tokens": 12}')

    with FakeServer(handle) as server:
        api_env(server.url)
        r = cli("count", _sample(tmp_path), "--exact", *COUNT)
    assert r.code == 0, r.err
    assert r.json()["input_tokens"] == 12 and r.json()["estimator"]["count_tokens"]["retries"] == 2


# -- answers that are not answers ------------------------------------------------------------------

@pytest.mark.parametrize("body,ctype,says", [
    ("<!DOCTYPE html><html><body>Welcome to the proxy</body></html>", "text/html", "not a JSON object (text/html"),
    ('{"input_tokens": 12', "application/json", "not a JSON object"),
    ('{"input_tokens": 12.5}', "application/json", "input_tokens 12.5, expected a whole number"),
    ('{"input_tokens": "12"}', "application/json", "input_tokens '12', expected a whole number"),
    ("[" * 100_000, "application/json", "not a JSON object"),
])
def test_a_200_that_is_not_a_count_is_one_line(cli, tmp_path, api_env, body, ctype, says):
    with FakeServer(lambda h: answer(h, 200, body, ctype)) as server:
        api_env(server.url)
        one_line_error(cli("count", _sample(tmp_path), "--exact", *COUNT), 1, says)


# -- deadline, breaker, paging ---------------------------------------------------------------------

def trickle(h):
    """An answer at one byte every 5 seconds (until the client hangs up)."""
    h.rfile.read(int(h.headers.get("content-length") or 0))
    for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n":
        try:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
        except OSError:
            return
        time.sleep(5)


def test_a_server_sending_one_byte_every_5_seconds_is_cut_at_the_deadline(cli, tmp_path, api_env):
    with FakeServer(trickle) as server:
        api_env(server.url)
        start = time.monotonic()
        r = cli("count", _sample(tmp_path), "--exact", "--timeout", "2", *COUNT)
        elapsed = time.monotonic() - start
    one_line_error(r, 1, "no complete answer within --timeout 2 seconds")
    assert elapsed < 6, elapsed


def test_offline_exact_fails_fast_with_the_breaker(cli, tmp_path, api_env):
    """240 requests, nothing listening: "cannot reach the API" after a few tries, in seconds."""
    api_env(f"http://127.0.0.1:{_closed_port()}")
    start = time.monotonic()
    r = cli("count", _sample(tmp_path, 240), "--exact", *COUNT)
    elapsed = time.monotonic() - start
    one_line_error(r, 1, "cannot reach the API")
    assert elapsed < 10, elapsed


def test_has_more_forever_stops_at_the_page_limit():
    n = iter(range(10**6))

    def handle(h):
        answer(h, 200, json.dumps({"data": [], "has_more": True, "next_page": f"cursor-{next(n)}"}))

    with FakeServer(handle) as server:
        api = Api(key=KEY, key_env="ANTHROPIC_ADMIN_KEY", base_url=server.url, timeout=30)
        with pytest.raises(NetworkError, match="more than 50 pages; narrow the date range"):
            list(api.pages("/v1/organizations/usage_report/messages", {}, what="usage report", max_pages=50))
    assert server.hits == 50


def test_a_repeated_cursor_is_noticed():
    cursors = iter(["a", "b", "a"])

    def handle(h):
        answer(h, 200, json.dumps({"data": [{"x": 1}], "has_more": True, "next_page": next(cursors)}))

    with FakeServer(handle) as server:
        api = Api(key=KEY, key_env="ANTHROPIC_ADMIN_KEY", base_url=server.url, timeout=30)
        with pytest.raises(NetworkError, match="page 3 repeats the cursor of an earlier page"):
            list(api.pages("/v1/x", {}, what="usage report"))
    assert server.hits == 3


# -- Ctrl-C -------------------------------------------------------------------------------------

def test_ctrl_c_during_exact_stops_everything_within_a_second(tmp_path):
    """A server that never answers; SIGINT after 2 s: exit 130, "batchcalc: interrupted", fast."""
    def handle(h):
        time.sleep(60)

    with FakeServer(handle) as server:
        env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url}
        p = subprocess.Popen([sys.executable, "-c", "from calculator.cli import run; run()", "count",
                              str(_sample(tmp_path, 40)), "--exact", *COUNT],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 20
        while server.hits < 8 and time.monotonic() < deadline:  # every worker is waiting
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            out, err = p.communicate(timeout=10)
        finally:
            p.kill()
        took = time.monotonic() - sent
    assert p.returncode == 130, err
    assert err.decode().strip() == "batchcalc: interrupted"
    assert took < 1.5, took


# -- keys ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [KEY[:20] + "\n" + KEY[20:], KEY + " ", "sk-ant-é" + KEY[8:], KEY[:10] + "\x07" + KEY[10:]])
def test_a_key_with_whitespace_control_or_non_ascii_is_refused_unprinted(cli, tmp_path, api_env, bad):
    with FakeServer(lambda h: answer(h, 200, '{"input_tokens": 1}')) as server:
        api_env(server.url, bad)
        line = one_line_error(cli("count", _sample(tmp_path), "--exact", *COUNT), 1, "ANTHROPIC_API_KEY holds")
    assert server.hits == 0
    for piece in (KEY[:12], KEY[20:32], KEY[-12:]):
        assert piece not in line


@pytest.mark.parametrize("echo", [
    KEY,  # as received
    KEY[:-4] + "****",  # masked
    KEY.upper(),  # in capitals
    "key ending " + KEY[-20:],  # a 20-character piece
])
def test_a_key_echoed_by_the_server_is_not_printed(cli, tmp_path, api_env, echo):
    body = json.dumps({"type": "error", "error": {"type": "authentication_error", "message": f"invalid key {echo}"}})
    with FakeServer(lambda h: answer(h, 401, body)) as server:
        api_env(server.url)
        r = cli("count", _sample(tmp_path), "--exact", *COUNT)
    line = one_line_error(r, 1, "401")
    low = line.lower()
    for i in range(len(KEY) - 12):
        assert KEY[i:i + 12].lower() not in low, line


# -- --from-api (the Admin API) -----------------------------------------------------------------

ADMIN_KEY = "sk-ant-admin01-HOSTILE-0123456789abcdefghij-KLMNOPQRST"
FROM_API = ["usage", "--from-api", "--since", "2026-10-01", "--until", "2026-10-02"]


@pytest.fixture
def admin_env(monkeypatch):
    return _env(monkeypatch, "ANTHROPIC_ADMIN_KEY", ADMIN_KEY)


def _page(model: str, workspace: str = "wrkspc_1") -> dict:
    return {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [{
        "uncached_input_tokens": 1000, "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "cache_read_input_tokens": 0, "output_tokens": 100, "server_tool_use": {"web_search_requests": 0},
        "model": model, "service_tier": "standard", "context_window": "0-200k", "workspace_id": workspace,
        "api_key_id": None, "inference_geo": None, "speed": None}]}], "has_more": False, "next_page": None}


def test_from_api_has_more_forever_stops(cli, admin_env):
    n = iter(range(10**6))

    def handle(h):
        answer(h, 200, json.dumps({"data": [], "has_more": True, "next_page": f"c{next(n)}"}))

    with FakeServer(handle) as server:
        admin_env(server.url)
        one_line_error(cli(*FROM_API), 1, "more than 1,000 pages; narrow the date range")
    assert server.hits == 1000


def test_from_api_trickle_is_cut_at_the_deadline(cli, admin_env):
    with FakeServer(trickle) as server:
        admin_env(server.url)
        start = time.monotonic()
        one_line_error(cli(*FROM_API, "--timeout", "1.5"), 1, "within --timeout 1.5 seconds")
    assert time.monotonic() - start < 6


def test_from_api_html_from_a_proxy(cli, admin_env):
    with FakeServer(lambda h: answer(h, 200, "<html><body>Sign in</body></html>", "text/html")) as server:
        admin_env(server.url)
        one_line_error(cli(*FROM_API), 1, "not a JSON object (text/html")


def test_a_key_with_a_newline_is_refused_before_any_request(cli, admin_env):
    with FakeServer(lambda h: answer(h, 200, json.dumps(_page("claude-haiku-4-5")))) as server:
        admin_env(server.url, ADMIN_KEY[:25] + "\n" + ADMIN_KEY[25:])
        line = one_line_error(cli(*FROM_API), 1, "ANTHROPIC_ADMIN_KEY holds a space or line break at character 26")
    assert server.hits == 0
    for i in range(len(ADMIN_KEY) - 12):
        assert ADMIN_KEY[i:i + 12] not in line


def test_a_key_returned_as_a_field_value_is_scrubbed(cli, admin_env, tmp_path):
    """A page whose model and workspace are key-shaped (a hostile or broken proxy): the key
    reaches neither standard error nor the HTML report."""
    leaked = "sk-ant-api03-LEAKEDBYTHEPROXY-0123456789abcdef"
    with FakeServer(lambda h: answer(h, 200, json.dumps(_page(leaked, workspace=ADMIN_KEY)))) as server:
        admin_env(server.url)
        out = tmp_path / "usage.html"
        r = cli(*FROM_API, "-f", "html", "-o", out)
    assert r.code in (0, 1), r.err
    text = r.err + r.out + (out.read_text() if out.exists() else "")
    for key in (leaked, ADMIN_KEY):
        for i in range(len(key) - 12):
            assert key[i:i + 12].lower() not in text.lower(), key[i:i + 12]


def test_progress_counts_a_failure_as_a_failure(api_env):
    """One request counted, one refused (400): progress reports (1 counted, 0 failed) then
    (1 counted, 1 failed), never 2 done."""
    from calculator.errors import InputError
    from calculator.exact_count import ExactCounter

    def handle(h):
        body = json.loads(h.rfile.read(int(h.headers["content-length"])))
        h.headers.replace_header("content-length", "0")
        if "bad" in json.dumps(body):
            answer(h, 400, '{"type":"error","error":{"type":"invalid_request_error","message":"no"}}')
        else:
            answer(h, 200, '{"input_tokens": 3}')

    with FakeServer(handle) as server:
        api_env(server.url)
        seen = []
        counter = ExactCounter(concurrency=1, progress=lambda done, failed: seen.append((done, failed)))
        for i, text in enumerate(["good", "bad"]):
            counter.submit(json.loads(request_line(text, f"r{i}"))["params"], f"r.jsonl:{i + 1}")
        with pytest.raises(InputError, match="r.jsonl:2: count_tokens rejected this request: HTTP 400"):
            counter.wait()
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [(1, 0), (1, 1)]
