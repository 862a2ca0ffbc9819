"""Costs of counted samples, worked out by hand from the pricing page.

Sonnet 4.6 (USD per MTok): sync input 3, 5m write 3.75, 1h write 6, read 0.30, output 15;
batch input 1.50, 5m write 1.875, 1h write 3, read 0.15, output 7.50.
Sonnet 4.5 above 200K input tokens: sync 6 / 22.50, batch 3 / 11.25 on ALL the request's tokens.
Token estimates: cl100k count x 1.2, rounded half up (see tests/tokens/test_count_tokens.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import request, write_jsonl

from calculator.counting import BATCH_MAX_BYTES, plan_batches
from calculator.scenarios import RequestGroup, Workload, estimate, group_usage
from calculator.workloads.cache import CacheAssumptions
from pricing import load_catalogue

ON = "2026-11-21"


def hw(pairs):
    return " ".join(["hello world"] * pairs)


def scen(d, key="scenarios"):
    return {s["name"]: s for s in (d[key] if key == "scenarios" else d["scaled"]["scenarios"])}


def test_uncached_sample_and_scaling(cli, tmp_path):
    # 10 requests of hw(250) = 500 raw -> 600 tokens; 200 output each.
    # Input 6,000, output 2,000: sync 6000 x 3 + 2000 x 15 = 48,000 / 1e6 = $0.048; batch $0.024.
    # The identical messages share a 600-token prefix, below Sonnet 4.6's 1,024 minimum: no cache.
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", hw(250), max_tokens=300) for i in range(10)])
    r = cli("count", f, "-O", "200", "--scale-to", "10000", "--per", "week", "-f", "json", "--on", ON)
    assert r.code == 0, r.err
    d = r.json()
    assert (d["requests"], d["input_tokens"], d["output_tokens"]) == (10, 6000, 2000)
    s = scen(d)
    assert s["sync"]["total_usd"] == "0.048"
    assert s["batch"]["total_usd"] == "0.024"
    assert s["sync+cache"]["total_usd"] == "0.048"
    assert s["batch+cache"]["total_usd"] == "0.024"
    assert d["cacheable_prefix_tokens"] == 0
    # Worst case: output = max_tokens 300 -> 3,000 output: 18,000 + 45,000 = $0.063 sync.
    assert s["sync"]["worst_case_usd"] == "0.063"
    # Scaled x1000: 6M input + 2M output: sync $18 + $30 = $48, batch $24.
    sc = scen(d, "scaled")
    assert d["scaled"]["per"] == "week" and d["scaled"]["requests"] == 10000
    assert Decimal(sc["sync"]["total_usd"]) == Decimal("48")
    assert Decimal(sc["batch"]["total_usd"]) == Decimal("24")
    assert any("1,024" in w for w in d["warnings"])


def test_cache_control_breakpoint_hit_rate_one(cli, tmp_path):
    # System hw(500) = 1000 raw -> 1200 tokens, marked cache_control (5m); user "hello world".
    # Input per request round(1.2 x 1002) = 1202; 10 requests: 12,020; output 10 each: 100.
    # Hit rate 1: floor(1 x 9) = 9 reads, 1 write of the 1,200-token prefix; 20 uncached.
    system = [{"type": "text", "text": hw(500), "cache_control": {"type": "ephemeral"}}]
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", system=system) for i in range(10)])
    d = cli("count", f, "-O", "10", "--cache-hit-rate", "1", "-f", "json", "--on", ON).json()
    assert d["input_tokens"] == 12020
    assert d["cacheable_prefix_tokens"] == 12000
    s = scen(d)
    assert s["batch+cache"]["usage"] == {"uncached_input": 20, "cache_write_5m": 1200, "cache_write_1h": 0,
                                         "cache_read": 10800, "output": 100, "web_search_requests": 0}
    # sync: 12020 x 3 + 100 x 15 = 37,560 -> $0.03756; batch: half.
    assert s["sync"]["total_usd"] == "0.03756"
    assert s["batch"]["total_usd"] == "0.01878"
    # sync+cache: 20 x 3 + 1200 x 3.75 + 10800 x 0.30 + 100 x 15 = 60 + 4500 + 3240 + 1500 = 9,300.
    assert s["sync+cache"]["total_usd"] == "0.0093"
    # batch+cache: 20 x 1.5 + 1200 x 1.875 + 10800 x 0.15 + 100 x 7.5 = 30 + 2250 + 1620 + 750 = 4,650.
    assert s["batch+cache"]["total_usd"] == "0.00465"
    assert d["models"][0]["prefix_mode"] == "cache_control"


def test_one_hour_breakpoint_and_unshared_tail(cli, tmp_path):
    # Breakpoint (1h) on the user message, whose text differs per request: the system prompt
    # (hw(500) -> 1200) is not shared up to that breakpoint by any other request, so each request
    # writes its whole prefix and none reads: two requests, user hw(1) and hw(2) (2 and 4 raw).
    # Prefix = whole input: round(1.2 x 1002) = 1202 and round(1.2 x 1004) = 1205 (1204.8).
    def req(cid, pairs):
        r = request(cid, [{"type": "text", "text": hw(pairs), "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                    system=hw(500))
        return r

    f = write_jsonl(tmp_path / "r.jsonl", [req("a", 1), req("b", 2)])
    d = cli("count", f, "-O", "0", "-f", "json", "--on", ON).json()
    assert d["input_tokens"] == 2407
    s = scen(d)
    assert s["batch+cache"]["usage"]["cache_write_1h"] == 2407
    assert s["batch+cache"]["usage"]["cache_read"] == 0
    # batch 1h write is $3/MTok: 2407 x 3 = 7,221 -> $0.007221 (more than plain batch, 2407 x 1.5).
    assert s["batch+cache"]["total_usd"] == "0.007221"
    assert s["batch"]["total_usd"] == "0.0036105"


def test_detected_prefix_without_breakpoints(cli, tmp_path):
    # Same system hw(500) (1200 tokens, >= 1,024) as a plain string, no cache_control: detected.
    # 5 requests with user hw(1)..hw(5) (2..10 raw): inputs round(1.2 x 1002..1010) =
    # 1202, 1205 (1204.8), 1207 (1207.2), 1210 (1209.6), 1212: total 6,036.
    # Hit rate 0.5: floor(0.5 x 4) = 2 reads, 3 writes at the 1h TTL (the default).
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", hw(i), system=hw(500)) for i in range(1, 6)])
    d = cli("count", f, "-O", "0", "--cache-hit-rate", "50%", "-f", "json", "--on", ON).json()
    m = d["models"][0]
    assert (m["prefix_mode"], m["shared_prefix_tokens_per_request"]) == ("detected", 1200)
    u = scen(d)["batch+cache"]["usage"]
    assert d["input_tokens"] == 6036
    assert (u["cache_read"], u["cache_write_1h"], u["uncached_input"]) == (2400, 3600, 36)


def test_long_context_request_priced_alone(cli, tmp_path):
    # Sonnet 4.5: one request of hw(100,000) = 200,000 raw -> 240,000 tokens (> 200K) and one of
    # "hello world" (2 tokens); 10 output tokens each.
    # Long one, sync: 240000 x 6 + 10 x 22.5 = 1,440,225 -> $1.440225.
    # Short one, sync: 2 x 3 + 10 x 15 = 156 -> $0.000156. Total $1.440381.
    f = write_jsonl(tmp_path / "r.jsonl", [request("long", hw(100_000), model="claude-sonnet-4-5"),
                                           request("short", model="claude-sonnet-4-5")])
    d = cli("count", f, "-O", "10", "-f", "json", "--on", ON).json()
    s = scen(d)
    assert s["sync"]["total_usd"] == "1.440381"
    # Batch: 240000 x 3 + 10 x 11.25 + 2 x 1.5 + 10 x 7.5 = 720,000 + 112.5 + 3 + 75 -> $0.7201905.
    assert s["batch"]["total_usd"] == "0.7201905"


def test_output_ratio_and_max_tokens_cap(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", max_tokens=100), request("b", max_tokens=30)])
    d = cli("count", f, "--output-ratio", "0.5", "-f", "json").json()
    assert d["output_tokens"] == 50 + 15
    d = cli("count", f, "--output-tokens", "40", "-f", "json").json()
    assert d["output_tokens"] == 40 + 30  # capped at b's max_tokens
    assert any("capped" in w for w in d["warnings"])
    d = cli("count", f, "-f", "json").json()  # no assumption: max_tokens, with a warning
    assert d["output_tokens"] == 130
    assert any("No output assumption" in w for w in d["warnings"])


def test_two_output_assumptions_are_an_error(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a")])
    r = cli("count", f, "-O", "5", "--output-ratio", "0.5")
    assert r.code == 1 and "one of" in r.err


def test_output_tokens_from_results(cli, tmp_path):
    import json

    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b"), request("c")])
    res = tmp_path / "results.jsonl"
    lines = [{"custom_id": "a", "result": {"type": "succeeded", "message": {"model": "claude-sonnet-4-6",
              "usage": {"input_tokens": 3, "output_tokens": 40}}}},
             {"custom_id": "b", "result": {"type": "succeeded", "message": {"model": "claude-sonnet-4-6",
              "usage": {"input_tokens": 3, "output_tokens": 20}}}},
             {"custom_id": "c", "result": {"type": "errored", "error": {"type": "overloaded_error"}}}]
    res.write_text("".join(json.dumps(x) + "\n" for x in lines))
    d = cli("count", f, "--output-from", res, "-f", "json").json()
    # a 40, b 20, c has no succeeded result: the mean of the others, 30.
    assert d["output_tokens"] == 90


def test_multi_model_sample(cli, tmp_path):
    # Sonnet 4.6: hw(250) -> 600 tokens; Haiku 4.5 (claude-2024 too, $1 / $5, batch $0.50): hw(250) -> 600.
    # No output. Sync: 600 x 3 + 600 x 1 = 2,400 -> $0.0024; batch $0.0012.
    f = write_jsonl(tmp_path / "r.jsonl", [request("s", hw(250)), request("h", hw(250), model="claude-haiku-4-5")])
    d = cli("count", f, "-O", "0", "-f", "json", "--on", ON).json()
    assert d["model"] is None and len(d["models"]) == 2
    s = scen(d)
    assert s["sync"]["total_usd"] == "0.0024" and s["batch"]["total_usd"] == "0.0012"
    assert s["sync"]["breakdown"]["uncached_input"]["usd_per_mtok"] is None  # two rates


def test_plan_batches_limits():
    assert plan_batches([1] * 100_000) == 1
    assert plan_batches([1] * 100_001) == 2
    # 100 MB requests: two fit in 256 MB, the third starts a new batch.
    assert plan_batches([100_000_000] * 3) == 2
    assert plan_batches([BATCH_MAX_BYTES]) == 1
    assert plan_batches([]) == 0


def test_batch_planning_in_the_report(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}") for i in range(4)])
    d = cli("count", f, "-O", "1", "--scale-to", "250001", "-f", "json").json()
    assert d["batches"]["batches"] == 1
    assert d["batches"]["scaled"]["batches"] == 3  # 250,001 requests / 100,000 per batch
    assert "24 hours" in d["batches"]["turnaround"]


# -- the generalised scenario code keeps estimate's behaviour -------------------------------------

def test_estimate_worked_examples_unchanged():
    cat = load_catalogue()
    on = dt.date(2026, 11, 21)
    e = estimate(cat, Workload("claude-sonnet-4-6", 10_000, 500, 200, on=on))
    assert e.scenario("sync").total == Decimal("45") and e.scenario("batch").total == Decimal("22.5")
    # 10,000-token prefix over 500 batch requests at hit rate 1: one write and 499 reads.
    e = estimate(cat, Workload("claude-sonnet-4-6", 500, 10_000, 0, cached_prefix_tokens=10_000,
                               cache=CacheAssumptions.given(hit_rate=Decimal(1), ttl="5m"), on=on))
    u = e.scenario("batch+cache").usage
    assert (u.cache_write_5m, u.cache_read, u.uncached_input) == (10_000, 4_990_000, 0)


def test_group_usage_write_only_part():
    g = RequestGroup(requests=4, input_tokens=4000, output_tokens=40, shared_prefix_tokens=500,
                     write_only_tokens=400, cache_ttl="1h")
    u = group_usage(g, cached=True, hit_rate=Decimal("0.5"), ttl="1h")
    # floor(0.5 x 3) = 1 read of 500; 3 writes of 500 plus the 400 unshared: 1,900 written.
    assert (u.cache_read, u.cache_write_1h, u.uncached_input) == (500, 1900, 4000 - 2000 - 400)
    assert group_usage(g, cached=False, hit_rate=Decimal(1), ttl="1h").uncached_input == 4000


def test_two_breakpoints_deepest_shared_one_is_read(cli, tmp_path):
    # Breakpoint 1 on the system prompt hw(500) (1000 raw -> 1200, shared by all three requests),
    # breakpoint 2 on each request's own message hw(1), hw(2), hw(3) (2, 4, 6 raw).
    # Inputs: round(1.2 x 1002) = 1202, round(1204.8) = 1205, round(1207.2) = 1207: 3,614.
    # The shared 1,200 follows the hit rate (1: floor(1 x 2) = 2 reads, 1 write); the unshared
    # rest up to breakpoint 2 (2 + 5 + 7 = 14) is written by every request.
    system = [{"type": "text", "text": hw(500), "cache_control": {"type": "ephemeral"}}]

    def req(cid, pairs):
        return request(cid, [{"type": "text", "text": hw(pairs), "cache_control": {"type": "ephemeral"}}],
                       system=system)

    f = write_jsonl(tmp_path / "r.jsonl", [req("a", 1), req("b", 2), req("c", 3)])
    d = cli("count", f, "-O", "0", "--cache-hit-rate", "1", "-f", "json", "--on", ON).json()
    assert d["input_tokens"] == 3614
    u = scen(d)["batch+cache"]["usage"]
    assert (u["cache_read"], u["cache_write_5m"], u["uncached_input"]) == (2400, 1214, 0)
    # batch: 2400 x 0.15 + 1214 x 1.875 = 360 + 2276.25 = 2,636.25 -> $0.00263625
    assert scen(d)["batch+cache"]["total_usd"] == "0.00263625"


def test_prefix_below_minimum_with_breakpoint_is_not_cached(cli, tmp_path):
    # A breakpoint after hw(250) (600 tokens) is below Sonnet 4.6's 1,024: nothing is cached.
    system = [{"type": "text", "text": hw(250), "cache_control": {"type": "ephemeral"}}]
    f = write_jsonl(tmp_path / "r.jsonl", [request(f"r{i}", system=system) for i in range(3)])
    d = cli("count", f, "-O", "0", "-f", "json", "--on", ON).json()
    s = scen(d)
    assert s["batch+cache"]["total_usd"] == s["batch"]["total_usd"]
    assert d["cacheable_prefix_tokens"] == 0
    assert any("minimum cacheable" in w for w in d["warnings"])


def test_scaled_groups_apportion_requests_exactly(cli, tmp_path):
    # 3 requests scaled to 10: the groups get 10 requests in all, tokens in proportion.
    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b", hw(2)), request("c", hw(3))])
    d = cli("count", f, "-O", "10", "--scale-to", "10", "-f", "json", "--on", ON).json()
    usage = {s["name"]: s["usage"] for s in d["scaled"]["scenarios"]}["sync"]
    # Sample input 2 + 5 + 7 = 14 (hw(2): 4 x 1.2 = 4.8 -> 5; hw(3): 7.2 -> 7), output 30.
    # x 10/3: 46.67 -> 47 input, 100 output.
    assert (usage["uncached_input"], usage["output"]) == (47, 100)
