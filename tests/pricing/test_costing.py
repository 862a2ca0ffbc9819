"""The cost engine against the pricing page: tiers, long context, modifiers, web search."""

import datetime as dt
from decimal import Decimal as D

import pytest

from batchcalc import TokenCounts, price_usage
from calculator.errors import InvalidUsageError, NoRateError, UnknownModelError, UnpricedModelError

DAY = dt.date(2026, 11, 21)


def cost(catalogue, model, usage, on=DAY, **kw):
    return price_usage(catalogue, model, on, usage, **kw).total


def test_sonnet_4_5_long_context_bills_every_token_at_the_high_rate(catalogue):
    u = TokenCounts(uncached_input=250_000, output=1_000)
    # 0.25 MTok x $6 + 0.001 MTok x $22.50 = 1.5 + 0.0225
    assert cost(catalogue, "claude-sonnet-4-5", u) == D("1.5225")
    # batch: $3 / $11.25 -> 0.75 + 0.01125
    assert cost(catalogue, "claude-sonnet-4-5", u, service_tier="batch") == D("0.76125")


def test_threshold_counts_cache_tokens_and_is_not_marginal(catalogue):
    # 150K uncached + 60K read = 210K > 200K: all at $6 / read $0.60.
    u = TokenCounts(uncached_input=150_000, cache_read=60_000)
    assert cost(catalogue, "claude-sonnet-4-5", u) == D("0.9") + D("0.036")
    # Exactly 200,000 stays on the base rates: 0.2 MTok x $3.
    assert cost(catalogue, "claude-sonnet-4-5", TokenCounts(uncached_input=200_000)) == D("0.6")


def test_opus_4_6_long_context_ends_on_2026_03_13(catalogue):
    u = TokenCounts(uncached_input=300_000)
    assert cost(catalogue, "claude-opus-4-6", u, on=dt.date(2026, 3, 12)) == D("3.0")   # $10/MTok
    assert cost(catalogue, "claude-opus-4-6", u, on=dt.date(2026, 3, 13)) == D("1.5")   # $5/MTok


def test_haiku_5_5_over_100k_pays_five_times_on_everything(catalogue):
    assert cost(catalogue, "claude-haiku-5-5", TokenCounts(uncached_input=100_000, output=1_000_000)) \
        == D("0.01") + D("0.5")          # 0.1 MTok x $0.10 + 1 MTok x $0.50
    assert cost(catalogue, "claude-haiku-5-5", TokenCounts(uncached_input=100_001, output=1_000_000)) \
        == D("0.0500005") + D("2.5")      # 0.100001 MTok x $0.50 + 1 MTok x $2.50


def test_residency_applies_only_to_eligible_models(catalogue):
    m = TokenCounts(uncached_input=1_000_000)
    assert cost(catalogue, "claude-sonnet-4-6", m, inference_geo="us") == D("3.30")
    # before 4.6: no multiplier (ten requests of 100K, below Sonnet 4.5's long-context threshold)
    assert cost(catalogue, "claude-sonnet-4-5", m, inference_geo="us", requests=10) == D("3")
    # stacks with batch: $2.50 x 1.1
    assert cost(catalogue, "claude-opus-4-6", m, inference_geo="us", service_tier="batch") == D("2.75")


def test_fast_mode(catalogue):
    m = TokenCounts(uncached_input=1_000_000)
    assert cost(catalogue, "claude-opus-4-8", m, speed="fast", on=dt.date(2026, 11, 1)) == D("10")
    assert cost(catalogue, "claude-opus-5-5", TokenCounts(output=1_000_000), speed="fast") == D("40")
    with pytest.raises(InvalidUsageError, match="Batches"):
        cost(catalogue, "claude-opus-5", m, speed="fast", service_tier="batch")
    with pytest.raises(InvalidUsageError):  # removed 2026-11-30
        cost(catalogue, "claude-opus-4-8", m, speed="fast", on=dt.date(2026, 11, 30))
    with pytest.raises(InvalidUsageError):  # never offered
        cost(catalogue, "claude-haiku-4-5", m, speed="fast")


def test_web_search_is_per_search_and_not_halved(catalogue):
    u = TokenCounts(web_search_requests=1000)
    assert cost(catalogue, "claude-sonnet-4-6", u) == D("10")
    assert cost(catalogue, "claude-sonnet-4-6", u, service_tier="batch") == D("10")


def test_cache_partitions_are_priced_separately_never_added_to_input(catalogue):
    u = TokenCounts(uncached_input=1_000_000, cache_write_5m=1_000_000, cache_write_1h=1_000_000,
                    cache_read=1_000_000, output=1_000_000)
    # Haiku 4.5: 1 + 1.25 + 2 + 0.10 + 5
    assert cost(catalogue, "claude-haiku-4-5", u) == D("9.35")


def test_price_history_haiku_3_5_cut(catalogue):
    m = TokenCounts(uncached_input=1_000_000)
    assert cost(catalogue, "claude-3-5-haiku-20241022", m, on=dt.date(2024, 11, 10)) == D("1")
    assert cost(catalogue, "claude-3-5-haiku-20241022", m, on=dt.date(2024, 12, 3)) == D("0.80")


def test_sonnet_5_5_cache_read_cut(catalogue):
    r = TokenCounts(cache_read=1_000_000)
    assert cost(catalogue, "claude-sonnet-5-5", r, on=dt.date(2026, 10, 6)) == D("0.20")
    assert cost(catalogue, "claude-sonnet-5-5", r, on=dt.date(2026, 10, 7)) == D("0.10")


def test_date_before_first_rate_card_is_an_error(catalogue):
    with pytest.raises(NoRateError, match="no price before"):
        cost(catalogue, "claude-opus-4-7", TokenCounts(uncached_input=1), on=dt.date(2025, 1, 1))


def test_unknown_and_unpriced_models(catalogue):
    with pytest.raises(UnknownModelError) as exc:
        cost(catalogue, "claude-sonet-4-6", TokenCounts(uncached_input=1))
    assert "claude-sonnet-4-6" in exc.value.suggestions
    with pytest.raises(UnpricedModelError, match="unpriced"):
        cost(catalogue, "claude-mythos-preview", TokenCounts(uncached_input=1))


def test_undocumented_service_tiers_are_unpriced_not_free(catalogue):
    for tier in ("priority_on_demand", "flex", "flex_discount"):
        with pytest.raises(UnpricedModelError):
            cost(catalogue, "claude-sonnet-4-6", TokenCounts(uncached_input=1), service_tier=tier)


def test_huge_volumes_stay_exact(catalogue):
    u = TokenCounts(uncached_input=123_456_789_012_345, output=987_654_321)
    # 123,456,789.012345 MTok x $3 + 987.654321 MTok x $15
    assert cost(catalogue, "claude-sonnet-4-6", u) == D("370370367.037035") + D("14814.814815")
