"""One estimation model: the cache assumption stated once (sync and batch apart), plans that
measure a sample with `batchcalc count`'s library function, --try-model totals, exact scaling.

Every expected figure is worked out by hand from shared/reference/pricing-facts.md (USD per
million tokens). Sonnet 4.6: sync input 3, 5m write 3.75, 1h write 6, read 0.30, output 15;
batch input 1.50, 5m write 1.875, 1h write 3, read 0.15, output 7.50. Haiku 4.5: batch input
0.50, output 2.50. Token estimates (tests/tokens/test_count_tokens.py): "hello world" is 2 cl100k
tokens, times the claude-2024 tokenizer's factor 1.2, rounded half up.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal as D

import pytest
from conftest import request, write_jsonl

from calculator.report.count import build_count_report
from calculator.counting import CountOptions
from calculator.report.estimate import build_estimate_report
from calculator.scenarios import Workload
from calculator.workloads.cache import CacheAssumptions
from pricing import load_catalogue

ON = "2026-11-21"
DAY = dt.date(2026, 11, 21)


def hw(pairs: int) -> str:
    return " ".join(["hello world"] * pairs)


def by_name(scenarios: list[dict]) -> dict:
    return {s["name"]: s for s in scenarios}


def write_yaml(tmp_path, body: str):
    path = tmp_path / "workloads.yaml"
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


# -- separate sync and batch assumptions ---------------------------------------------------------

# 101 requests of 5,000 input tokens, 4,000 of them a shared prefix, no output, Sonnet 4.6.
# Uncached part 101 x 1,000 = 101,000 tokens: sync 0.303, batch 0.1515.
# sync 505,000 x 3 = 1.515; batch 0.7575.
# Defaults: sync h = 0.90 -> floor(0.9 x 100) = 90 reads, 11 writes, TTL 5m:
#   0.303 + 360,000 x 0.30 (0.108) + 44,000 x 3.75 (0.165) = 0.576
# batch h = 0.64 -> 64 reads, 37 writes, TTL 1h:
#   0.1515 + 256,000 x 0.15 (0.0384) + 148,000 x 3 (0.444) = 0.6339
ESTIMATE = ["estimate", "-m", "claude-sonnet-4-6", "-n", "101", "-i", "5000", "-O", "0", "-p", "4000",
            "--on", ON, "-f", "json"]


@pytest.mark.parametrize("options, expected", [
    ([], {"sync+cache": "0.576", "batch+cache": "0.6339"}),
    # --sync-hit-rate 0.5: 50 reads, 51 writes: 0.303 + 200,000 x 0.30 (0.06) + 204,000 x 3.75 (0.765)
    (["--sync-hit-rate", "0.5"], {"sync+cache": "1.128", "batch+cache": "0.6339"}),
    # --batch-hit-rate 100%: 100 reads, 1 write: 0.1515 + 400,000 x 0.15 (0.06) + 4,000 x 3 (0.012)
    (["--batch-hit-rate", "100%"], {"sync+cache": "0.576", "batch+cache": "0.2235"}),
    # --batch-cache-ttl 5m: the 148,000 written at 1.875 (0.2775): 0.1515 + 0.0384 + 0.2775
    (["--batch-cache-ttl", "5m"], {"sync+cache": "0.576", "batch+cache": "0.4674"}),
    # --sync-cache-ttl 1h: the 44,000 written at 6 (0.264): 0.303 + 0.108 + 0.264
    (["--sync-cache-ttl", "1h"], {"sync+cache": "0.675", "batch+cache": "0.6339"}),
    # --cache-hit-rate sets both: 0.5 -> sync as above 1.128; batch 50 reads 51 writes:
    #   0.1515 + 200,000 x 0.15 (0.03) + 204,000 x 3 (0.612) = 0.7935
    (["--cache-hit-rate", "0.5"], {"sync+cache": "1.128", "batch+cache": "0.7935"}),
    # the specific option wins over the shared one
    (["--cache-hit-rate", "0.5", "--batch-hit-rate", "1"], {"sync+cache": "1.128", "batch+cache": "0.2235"}),
])
def test_sync_and_batch_assumptions_change_only_their_own_scenarios(cli, options, expected):
    r = cli(*ESTIMATE, *options)
    assert r.code == 0, r.err
    s = by_name(r.json()["scenarios"])
    assert (s["sync"]["total_usd"], s["batch"]["total_usd"]) == ("1.515", "0.7575")
    assert {k: s[k]["total_usd"] for k in expected} == expected


def test_each_value_says_where_it_came_from(cli):
    d = cli(*ESTIMATE, "--batch-hit-rate", "0.8", "--sync-cache-ttl", "1h").json()
    cache = d["workload"]["cache"]
    assert cache["batch"]["hit_rate"] == "0.8" and cache["batch"]["hit_rate_from"] == "--batch-hit-rate"
    assert cache["batch"]["ttl_from"] == "default" and cache["batch"]["ttl"] == "1h"
    assert cache["sync"]["hit_rate_from"] == "default" and cache["sync"]["ttl_from"] == "--sync-cache-ttl"
    assert cache["sync"]["min_cacheable_tokens"] == 1024  # Sonnet 4.6's minimum


def test_range_columns_are_labelled_with_the_range_used():
    cat = load_catalogue()

    def labels(cache):
        r = build_estimate_report(cat, Workload("claude-sonnet-4-6", 101, 5000, 0, 4000, cache, on=DAY))
        return [c.label for c in r.tables[0].columns[-2:]]

    # The defaults: sync 70%-98%, batch 30%-98%; a given 10% widens both to 10%-98%.
    assert labels(CacheAssumptions.default()) == ["At a 98% hit rate",
                                                  "At sync 70% / batch 30%"]
    assert labels(CacheAssumptions.given(hit_rate="0.1")) == ["At a 98% hit rate", "At a 10% hit rate"]


def test_report_cache_options_reach_the_plan_part(cli, tmp_path):
    # The workload above as a plan (101 a month, nobody waits): recommended batch+cache.
    # Default batch h: 0.6339; with --batch-hit-rate 1: 0.2235 (worked out above).
    path = write_yaml(tmp_path, """
        version: 1
        workloads:
          - {name: w, model: claude-sonnet-4-6, requests_per_month: 101, input_tokens: 5000,
             output_tokens: 0, shared_prefix_tokens: 4000, person_waiting: false}
    """)
    plain = cli("report", path, "--on", ON, "-f", "json").json()["workloads"][0]
    assert (plain["recommended_mode"], plain["recommended_usd"]) == ("batch+cache", "0.6339")
    given = cli("report", path, "--on", ON, "--batch-hit-rate", "1", "-f", "json").json()["workloads"][0]
    assert given["recommended_usd"] == "0.2235"
    assert given["cache"]["batch"]["hit_rate_from"] == "--batch-hit-rate"


def test_workload_file_keys_per_traffic_and_options_over_them(cli, tmp_path):
    path = write_yaml(tmp_path, """
        version: 1
        workloads:
          - {name: w, model: claude-sonnet-4-6, requests_per_month: 101, input_tokens: 5000,
             output_tokens: 0, shared_prefix_tokens: 4000, person_waiting: false,
             batch_cache_hit_rate: 1, batch_cache_ttl: 5m}
    """)
    # batch h = 1, TTL 5m: 0.1515 + 0.06 + 4,000 x 1.875 (0.0075) = 0.219 ... but a 5m TTL does not
    # fit a batch, so the plan recommends plain batch: 0.7575.
    w = cli("plan", path, "--on", ON, "-f", "json").json()["workloads"][0]
    assert w["cache"]["batch"]["hit_rate_from"] == "the workload file's batch_cache_hit_rate"
    assert (w["recommended_mode"], w["recommended_usd"]) == ("batch", "0.7575")
    # --batch-cache-ttl 1h on the command line wins over the file: 0.2235 (above).
    w = cli("plan", path, "--on", ON, "--batch-cache-ttl", "1h", "-f", "json").json()["workloads"][0]
    assert (w["recommended_mode"], w["recommended_usd"]) == ("batch+cache", "0.2235")


# -- a plan that measures a sample ---------------------------------------------------------------

def sample_file(tmp_path):
    # 10 requests of hw(250): 500 cl100k tokens x 1.2 = 600 input tokens each, max_tokens 300.
    # They share all their blocks (600 tokens), below Sonnet 4.6's 1,024 minimum: nothing cached.
    return write_jsonl(tmp_path / "sample.jsonl", [request(f"r{i}", hw(250), max_tokens=300) for i in range(10)])


SAMPLE_PLAN = """
    version: 1
    workloads:
      - name: measured
        model: claude-sonnet-4-6
        requests_per_month: 1000
        sample: sample.jsonl
        {output}
        person_waiting: false
      - name: described
        model: claude-sonnet-4-6
        requests_per_month: 10000
        input_tokens: 500
        output_tokens: 200
        person_waiting: false
