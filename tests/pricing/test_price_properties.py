"""Properties of the cost engine that must hold for every model, date and usage."""

import datetime as dt
import json
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from batchcalc import TokenCounts, Workload, price_usage
from calculator.workloads.scenarios import estimate
from calculator.report.estimate import build_estimate_report
from calculator.workloads.cache import CacheAssumptions
from pricing import load_catalogue

CAT = load_catalogue()
PRICED = sorted(m.id for m in CAT.models if m.rate_cards)
DAY = dt.date(2026, 11, 21)

tokens = st.integers(min_value=0, max_value=10**12)
usage = st.builds(TokenCounts, uncached_input=tokens, cache_write_5m=tokens, cache_write_1h=tokens,
                  cache_read=tokens, output=tokens)


def card_day(model_id: str, data) -> dt.date:
    """A date on which one of the model's rate cards is in force."""
    card = data.draw(st.sampled_from(CAT.model(model_id).rate_cards))
    end = card.effective_to or DAY
    return data.draw(st.dates(min_value=card.effective_from, max_value=end - dt.timedelta(days=1)))


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(PRICED), u=usage, long=st.booleans(), data=st.data())
def test_batch_is_half_of_standard(model, u, long, data):
    on = card_day(model, data)
    if CAT.rate_card(model, on).status != "confirmed":
        return
    std = price_usage(CAT, model, on, u, long_context=long).total
    batch = price_usage(CAT, model, on, u, long_context=long, service_tier="batch").total
    assert batch * 2 == std


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(PRICED), a=usage, b=usage, tier=st.sampled_from(["standard", "batch"]),
       long=st.booleans(), data=st.data())
def test_cost_is_additive_within_a_tier(model, a, b, tier, long, data):
    on = card_day(model, data)
    whole = price_usage(CAT, model, on, a + b, service_tier=tier, long_context=long).total
    parts = (price_usage(CAT, model, on, a, service_tier=tier, long_context=long).total
             + price_usage(CAT, model, on, b, service_tier=tier, long_context=long).total)
    assert whole == parts


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(PRICED), u=usage, share=st.fractions(0, 1), long=st.booleans(),
       tier=st.sampled_from(["standard", "batch"]), data=st.data())
def test_moving_input_into_cache_reads_never_raises_the_cost(model, u, share, long, tier, data):
    on = card_day(model, data)
    moved = int(u.uncached_input * share)
    after = TokenCounts(uncached_input=u.uncached_input - moved, cache_write_5m=u.cache_write_5m,
                        cache_write_1h=u.cache_write_1h, cache_read=u.cache_read + moved, output=u.output)
    before_cost = price_usage(CAT, model, on, u, service_tier=tier, long_context=long).total
    after_cost = price_usage(CAT, model, on, after, service_tier=tier, long_context=long).total
    assert after_cost <= before_cost


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from([m for m in PRICED if any(c.contains(DAY) for c in CAT.model(m).rate_cards)]),
       n=st.integers(1, 10**6), i=st.integers(0, 10**6), o=st.integers(0, 10**5),
       p=st.integers(0, 10**6), h=st.decimals(0, 1, places=3))
def test_json_round_trips_to_the_same_decimals(model, n, i, o, p, h):
    w = Workload(model, n, i, o, cached_prefix_tokens=min(p, i), cache=CacheAssumptions.given(hit_rate=h), on=DAY)
    report = build_estimate_report(CAT, w)
    doc = json.loads(json.dumps(report.to_dict()))
    for scenario, item in zip(estimate(CAT, w).scenarios, doc["scenarios"]):
        assert D(item["total_usd"]) == scenario.total
        assert D(item["savings_vs_sync_usd"]) == scenario.savings_vs_sync
        assert sum(D(line["cost_usd"]) for line in item["breakdown"].values()) == scenario.total
