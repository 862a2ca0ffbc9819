"""`estimate`: the worked examples of the project's source documents, by hand.

Rates (USD per MTok, pricing page): Opus 4.7 $5 in / $25 out; Sonnet 4.6 $3 / $15, cache
write 5m $3.75, read $0.30; Haiku 4.5 $1 / $5. Batch is half of each.
"""

from decimal import Decimal as D

import datetime as dt
import pytest

from batchcalc import TokenCounts, Workload
from calculator.workloads.scenarios import estimate
from calculator.errors import InputError, InvalidUsageError
from calculator.workloads.cache import CacheAssumptions

DAY = dt.date(2026, 11, 21)


def totals(catalogue, model, n, i, o, cache_hit_rate=None, cache_ttl=None, **kw):
    cache = CacheAssumptions.given(hit_rate=cache_hit_rate, ttl=cache_ttl)
    e = estimate(catalogue, Workload(model, n, i, o, cache=cache, on=DAY, **kw))
    return {s.name: s.total for s in e.scenarios}, e


def test_code_reviews_on_opus_4_7(catalogue):
    # 5,000 x 20,000 = 100M input x $5 = $500; 5,000 x 5,000 = 25M output x $25 = $625.
    t, _ = totals(catalogue, "claude-opus-4-7", 5000, 20000, 5000)
    assert t["sync"] == D("1125.00")
    assert t["batch"] == D("562.50")


@pytest.mark.parametrize("model,saving", [
    ("claude-sonnet-4-6", D("337.50")),  # 100M x $3 + 25M x $15 = $675, half of it
    ("claude-haiku-4-5", D("112.50")),   # 100M x $1 + 25M x $5 = $225, half of it
])
def test_same_workload_batch_savings(catalogue, model, saving):
    t, _ = totals(catalogue, model, 5000, 20000, 5000)
    assert t["sync"] - t["batch"] == saving


def test_support_tickets_dollars_not_thousands(catalogue):
    # 5M input x $3/MTok = $15 and 2M output x $15/MTok = $30: $45.00, not $45,000.
    t, _ = totals(catalogue, "claude-sonnet-4-6", 10000, 500, 200)
    assert t["sync"] == D("45.00")
    assert t["batch"] == D("22.50")


def test_shared_prefix_one_write_499_reads_at_batch_rates(catalogue):
    t, e = totals(catalogue, "claude-sonnet-4-6", 500, 12000, 300, cached_prefix_tokens=10000,
                  cache_hit_rate=D(1), cache_ttl="5m")
    bc = e.scenario("batch+cache")
    assert bc.usage.cache_write_5m == 10000          # one write of the prefix
    assert bc.usage.cache_read == 499 * 10000         # 499 reads
    assert bc.usage.uncached_input == 500 * 2000      # the unique part of every prompt
    # Batch rates: write 5m $1.875, read $0.15, input $1.50, output $7.50 per MTok.
    # 0.01 MTok x 1.875 + 4.99 x 0.15 + 1 x 1.5 + 0.15 x 7.5 = 0.01875 + 0.7485 + 1.5 + 1.125
    assert bc.total == D("3.39225")
    assert bc.cost.line("cache_read").unit_price == D("0.15")


def test_one_hour_ttl_uses_the_1h_write_rate(catalogue):
    _, e = totals(catalogue, "claude-sonnet-4-6", 2, 5000, 0, cached_prefix_tokens=5000,
                  cache_hit_rate=D(1), cache_ttl="1h")
    bc = e.scenario("batch+cache")
    # One 1h write (batch $3/MTok) and one read (batch $0.15): 0.005 x 3 + 0.005 x 0.15
    assert bc.usage.cache_write_1h == 5000 and bc.usage.cache_write_5m == 0
    assert bc.total == D("0.01575")


def test_prefix_below_minimum_is_not_cached(catalogue):
    # Opus 4.7 caches nothing below 2,048 tokens.
    t, e = totals(catalogue, "claude-opus-4-7", 100, 3000, 100, cached_prefix_tokens=2000,
                  cache_hit_rate=D(1))
    assert not e.cacheable
    assert t["batch+cache"] == t["batch"]
    assert any("minimum cacheable" in w for w in e.warnings)


def test_default_hit_rate_and_range(catalogue):
    _, e = totals(catalogue, "claude-sonnet-4-6", 101, 5000, 0, cached_prefix_tokens=4000)
    bc = e.scenario("batch+cache")
    assert (bc.cache.hit_rate, bc.cache.range) == (D("0.64"), (D("0.30"), D("0.98")))
    # 0.64 x 100 = 64 reads, 37 writes; the range: 30 and 98 reads.
    assert bc.usage.cache_read == 64 * 4000
    assert bc.low_total > bc.total > bc.high_total


def test_impossible_workloads_are_refused(catalogue):
    with pytest.raises(InvalidUsageError):
        Workload("claude-sonnet-4-6", 10, 100, 10, cached_prefix_tokens=200)
    with pytest.raises(InputError, match="--cache-hit-rate: expected a number between 0 and 1"):
        CacheAssumptions.given(hit_rate=D("1.5"))
    with pytest.raises(InvalidUsageError):
        TokenCounts(uncached_input=-1)


def test_the_public_estimate_returns_the_report_and_its_scenarios_as_a_frame():
    import batchcalc

    r = batchcalc.estimate(batchcalc.Workload("claude-sonnet-4-6", requests=10_000, input_tokens=2_500,
                                              output_tokens=200, on=DAY))
    assert r.kind == "estimate"
    totals = dict(zip(r.frame("scenarios")["scenario"], r.frame("scenarios")["total_usd"]))
    # sync: 10,000 x (2,500 x $3 + 200 x $15) / 1M = 10,000 x $0.0105 = $105; batch half: $52.50
    assert totals["sync"] == D("105") and totals["batch"] == D("52.5")
