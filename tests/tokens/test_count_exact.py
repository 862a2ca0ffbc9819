"""--exact against the fake count_tokens endpoint (tests/fake_api.py: 100 input tokens per word of
the user messages), never the network."""

from __future__ import annotations

import pytest
from conftest import request, write_jsonl
from fake_api import API_KEY


def test_exact_counts_dedupe_and_retry(cli, tmp_path, fake_api):
    # a and c are identical requests (custom_id aside): counted once. 429 and 503 are retried.
    reqs = [request("a", "one two"), request("b", "one two three"), request("c", "one two")]
    f = write_jsonl(tmp_path / "r.jsonl", reqs)
    fake_api.statuses = [429, 503]
    r = cli("count", f, "--exact", "-O", "0", "-f", "json", "--on", "2026-11-21")
    assert r.code == 0, r.err
    d = r.json()
    # 200 + 300 + 200 input tokens, straight from the API.
    assert d["input_tokens"] == 700
    assert d["estimator"]["method"] == "count_tokens API"
    assert d["estimator"]["count_tokens"]["unique_requests"] == 2
    assert d["estimator"]["count_tokens"]["retries"] == 2
    assert len(fake_api.posted) == 4  # two unique requests + two retried failures
    assert set(fake_api.paths()) == {"/v1/messages/count_tokens"}
    # max_tokens is not sent to count_tokens; the key is sent as a header and never printed.
    assert all("max_tokens" not in body for _, body in fake_api.posted)
    assert fake_api.keys() == {API_KEY}
    assert API_KEY[:12] not in r.out and API_KEY[:12] not in r.err
    # Sonnet 4.6 sync: 700 x $3 / MTok = $0.0021.
    assert {s["name"]: s["total_usd"] for s in d["scenarios"]}["sync"] == "0.0021"


def test_exact_gives_up_after_retries_with_one_line(fake_api):
    from calculator.exact_count import ExactCounter

    fake_api.statuses = [500] * 20
    counter = ExactCounter(max_retries=2, backoff=0.001)
    counter.submit({"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "x"}]}, "r.jsonl:1")
    with pytest.raises(Exception) as exc:
        counter.wait()
    assert "HTTP 500" in str(exc.value)
    assert len(fake_api.posted) == 3  # the first try and two retries


def test_exact_missing_key(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    r = cli("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "ANTHROPIC_API_KEY" in r.err and len(r.err.strip().splitlines()) == 1


def test_exact_refused_key(cli, tmp_path, fake_api):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    fake_api.statuses = [401]
    r = cli("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "401" in r.err and "Traceback" not in r.err
    assert API_KEY[:12] not in r.err


def test_exact_bad_request_names_the_line(cli, tmp_path, fake_api):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", "one")])
    fake_api.statuses = [400]
    r = cli("count", f, "--exact", "-O", "0")
    assert r.code == 1 and "r.jsonl:1" in r.err and "400" in r.err
