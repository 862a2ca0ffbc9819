"""`batchcalc batches --from-api` against the fake Message Batches API (tests/fake_api.py): listing
pages, dates, ids, results only for ended batches, bounded concurrency, the overall deadline,
and the key never printed. Figures as in test_batches_cmd.py (worked by hand there)."""

import time
from decimal import Decimal

from fake_api import API_KEY as KEY


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
    assert "/v1/messages/batches/msgbatch_01C/results" not in fake_api.paths()
    assert fake_api.max_active == 1
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
    fake_api.delay = 0.3
    r = cli("batches", "--from-api", "--concurrency", "2", "-f", "json")
    assert r.code == 0, r.err
    assert fake_api.max_active == 2  # both ended batches at once, never more


def test_overall_deadline_stops_a_hanging_api(cli, fake_api):
    fake_api.delay = 10
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
