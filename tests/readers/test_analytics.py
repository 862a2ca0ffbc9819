"""Saved Usage and Cost Analytics API responses (examples/analytics/: the month of
examples/usage_report.json and cost_report.json) read into the canonical relations."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal

import pytest

from calculator.errors import InputError, SourceMismatchError
from calculator.readers.analytics import (FIELDS, cost_table, load_pages, looks_like_analytics, read_cost,
                                          read_usage, usage_table)
from conftest import EXAMPLES

SAVED = EXAMPLES / "analytics"

# The month of examples/usage_report.json, row by row (six rows over two days):
#   uncached input 2M + 10M + 5M + 1M + 4M + 0.1M = 22.1M     5m writes 1M (Haiku)
#   1h writes 0.1M + 0.2M = 0.3M      cache reads 4M + 20M = 24M
#   output 0.4M + 1M + 0.5M + 0.1M + 0.8M + 0.01M = 2.81M      web searches 20
#   requests (only in the Analytics API) 2000 + 5000 + 10000 + 500 + 4000 + 50 = 21,550
USAGE_TOTALS = {"uncached_input": 22_100_000, "cache_write_5m": 1_000_000, "cache_write_1h": 300_000,
                "cache_read": 24_000_000, "output": 2_810_000, "web_search_requests": 20, "requests": 21_550}
# examples/cost_report.json in cents: day 1 600+600+3000+30+60+750+500+125+200+250+20 = 6135,
# day 2 550+220+275+600+600+150+75 = 2470; 8605 cents = $86.05 (list price the same: no discount).
COST_TOTAL = Decimal("86.05")


def sums(table, columns):
    import pyarrow.compute as pc

    return {c: pc.sum(table[c]).as_py() for c in columns}


def page(rows, **extra):
    return {"data": rows, "has_more": False, "next_page": None, **extra}


def usage_row(day="2026-10-01", group=None, **usage):
    body = {"uncached_input_tokens": 1000, "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                                              "ephemeral_5m_input_tokens": 0},
            "cache_read_input_tokens": 0, "output_tokens": 100, "requests": 3,
            "server_tool_use": {"web_search_requests": 0}}
    body.update(usage)
    return {"starting_at": f"{day}T00:00:00Z", "ending_at": f"{day}T23:59:59Z",
            "group": group if group is not None else {"model": "claude-sonnet-4-6"}, "usage": body}


def cost_row(amount, list_amount=None, group=None):
    return {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
            "group": group or {"model": "claude-sonnet-4-6", "token_type": "output_tokens"},
            "cost": {"amount": amount, "list_amount": list_amount, "currency": "USD", "requests": None}}


def write(tmp_path, doc, name="saved.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_detected_by_content_and_told_from_the_admin_api_and_batch_results():
    for path in sorted(SAVED.iterdir()):
        expected = "analytics_usage" if "usage" in path.name else "analytics_cost"
        assert looks_like_analytics(path.read_bytes()[:65536]) == expected, path
    for name in ("usage_report.json", "cost_report.json", "batch_results.jsonl", "console_usage.csv"):
        assert looks_like_analytics((EXAMPLES / name).read_bytes()[:65536]) is None, name
    # no group_by: the group is an empty object or null, still an Analytics row
    assert looks_like_analytics(json.dumps(page([usage_row(group={})])).encode()) == "analytics_usage"
    assert looks_like_analytics(b'{"data": [{"group": null, "cost": {"amount": "1"}}]}') == "analytics_cost"


def test_the_saved_month_totals(tmp_path):
    usage = read_usage([SAVED])
    assert usage.num_rows == 6
    assert sums(usage, USAGE_TOTALS) == USAGE_TOTALS
    assert usage.column("period")[0].as_py() == dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
    first = usage.slice(0, 1).to_pylist()[0]
    # raw spellings kept for the engine; speed was not grouped by: null, not a guess
    assert (first["model"], first["service_tier"], first["context_window"], first["workspace"],
            first["api_key"], first["speed"], first["line"]) == \
        ("claude-sonnet-4-6", "standard", "0-200k", "wrkspc_support", "apikey_support", None, 1)
    cost = read_cost([SAVED])
    assert cost.num_rows == 18
    assert sums(cost, ["amount_usd", "list_amount_usd", "rows"]) == \
        {"amount_usd": COST_TOTAL, "list_amount_usd": COST_TOTAL, "rows": 18}
    web = [r for r in cost.to_pylist() if r["cost_type"] == "web_search"]
    assert len(web) == 1 and web[0]["amount_usd"] == Decimal("0.20") and web[0]["model"] is None


def test_a_page_a_list_of_pages_one_page_per_line_and_gzip(tmp_path):
    pages = [json.loads(p.read_text()) for p in sorted(SAVED.glob("analytics_usage_*.json"))]
    as_list = write(tmp_path, pages, "list.json")
    as_lines = write(tmp_path, "\n".join(json.dumps(p) for p in pages) + "\n", "lines.jsonl")
    gz = tmp_path / "pages.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(pages).encode()))
    for path in (as_list, as_lines, gz):
        assert sums(read_usage([path]), USAGE_TOTALS) == USAGE_TOTALS, path
    one = write(tmp_path, pages[1], "one.json")
    assert read_usage([one]).num_rows == 2  # the second page holds rows 5 and 6


def test_a_missing_field_is_one_line_naming_the_field_the_file_and_the_row(tmp_path):
    row = usage_row()
    del row["usage"]["cache_read_input_tokens"]
    path = write(tmp_path, page([usage_row(), row]))
    with pytest.raises(InputError) as err:
        read_usage([path])
    assert str(err.value) == f"{path}: row 2 (page 1, data[1]): no usage.cache_read_input_tokens"
    # an unconfirmed name says so, and where the names live
    row = usage_row()
    del row["usage"]["uncached_input_tokens"]
    with pytest.raises(InputError, match=r"row 1 \(page 1, data\[0\]\): no usage.uncached_input_tokens or "
                                         r"usage.input_tokens \(a name not confirmed .*FIELDS\['usage.uncached_input'\]"):
        usage_table([page([row])], "api.json")
    with pytest.raises(InputError, match=r"^c.json: row 1 \(page 1, data\[0\]\): no cost.amount$"):
        cost_table([page([{**cost_row("1"), "cost": {"list_amount": "1", "currency": "USD"}}])], "c.json")
    with pytest.raises(InputError, match=r"/c.json: page 1: no 'data' list of rows \(found has_more, rows\)"
                                         r" \(a name not confirmed"):
        load_pages(str(write(tmp_path, {"rows": [], "has_more": False}, "c.json")))


def test_input_tokens_is_read_when_the_uncached_name_is_absent():
    row = usage_row()
    row["usage"]["input_tokens"] = row["usage"].pop("uncached_input_tokens")
    assert usage_table([page([row])], "x").column("uncached_input").to_pylist() == [1000]


def test_bad_counts_and_nullable_requests():
    with pytest.raises(InputError, match=r"row 1 .*usage.output_tokens = -5: expected a whole number >= 0"):
        usage_table([page([usage_row(output_tokens=-5)])], "x")
    with pytest.raises(InputError, match=r"usage.output_tokens = '7'"):
        usage_table([page([usage_row(output_tokens="7")])], "x")
    t = usage_table([page([usage_row(requests=None), usage_row(day="2026-10-02", server_tool_use=None)])], "x")
    assert t.column("requests").to_pylist() == [None, 3]
    # server_tool_use absent (no server tool used): zero searches, not an error
    row = usage_row()
    del row["usage"]["server_tool_use"]
    assert usage_table([page([row])], "x").column("web_search_requests").to_pylist() == [0]
    with pytest.raises(InputError, match="starting_at = '2026-10-01': expected a time zone"):
        usage_table([page([{**usage_row(), "starting_at": "2026-10-01"}])], "x")


def test_cents_become_dollars_exactly():
    t = cost_table([page([cost_row("123.456789", "200"), cost_row("0.5", None),
                          cost_row("98765432109.0000000001", "1")])], "x")
    # 123.456789 cents = $1.23456789; "200" cents = $2; 0.5 cents = $0.005; 10 decimals of a cent kept
    assert t.column("amount_usd").to_pylist() == [Decimal("1.23456789"), Decimal("0.005"),
                                                  Decimal("987654321.090000000001")]
    assert t.column("list_amount_usd").to_pylist() == [Decimal("2"), None, Decimal("0.01")]
    with pytest.raises(InputError, match=r"cost.amount = 1.5: expected a decimal string of cents"):
        cost_table([page([cost_row(1.5)])], "x")
    with pytest.raises(InputError, match="more than 10 decimal places of a cent"):
        cost_table([page([cost_row("0.00000000001")])], "x")
    with pytest.raises(InputError, match="cost.currency = 'EUR': only USD"):
        cost_table([page([{**cost_row("1"), "cost": {"amount": "1", "currency": "EUR"}}])], "x")


def test_usage_and_cost_are_not_taken_for_each_other(tmp_path):
    with pytest.raises(SourceMismatchError, match="expected an Analytics API usage response, but this is an "
                                                  "Analytics API cost response"):
        read_usage([SAVED / "analytics_cost_2026-10_p1.json"])
    with pytest.raises(SourceMismatchError, match="not an Analytics API response"):
        read_cost([EXAMPLES / "cost_report.json"])
    with pytest.raises(SourceMismatchError, match="this is a cost response"):
        usage_table([page([cost_row("1")])], "x")
    only_usage = tmp_path / "run"
    only_usage.mkdir()
    (only_usage / "analytics_usage_p0001.json").write_text(json.dumps(page([usage_row()])))
    with pytest.raises(InputError, match="no analytics cost pages"):
        read_cost([only_usage])


def test_rows_split_by_a_dimension_outside_the_canonical_columns_are_summed():
    # grouped by actor: two rows with the same canonical key must not look like one row given twice
    a = usage_row(group={"model": "claude-sonnet-4-6", "actor": "user_1"})
    b = usage_row(group={"model": "claude-sonnet-4-6", "actor": "user_2"}, output_tokens=50)
    t = usage_table([page([a, b])], "x")
    assert t.num_rows == 1 and t.column("output").to_pylist() == [150] and t.column("requests").to_pylist() == [6]
    # without such a dimension a repeated row stays visible (the engine reports it as a duplicate)
    assert usage_table([page([usage_row(), usage_row()])], "x").num_rows == 2
    c = cost_table([page([cost_row("10", "20", {"model": "m", "actor": "u1"}),
                          cost_row("5", "8", {"model": "m", "actor": "u2"})])], "x")
    assert c.to_pylist()[0]["amount_usd"] == Decimal("0.15") and c.to_pylist()[0]["rows"] == 2


def test_every_unconfirmed_name_of_data_formats_is_marked_unconfirmed():
    # data-formats.md 4: the page wrapper, the uncached input field, time_bucket_width other than 1d
    for key in ("page.rows", "page.has_more", "page.next_page", "usage.uncached_input",
                "value.time_bucket_width.hour"):
        assert FIELDS[key].confirmed is False, key
    assert FIELDS["value.time_bucket_width.day"].confirmed and FIELDS["usage.requests"].confirmed


def test_a_pipe_is_read_once(tmp_path):
    import os
    import threading

    fifo = tmp_path / "pages.fifo"
    os.mkfifo(fifo)
    data = (SAVED / "analytics_usage_2026-10_p1.json").read_bytes()
    writer = threading.Thread(target=lambda: fifo.write_bytes(data), daemon=True)
    writer.start()
    # the first page: rows 1-4 (Sonnet standard, Sonnet batch, Haiku on day 1; Opus on day 2)
    assert read_usage([str(fifo)]).column("requests").to_pylist() == [2000, 5000, 10000, 500]
    writer.join(5)


def test_a_value_that_spells_a_key_does_not_change_the_detection():
    row = usage_row(group={"model": "claude-sonnet-4-6", "workspace_id": "results"})
    row["group"]["api_key_id"] = "custom_id"
    assert looks_like_analytics(json.dumps(page([row])).encode()) == "analytics_usage"
