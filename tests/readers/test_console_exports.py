"""The Console exports as customers have them (data-formats.md sections 1 and 2), and inputs that
must not lose, double or crash: pipes read once, the same usage given twice, offsets, depth, size.

Expected figures are worked out from the pricing page (Haiku 4.5: $1 input, $1.25 5m write,
$2 1h write, $0.10 cache read, $5 output per MTok, batch half; Sonnet 4.5: $3 / $3.75 / $6 /
$0.30 / $15, batch half; web search $10 per 1,000 searches, not halved).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLES

USAGE = EXAMPLES / "claude_api_tokens_2026_02_10_to_2026_02_11.csv"
COSTS = EXAMPLES / "claude_api_cost_2026_02_10_to_2026_02_11.csv"

# Usage of the example, row by row:
#   Haiku batch:      8M x 0.50 + 2M x 2.50                                  =  4.00 + 5.00 =  9.00
#   Haiku 09:00:      2M x 1 + 0.4M x 1.25 + 10M x 0.10 + 0.3M x 5 + 40 x 0.01 = 2 + 0.5 + 1 + 1.5 + 0.4 = 5.40
#   Haiku 14:00:      1M x 1 + 0.1M x 5                                       =  1.00 + 0.50 =  1.50
#   Sonnet standard:  3M x 3 + 0.2M x 6 + 5M x 0.30 + 0.4M x 15               =  9 + 1.2 + 1.5 + 6 = 17.70
#   Sonnet batch:     6M x 1.50 + 1M x 7.50                                   =  9.00 + 7.50 = 16.50
# total 50.10; realised (batch rows at standard minus their cost): (18 - 9) + (33 - 16.5) = 25.50
EXPECTED_COST = Decimal("50.10")
EXPECTED_REALISED = Decimal("25.50")


def test_console_usage_csv_hourly_with_batch_rows(cli):
    r = cli("usage", USAGE, "-f", "json")
    assert r.code == 0, r.err
    js = r.json()
    assert Decimal(js["totals"]["cost_usd"]) == EXPECTED_COST
    assert Decimal(js["totals"]["realised_batch_savings_usd"]) == EXPECTED_REALISED
    assert js["rows_read"] == js["rows_used"] == 5
    assert js["tokens"]["web_search_requests"] == 40
    assert {m["month"] for m in js["by_month"]} == {"2026-02"}


def test_console_cost_csv_reconciles_with_only_the_planted_line_flagged(cli):
    """The planted line: Haiku batch input billed $8.00 = 8M at the standard $1 instead of $0.50.
    The split charges (two input_no_cache and two output rows on 02-10) are summed, the web-search
    row with '--' placeholders is matched, the $0.00 row is billed with no usage and within tolerance."""
    r = cli("reconcile", USAGE, COSTS, "-f", "json")
    assert r.code == 3, r.err
    js = r.json()
    assert Decimal(js["totals"]["expected_usd"]) == EXPECTED_COST
    assert Decimal(js["totals"]["billed_usd"]) == Decimal("54.10")
    assert js["cost_lines"] == 16
    flagged = [l for l in (*js["lines"], *js["unmatched"]["usage"], *js["unmatched"]["costs"])
               if not l["within_tolerance"]]
    assert len(flagged) == 1
    line = flagged[0]
    assert (line["date"], line["service_tier"], line["token_type"]) == ("2026-02-10", "batch", "uncached_input_tokens")
    assert Decimal(line["residual_usd"]) == Decimal("4.00")
    assert "standard rate" in line["diagnosis"]
    split = [l for l in js["lines"] if l["date"] == "2026-02-10" and l["service_tier"] == "standard"
             and l["token_type"] == "output_tokens"][0]
    # two rows summed: $1.50 + $0.50; tolerance max($0.01, 2 x $0.005) = $0.01
    assert Decimal(split["billed_usd"]) == Decimal("2.00") and split["rows_summed"] == 2
    assert Decimal(split["tolerance_usd"]) == Decimal("0.01")
    web = [l for l in js["lines"] if l["token_type"] == "web_search"][0]
    assert Decimal(web["billed_usd"]) == Decimal(web["expected_usd"]) == Decimal("0.40")
    assert any("rows summed" in a for a in js["assumptions"])


def test_tolerance_grows_with_cent_rounded_rows(tmp_path, cli):
    """Three rows of 1,000 Haiku output tokens: $0.005 each, exported as 0.01 (rounded up) each:
    billed $0.03 against $0.015 expected, a residual of $0.015, within 3 x $0.005 = $0.015."""
    usage = tmp_path / "u.csv"
    usage.write_text(USAGE.read_text().splitlines()[0] + "\n" + "".join(
        f"2026-02-10 0{h}:00,claude-haiku-4-5-20251001,k,Default,standard,≤ 200k,0,0,0,0,1000,0,not_available,\n"
        for h in (1, 2, 3)), encoding="utf-8")
    costs = tmp_path / "c.csv"
    costs.write_text(COSTS.read_text().splitlines()[0] + "\n" + "".join(
        "2026-02-10,Claude Haiku 4.5,Default,k,message,≤ 200k,output,0.01,0.01,token,not_available,\n"
        for _ in range(3)), encoding="utf-8")
    js = cli("reconcile", usage, costs, "-f", "json").json()
    (line,) = js["lines"]
    assert Decimal(line["residual_usd"]) == Decimal("0.015")
    assert Decimal(line["tolerance_usd"]) == Decimal("0.015") and line["within_tolerance"]


def test_unknown_usage_type_names_the_option(tmp_path, cli):
    costs = tmp_path / "c.csv"
    costs.write_text(COSTS.read_text().replace("message,≤ 200k,input_cache_read", "interactive,≤ 200k,input_cache_read"),
                     encoding="utf-8")
    r = cli("reconcile", USAGE, costs)
    assert r.code == 1 and r.err.count("\n") == 1
    assert "'interactive'" in r.err and "--tier-map RAW=standard|batch" in r.err
    r = cli("reconcile", USAGE, costs, "--tier-map", "interactive=standard", "-f", "json")
    assert r.code == 3, r.err


def test_the_same_usage_twice_from_two_formats_is_refused(tmp_path, cli):
    """The Haiku standard usage of 2026-02-10 as Admin API pages and in the Console CSV: exit 1,
    one line naming both files, never summed."""
    page = {"data": [{"starting_at": "2026-02-10T00:00:00Z", "ending_at": "2026-02-11T00:00:00Z", "results": [
        {"uncached_input_tokens": 3_000_000, "output_tokens": 400_000, "model": "claude-haiku-4-5-20251001",
         "service_tier": "standard", "context_window": "0-200k"}]}], "has_more": False}
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "page1.json").write_text(json.dumps(page))
    r = cli("usage", pages, USAGE)
    assert r.code == 1 and r.err.count("\n") == 1, r.err
    assert "page1.json" in r.err and USAGE.name in r.err and "twice" in r.err


def test_offsets_are_converted_to_utc(tmp_path, cli):
    """A bucket at 2024-12-02T20:00:00-05:00 is 2024-12-03 01:00 UTC: Haiku 3.5 at the new $0.80
    (from 2024-12-03), not the old $1: 1M input tokens cost $0.80."""
    page = {"data": [{"starting_at": "2024-12-02T20:00:00-05:00", "ending_at": "2024-12-03T20:00:00-05:00",
                      "results": [{"uncached_input_tokens": 1_000_000, "output_tokens": 0, "context_window": "0-200k",
                                   "model": "claude-3-5-haiku-20241022", "service_tier": "standard"}]}],
            "has_more": False}
    path = tmp_path / "tz.json"
    path.write_text(json.dumps(page))
    js = cli("usage", path, "-f", "json").json()
    assert Decimal(js["totals"]["cost_usd"]) == Decimal("0.80")
    assert js["period"]["first"].startswith("2024-12-03")


def test_a_page_with_has_more_warns_of_an_incomplete_export(tmp_path, cli):
    page = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": [
        {"uncached_input_tokens": 1, "output_tokens": 1, "model": "claude-haiku-4-5", "service_tier": "standard",
         "context_window": "0-200k"}]}], "has_more": True, "next_page": "abc"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(page))
    js = cli("usage", path, "-f", "json").json()
    assert any("incomplete export" in w for w in js["warnings"])


@pytest.mark.parametrize("value,says", [(str(2**63), "too large"), ("9" * 1000, "too large"),
                                        ('"12.5"', "not a whole number")])
def test_counts_out_of_range_are_one_line_errors(tmp_path, cli, value, says):
    line = ('{"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-haiku-4-5",'
            '"usage":{"input_tokens":%s,"output_tokens":1}}}}\n' % value)
    path = tmp_path / "r.jsonl"
    path.write_text(line + line.replace('"a"', '"b"').replace(value, "5"))
    r = cli("usage", path, "--on", "2026-11-02")
    assert r.code == 1 and r.err.count("\n") == 1 and f"{path}:1:" in r.err and says in r.err, r.err
    js = cli("usage", path, "--on", "2026-11-02", "--skip-invalid", "-f", "json").json()
    assert (js["rows_skipped"], js["rows_used"]) == (1, 1)


@pytest.mark.parametrize("name,text", [
    ("deep.json", '{"data":' + "[" * 200_000 + "]" * 200_000 + "}"),
    ("deep.jsonl", '{"custom_id":"a","result":' + '{"a":' * 200_000 + "1" + "}" * 200_000 + "}\n"),
])
def test_deeply_nested_json_is_a_one_line_error(tmp_path, cli, name, text):
    path = tmp_path / name
    path.write_text(text)
    r = cli("usage", path, "--on", "2026-11-02")
    assert r.code == 1 and r.err.count("\n") == 1 and "nested too deeply" in r.err, r.err


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and process substitution")
def test_a_pipe_is_read_once_every_row_counted(tmp_path):
    """2,000 batch results through process substitution and through a FIFO: 2,000 rows, both."""
    rows = tmp_path / "big.jsonl"
    rows.write_text("".join(json.dumps({"custom_id": f"r{i}", "result": {"type": "succeeded", "message": {
        "model": "claude-haiku-4-5", "usage": {"input_tokens": 100, "output_tokens": 10}}}}) + "\n"
        for i in range(2000)))
    exe = Path(sys.executable).parent / "batchcalc"
    out = subprocess.run(["bash", "-c", f"'{exe}' usage <(cat '{rows}') --on 2026-11-02 -f json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rows_used"] == 2000
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["bash", "-c", f"cat '{rows}' > '{fifo}'"])
    out = subprocess.run([str(exe), "usage", str(fifo), "--on", "2026-11-02", "-f", "json"],
                         capture_output=True, text=True, timeout=120)
    writer.wait(timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rows_used"] == 2000


def _to_parquet(csv_path: Path, out: Path, replace: str = "") -> Path:
    import duckdb

    select = f"SELECT * {replace} FROM read_csv('{csv_path}')"
    duckdb.sql(f"COPY ({select}) TO '{out}' (FORMAT parquet)")
    return out


def test_parquet_file_and_directory_give_the_csv_totals(tmp_path, cli):
    directory = tmp_path / "lake"
    directory.mkdir()
    path = _to_parquet(USAGE, directory / "part-0.parquet")
    for arg in (path, directory):
        js = cli("usage", arg, "-f", "json").json()
        assert Decimal(js["totals"]["cost_usd"]) == EXPECTED_COST and js["rows_used"] == 5
    r = cli("reconcile", path, COSTS, "-f", "json")
    assert r.code == 3 and Decimal(r.json()["totals"]["expected_usd"]) == EXPECTED_COST


def test_parquet_bad_row_is_named_by_row(tmp_path, cli):
    path = _to_parquet(USAGE, tmp_path / "bad.parquet", "REPLACE (CASE WHEN usage_output_tokens = 300000 "
                                                        "THEN -5 ELSE usage_output_tokens END AS usage_output_tokens)")
    r = cli("usage", path)
    assert r.code == 1 and "row 2" in r.err and "negative" in r.err, r.err


def test_the_2025_06_usage_header_daily(tmp_path, cli):
    """No context_window, inference_geo or speed: base context, global, standard speed.
    1M Haiku 4.5 input ($1) + 1M output ($5) = $6.00 on a daily row."""
    path = tmp_path / "claude_api_tokens_2025_06.csv"
    path.write_text("usage_date_utc,model_version,api_key,workspace,usage_type,usage_input_tokens_no_cache,"
                    "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,"
                    "usage_input_tokens_cache_read,usage_output_tokens,web_search_count\n"
                    "2025-11-03,claude-haiku-4-5-20251001,k,Default,standard,1000000,0,0,0,1000000,0\n")
    js = cli("usage", path, "-f", "json").json()
    assert Decimal(js["totals"]["cost_usd"]) == Decimal("6")


def test_two_console_csvs_of_the_same_days_are_refused(tmp_path, cli):
    copy = tmp_path / "again.csv"
    copy.write_text(USAGE.read_text(encoding="utf-8"), encoding="utf-8")
    r = cli("usage", USAGE, copy)
    assert r.code == 1 and r.err.count("\n") == 1, r.err
    assert USAGE.name in r.err and "again.csv" in r.err
