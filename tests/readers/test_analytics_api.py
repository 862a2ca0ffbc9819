"""The Analytics API client against the local fake server (conftest.py): both endpoints, every
page, group_by combinations, a missing field, an expired cursor, the key never shown."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from calculator.errors import InputError, NetworkError
from calculator.readers import analytics_api as client
from calculator.readers.analytics import read_cost, read_usage
from calculator.readers.analytics_api import Query, fetch_cost, fetch_usage

from fake_api import BETA, ADMIN_KEY

OCTOBER = Query(dt.date(2026, 10, 1), dt.date(2026, 10, 31), today=dt.date(2026, 12, 1))
FAST = {"timeout": 20.0}  # every test is bounded in time; the fake answers in milliseconds
# Totals of the example month: see tests/readers/test_analytics.py for the arithmetic.
USAGE_TOTALS = {"uncached_input": 22_100_000, "cache_write_5m": 1_000_000, "cache_write_1h": 300_000,
                "cache_read": 24_000_000, "output": 2_810_000, "web_search_requests": 20, "requests": 21_550}


def sums(table, columns):
    import pyarrow.compute as pc

    return {c: pc.sum(table[c]).as_py() for c in columns}


def by(table, column, value_column):
    out = {}
    for row in table.to_pylist():
        out[row[column]] = out.get(row[column], 0) + row[value_column]
    return out


def test_usage_every_page_with_the_headers_and_the_query(fake_api, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    table = fetch_usage(OCTOBER, **FAST)
    assert table.num_rows == 6 and sums(table, USAGE_TOTALS) == USAGE_TOTALS
    # six rows, two per page: three requests, the 2nd and 3rd with the cursor of the one before
    assert fake_api.pages_served("usage") == 3
    (path, query, headers), second, third = fake_api.requests
    assert path == "/v1/organizations/analytics/usage"
    assert headers["anthropic-beta"] == BETA and headers["anthropic-version"] == "2023-06-01"
    assert headers["x-api-key"] == ADMIN_KEY
    assert query["starting_at"] == ["2026-10-01T00:00:00Z"] and query["ending_at"] == ["2026-11-01T00:00:00Z"]
    assert query["time_bucket_width"] == ["1d"] and query["limit"] == ["2"]
    assert query["group_by[]"] == ["model", "service_tier", "context_window", "inference_geo",
                                   "workspace_id", "api_key_id"]
    assert "page" not in query and second[1]["page"] == ["cur-2"] and third[1]["page"] == ["cur-4"]


@pytest.mark.parametrize("group_by, bucket, expected_rows", [
    (("model",), None, 4),  # Sonnet, Haiku, Opus, Mythos over the whole range
    # day 1: standard (Sonnet, Haiku), batch (Sonnet); day 2: standard (Opus, Mythos), batch (Sonnet)
    (("service_tier",), "1d", 4),
    ((), None, 1),  # no group_by, no bucket: one row for the whole range
    (("model", "service_tier"), "1d", 6),
    (("workspace_id", "api_key_id"), None, 2),
])
def test_group_by_combinations_give_the_same_totals(fake_api, group_by, bucket, expected_rows):
    query = Query(OCTOBER.since, OCTOBER.until, time_bucket_width=bucket, group_by=group_by, today=OCTOBER.today)
    table = fetch_usage(query, **FAST)
    assert table.num_rows == expected_rows
    assert sums(table, USAGE_TOTALS) == USAGE_TOTALS
    if group_by == ("model",):
        # Sonnet uncached input: 2M (standard, day 1) + 10M (batch, day 1) + 4M (batch, day 2) = 16M
        assert by(table, "model", "uncached_input")["claude-sonnet-4-6"] == 16_000_000
        assert set(table.column("service_tier").to_pylist()) == {None}  # not grouped: null, not a guess
        assert table.column("period").to_pylist()[0] == dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
    if group_by == ("service_tier",):
        # batch requests: 5000 (day 1) + 4000 (day 2)
        assert by(table, "service_tier", "requests")["batch"] == 9_000


def test_cost_every_page_and_cost_type(fake_api, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 5)
    table = fetch_cost(OCTOBER, **FAST)
    # 18 rows, 5 a page: 4 pages. $86.05 in all (tests/readers/test_analytics.py)
    assert fake_api.pages_served("cost") == 4 and table.num_rows == 18
    assert sums(table, ["amount_usd", "list_amount_usd"]) == {"amount_usd": Decimal("86.05"),
                                                              "list_amount_usd": Decimal("86.05")}
    query = fake_api.requests[0][1]
    assert query["group_by[]"][-2:] == ["cost_type", "token_type"]
    by_type = fetch_cost(Query(OCTOBER.since, OCTOBER.until, None, ("cost_type",), today=OCTOBER.today), **FAST)
    # web search: 20 cents; tokens: 8605 - 20 = 8585 cents
    assert by(by_type, "cost_type", "amount_usd") == {"tokens": Decimal("85.85"), "web_search": Decimal("0.20")}


def test_filters_are_sent(fake_api):
    query = Query(OCTOBER.since, OCTOBER.until, models=("claude-opus-4-7",), today=OCTOBER.today)
    table = fetch_usage(query, **FAST)
    assert fake_api.requests[0][1]["models"] == ["claude-opus-4-7"]
    # Opus: one row, 1M uncached input, 500 requests
    assert table.num_rows == 1 and table.column("requests").to_pylist() == [500]


def test_a_missing_field_is_one_line_naming_the_field_and_the_row(fake_api, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 4)
    fake_api.drop = ("cache_creation", "ephemeral_1h_input_tokens")
    with pytest.raises(InputError) as err:
        fetch_usage(OCTOBER, **FAST)
    assert str(err.value) == ("Analytics API usage: row 1 (page 1, data[0]): "
                              "no usage.cache_creation.ephemeral_1h_input_tokens")
    fake_api.drop = ("uncached_input_tokens",)
    with pytest.raises(InputError, match=r"no usage.uncached_input_tokens or usage.input_tokens \(a name not "
                                         r"confirmed by Anthropic's docs: FIELDS\['usage.uncached_input'\]"):
        fetch_usage(OCTOBER, **FAST)


def test_an_expired_cursor_says_to_rerun(fake_api, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    fake_api.expire_cursor = "cur-4"
    with pytest.raises(NetworkError) as err:
        fetch_usage(OCTOBER, **FAST)
    message = str(err.value)
    assert message == ("Analytics API /v1/organizations/analytics/usage: the page cursor expired (HTTP 410) "
                       "after 2 page(s): rerun the command to fetch from the first page")
    assert ADMIN_KEY not in message


def test_a_repeated_cursor_stops_instead_of_looping(fake_api, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    fake_api.loop_cursor = True
    with pytest.raises(NetworkError, match="page 2 repeats the cursor of an earlier page"):
        fetch_usage(OCTOBER, **FAST)
    assert fake_api.pages_served("usage") == 2


def test_the_page_limit(fake_api, monkeypatch):
    # The deadline is calculator.net's, tested there (tests of net.py) for every client.
    monkeypatch.setattr(client, "PAGE_SIZE", 1)
    with pytest.raises(NetworkError, match="more than 3 pages; narrow the date range"):
        fetch_usage(OCTOBER, timeout=20.0, max_pages=3)
    assert fake_api.pages_served("usage") == 3


def test_save_responses_then_replay_offline(fake_api, monkeypatch, tmp_path):
    monkeypatch.setattr(client, "PAGE_SIZE", 4)
    run = tmp_path / "2026-10"
    live_usage = fetch_usage(OCTOBER, save_dir=run, **FAST)
    live_cost = fetch_cost(OCTOBER, save_dir=run, **FAST)
    names = sorted(p.name for p in run.iterdir())
    # 6 usage rows in pages of 4: 2 pages; 18 cost rows: 5 pages
    assert names == [f"analytics_cost_p000{i}.json" for i in range(1, 6)] + \
        ["analytics_usage_p0001.json", "analytics_usage_p0002.json"]
    assert json.loads((run / "analytics_usage_p0002.json").read_text())["has_more"] is False
    replay_usage, replay_cost = read_usage([run]), read_cost([run])
    assert sums(replay_usage, USAGE_TOTALS) == sums(live_usage, USAGE_TOTALS) == USAGE_TOTALS
    assert replay_cost.drop(["source", "line"]).equals(live_cost.drop(["source", "line"]))
    assert not any(ADMIN_KEY in p.read_text() for p in run.iterdir())
    # a second run into the same directory would be counted twice on replay: refused
    with pytest.raises(InputError, match="already holds saved usage pages"):
        fetch_usage(OCTOBER, save_dir=run, **FAST)


def test_the_key_errors_never_show_the_key(fake_api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-WRONG-key")
    with pytest.raises(NetworkError) as err:
        fetch_usage(OCTOBER, **FAST)
    assert "HTTP 401: authentication_error invalid x-api-key (the key in ANTHROPIC_ADMIN_KEY was refused)" \
        in str(err.value)
    assert "WRONG" not in str(err.value)
    # a read:analytics key is used when there is no Admin key
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    monkeypatch.setenv("ANTHROPIC_ANALYTICS_KEY", ADMIN_KEY)
    assert fetch_usage(OCTOBER, **FAST).num_rows == 6
    monkeypatch.delenv("ANTHROPIC_ANALYTICS_KEY")
    with pytest.raises(InputError, match="ANTHROPIC_ADMIN_KEY .* or ANTHROPIC_ANALYTICS_KEY"):
        fetch_usage(OCTOBER, **FAST)


def test_the_date_range_is_checked_before_any_request():
    for query, message in ((Query(dt.date(2025, 12, 1), dt.date(2025, 12, 31), today=dt.date(2026, 2, 1)),
                            "no data before 2026-01-01"),
                           (Query(dt.date(2026, 1, 5), dt.date(2026, 1, 6), today=dt.date(2027, 3, 1)),
                            "the last 365 days only"),
                           (Query(dt.date(2026, 10, 5), dt.date(2026, 10, 1), today=dt.date(2026, 12, 1)),
                            "--until 2026-10-01 is before --since 2026-10-05"),
                           (Query(dt.date(2026, 10, 1), dt.date(2026, 10, 2), "1m", today=dt.date(2026, 12, 1)),
                            "--bucket-width '1m': expected one of 1d, 1h")):
        with pytest.raises(InputError, match=message):
            query.params("usage")
