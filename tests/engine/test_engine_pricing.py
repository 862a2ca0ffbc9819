"""The engine prices exactly as ``costing.price_usage``, the definition of a price.

Random rows (every model of the catalogue, dates across rate changes, both tiers, both context
tiers, residency and fast mode, counts up to 10^15) go through the DuckDB pipeline, each in its
own workspace, and each workspace's cost must equal ``price_usage`` of its row to the last digit;
realised and missed savings must equal the same re-pricing at the other tier.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.costing import TokenCounts, price_usage
from calculator.engine.pipeline import COUNTS, UsageEngine
from calculator.errors import InvalidUsageError, ModelError
from calculator.readers.frame import Chunk
from pricing import load_catalogue

CAT = load_catalogue()
MODELS = sorted({m.id for m in CAT.models})
counts = st.integers(min_value=0, max_value=10**15)


@st.composite
def rows(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for i in range(n):
        row = {"period": draw(st.dates(min_value=dt.date(2024, 3, 1), max_value=dt.date(2026, 12, 31))).isoformat(),
               "model": draw(st.sampled_from(MODELS)),
               "service_tier": draw(st.sampled_from(["standard", "batch"])),
               "context_tier": draw(st.sampled_from(["base", "long"])),
               "inference_geo": draw(st.sampled_from(["global", "us"])),
               "speed": draw(st.sampled_from(["standard", "standard", "fast"])),
               "workspace": f"w{i}", "api_key": "", "source": "test"}
        row.update({c: draw(counts) for c in COUNTS if c != "requests"})
        row["web_search_requests"] = draw(st.integers(min_value=0, max_value=10**6))
        row["requests"] = 0
        out.append(row)
    return out


def price(row: dict, tier: str):
    tokens = TokenCounts(**{c: row[c] for c in COUNTS if c != "requests"})
    try:
        return price_usage(CAT, row["model"], dt.date.fromisoformat(row["period"]), tokens, service_tier=tier,
                           long_context=row["context_tier"] == "long", inference_geo=row["inference_geo"],
                           speed=None if row["speed"] == "standard" else row["speed"]).total
    except (ModelError, InvalidUsageError):
        return None


def run(rs: list[dict]):
    table = pa.table({k: [r[k] for r in rs] for k in rs[0]})
    engine = UsageEngine(CAT, group_by=("workspace",))
    engine.add_chunk(Chunk(table, "rows", lambda i: f"row {i}"))
    return engine.finish()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rs=rows())
def test_every_row_costs_what_price_usage_says(rs):
    result = run(rs)
    by_ws = {s.key[0]: s for s in result.breakdowns["group"]}
    total = Decimal(0)
    for r in rs:
        got = by_ws[r["workspace"]]
        want = price(r, r["service_tier"])
        if want is None:
            assert got.unpriced_rows == 1 and got.money.cost == 0
            continue
        assert got.money.cost == want, (r, got.money.cost, want)
        total += want
        other = "batch" if r["service_tier"] == "standard" else "standard"
        alt = price(r, other) if not (other == "batch" and r["speed"] == "fast") else None
        if r["service_tier"] == "batch" and alt is not None:
            assert got.money.realised == alt - want
        if r["service_tier"] == "standard" and r["speed"] == "standard" and alt is not None:
            assert got.money.missed == want - alt
    assert result.totals.cost == total


def test_a_known_row_by_hand():
    """Sonnet 4.6, standard, 2026-10-01: 1M input at $3 + 200K output at $15 + 1M cache reads at
    $0.30 + 10 web searches at $10/1000 = 3 + 3 + 0.3 + 0.1 = $6.40; batch halves the tokens
    (1.5 + 1.5 + 0.15) but not the searches (0.1): missed = 6.40 - 3.25 = $3.15."""
    row = {"period": "2026-10-01", "model": "claude-sonnet-4-6", "service_tier": "standard",
           "context_tier": "base", "inference_geo": "global", "speed": "standard", "workspace": "w",
           "api_key": "", "source": "t", "uncached_input": 1_000_000, "cache_write_5m": 0, "cache_write_1h": 0,
           "cache_read": 1_000_000, "output": 200_000, "web_search_requests": 10, "requests": 0}
    result = run([row])
    assert result.totals.cost == Decimal("6.40")
    assert result.totals.missed == Decimal("3.15")