"""


def test_plan_with_a_sample_workload(cli, tmp_path):
    sample_file(tmp_path)
    path = write_yaml(tmp_path, SAMPLE_PLAN.format(output="output_tokens: 200"))
    r = cli("plan", path, "--on", ON, "-f", "json")
    assert r.code == 0, r.err
    d = r.json()
    measured, described = d["workloads"]
    # The sample: 6,000 input, 2,000 output: sync 6,000 x 3 + 2,000 x 15 = $0.048, batch $0.024;
    # 1,000 a month = the sample x 100: sync $4.80, batch $2.40.
    assert measured["basis"] == "measured" and described["basis"] == "described"
    assert measured["sample"]["requests"] == 10
    assert measured["sample"]["how"] == "sample of 10 requests x 100 = 1,000 a month"
    assert (measured["input_tokens"], measured["output_tokens"]) == (600, 200)
    assert (D(measured["current_usd"]), D(measured["recommended_usd"])) == (D("4.8"), D("2.4"))
    # described: 5M x 3 + 2M x 15 = $45 now, $22.50 on batch.
    assert (D(d["totals"]["current_usd"]), D(d["totals"]["recommended_usd"])) == (D("49.8"), D("24.9"))
    text = cli("plan", path, "--on", ON).out
    assert "Measured" in text and "measured (sample of 10 requests x 100 = 1,000 a month)" in text
    assert "Described by the token counts in the file: described." in text


def test_sample_workload_takes_counts_options(cli, tmp_path):
    sample_file(tmp_path)
    # output_ratio 0.5 of max_tokens 300 = 150 a request, 1,500 in all:
    # sync 6,000 x 3 + 1,500 x 15 = 0.0405; x 100 = $4.05.
    path = write_yaml(tmp_path, SAMPLE_PLAN.format(output="output_ratio: 0.5"))
    measured = cli("plan", path, "--on", ON, "-f", "json").json()["workloads"][0]
    assert (measured["output_tokens"], D(measured["current_usd"])) == (150, D("4.05"))


# -- --try-model totals ---------------------------------------------------------------------------

def test_try_model_gives_the_whole_plan_total(cli, tmp_path):
    sample_file(tmp_path)
    path = write_yaml(tmp_path, SAMPLE_PLAN.format(output="output_tokens: 200"))
    d = cli("plan", path, "--on", ON, "--try-model", "claude-haiku-4-5", "-f", "json").json()
    # On Haiku 4.5 (the same claude-2024 tokenizer: tokens unchanged), on batch:
    #   measured: the sample counted again: 6,000 x 0.50 + 2,000 x 2.50 = 0.008; x 100 = $0.80
    #   described: 5M x 0.50 + 2M x 2.50 = $7.50
    # total $8.30 against today's plan $24.90 (above).
    (haiku,) = d["totals"]["try_models"]
    assert haiku["model"] == "claude-haiku-4-5-20251001"
    assert {k: D(v) for k, v in haiku["workloads"].items()} == {"measured": D("0.8"), "described": D("7.5")}
    assert (D(haiku["recommended_usd"]), D(haiku["difference_usd"])) == (D("8.3"), D("-16.6"))
    text = cli("plan", path, "--on", ON, "--try-model", "claude-haiku-4-5", "--try-model", "claude-sonnet-4-6").out
    assert "On claude-haiku-4-5-20251001" in text and "On claude-sonnet-4-6" in text


# -- exact scaling ----------------------------------------------------------------------------------

def test_scaled_figure_is_the_sample_times_the_ratio(cli, tmp_path):
    # Three requests of hw(1), hw(2), hw(3): 2, 4, 6 cl100k tokens x 1.2 = 2.4, 4.8, 7.2, rounded
    # 2, 5, 7: 14 input tokens; 1 output token each (-O 1): 3.
    # Sample sync: 14 x 3 + 3 x 15 = 87 / 1e6 = 0.000087; batch half: 0.0000435.
    # Scaled to 1,000 (ratio 1000/3): sync 0.000087 x 1000 / 3 = 0.029; batch 0.0145. (Scaling the
    # tokens first would floor 14 x 333.3 = 4,666.7 input tokens to a whole number and miss it.)
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", hw(i)) for i in (1, 2, 3)])
    d = cli("count", f, "-O", "1", "--scale-to", "1000", "--on", ON, "-f", "json").json()
    sample, scaled = by_name(d["scenarios"]), by_name(d["scaled"]["scenarios"])
    assert (sample["sync"]["total_usd"], sample["batch"]["total_usd"]) == ("0.000087", "0.0000435")
    assert (scaled["sync"]["total_usd"], scaled["batch"]["total_usd"]) == ("0.029", "0.0145")
    for name in scaled:
        assert D(scaled[name]["total_usd"]) == D(sample[name]["total_usd"]) * 1000 / 3
    assert d["scaled"]["how"] == "sample of 3 requests x 333.333333 (1,000/3) = 1,000 a month"


# -- summaries name their models; family names suggest ids ------------------------------------------

def test_count_summary_names_the_model_it_priced(tmp_path, _isolated_config):
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", hw(i)) for i in (1, 2, 3)])
    opts = CountOptions(model="claude-haiku-4-5", output_tokens=1, on=DAY)
    report = build_count_report(load_catalogue(), [str(f)], opts)
    assert "Claude Haiku 4.5 (claude-haiku-4-5-20251001)" in report.headline.brief.text
    assert "claude-haiku-4-5" in report.tables[0].title


@pytest.mark.parametrize("spelling, first", [("sonnet", "claude-sonnet-5-5"), ("opus 4", "claude-opus-4-8")])
def test_a_family_name_suggests_its_ids(cli, spelling, first):
    r = cli("estimate", "-m", spelling, "-n", "1", "-i", "1", "-O", "1")
    assert r.code == 1 and f"Did you mean {first} or " in r.err


def test_sample_keys_are_checked_where_they_are_written(cli, tmp_path):
    sample_file(tmp_path)
    path = write_yaml(tmp_path, SAMPLE_PLAN.format(output="output_ratio: 40%"))
    measured = cli("plan", path, "--on", ON, "-f", "json").json()["workloads"][0]
    # 40% of max_tokens 300 = 120 output tokens a request.
    assert measured["output_tokens"] == 120
    path = write_yaml(tmp_path, SAMPLE_PLAN.format(output="output_ratio: 1.5"))
    r = cli("plan", path, "--on", ON)
    assert r.code == 1 and f"{path}:7: workload 'measured': output_ratio: expected a number between 0 and 1" in r.err


def test_measured_breakpoints_keep_their_ttl_unless_an_option_replaces_it(cli, tmp_path):
    # 100 requests: system hw(500) = 1,000 cl100k -> 1,200 tokens behind a cache_control breakpoint
    # (5m, the breakpoint's default), user "hello world": 1,202 input tokens each, no output.
    system = [{"type": "text", "text": hw(500), "cache_control": {"type": "ephemeral"}}]
    write_jsonl(tmp_path / "sample.jsonl", [request(f"r{i}", system=system) for i in range(100)])
    path = write_yaml(tmp_path, """
        version: 1
        workloads:
          - {name: cached, model: claude-sonnet-4-6, requests_per_month: 1000, sample: sample.jsonl,
             output_tokens: 0, person_waiting: false}
    """)
    # batch: 120,200 x 1.50 = 0.1803 for the sample; 1,000 a month = x 10: $1.803.
    # The breakpoints' 5m TTL does not fit a batch: plain batch is recommended.
    w = cli("plan", path, "--on", ON, "-f", "json").json()["workloads"][0]
    assert (w["recommended_mode"], D(w["recommended_usd"])) == ("batch", D("1.803"))
    assert "5m TTL does not fit a batch" in w["recommendation"]
    # --batch-cache-ttl 1h replaces it. Batch h = 0.64: floor(0.64 x 99) = 63 reads, 37 writes:
    #   200 uncached x 1.50 = 300; 37 x 1,200 = 44,400 x 3 = 133,200; 63 x 1,200 = 75,600 x 0.15 = 11,340
    #   -> 144,840 / 1e6 = 0.14484 for the sample, x 10 = $1.4484.
    w = cli("plan", path, "--on", ON, "--batch-cache-ttl", "1h", "-f", "json").json()["workloads"][0]
    assert (w["recommended_mode"], D(w["recommended_usd"])) == ("batch+cache", D("1.4484"))
