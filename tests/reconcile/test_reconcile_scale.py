"""What lets reconcile run on millions of bill rows: the Console cost CSV summed per line by DuckDB
(the exact reader still naming a bad row by line), and line prices from unit prices cached per
pricing key and rate epoch, equal to ``price_usage`` to the last digit."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.readers import console_cost_csv, console_cost_scan
from calculator.readers.costs import CostSource
from calculator.readers.cost_lines import LineMaker
from calculator.costing import ADMIN_TOKEN_TYPES, TokenCounts, price_usage
from calculator.errors import InputError, InvalidUsageError, ModelError
from calculator.money import money_str
from calculator.reconcile.reconcile import _Prices, _UsageSide
from calculator.readers._policy import InvalidRows
from pricing import load_catalogue

CAT = load_catalogue()
EXAMPLES = Path(__file__).parents[2] / "examples"
COSTS = EXAMPLES / "claude_api_cost_2026_02_10_to_2026_02_11.csv"
HEADER = ("usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,"
          "cost_type,inference_geo,speed")


def scanned(path) -> list:
    return console_cost_scan.read(str(path), LineMaker(CAT, InvalidRows()))


def exact(path) -> list:
    return list(console_cost_csv.read(str(path), LineMaker(CAT, InvalidRows()), InvalidRows(), []))


def summed(lines) -> dict:
    """Lines by what reconcile tells apart: amount, list price (None if a row has none) and rows."""
    out: dict = {}
    for c in lines:
        key = (c.date, c.model, c.token_type, c.cost_type, c.service_tier, c.context_tier, c.workspace, c.currency)
        amount, listed, rows = out.get(key, (Decimal(0), Decimal(0), 0))
        out[key] = (amount + c.amount, None if listed is None or c.list_price is None else listed + c.list_price,
                    rows + c.rows)
    return {k: (money_str(a), None if l is None else money_str(l), n) for k, (a, l, n) in out.items()}


def test_the_example_bill_summed_per_line():
    lines = scanned(COSTS)
    by_key = {(c.date.day, c.model, c.token_type, c.service_tier): c for c in lines}
    # 16 rows, 14 lines: the split Haiku input (2.00 + 1.00) and output (1.50 + 0.50) rows of 02-10.
    assert len(lines) == 14 and sum(c.rows for c in lines) == 16
    haiku_in = by_key[(10, "claude-haiku-4-5-20251001", "uncached_input_tokens", "standard")]
    assert (haiku_in.amount, haiku_in.list_price, haiku_in.rows) == (Decimal("3.00"), Decimal("3.00"), 2)
    haiku_out = by_key[(10, "claude-haiku-4-5-20251001", "output_tokens", "standard")]
    assert (haiku_out.amount, haiku_out.rows) == (Decimal("2.00"), 2)
    # The web-search row: '--' placeholders, no model, no token type.
    search = by_key[(10, None, None, None)]
    assert (search.cost_type, search.amount, search.workspace) == ("web_search", Decimal("0.40"), "Default")
    # 0.40 + 3.00 + 0.50 + 1.00 + 2.00 + 8.00 + 5.00 (02-10) + 0.00 + 9.00 + 1.20 + 1.50 + 6.00 + 9.00 + 7.50 (02-11)
    assert sum(c.amount for c in lines) == Decimal("54.10")
    assert all(c.cent_rounded for c in lines)
    assert summed(lines) == summed(exact(COSTS))


def write(d, rows: list[str], name="cost.csv") -> Path:
    path = Path(d) / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_bad_row_is_named_by_the_exact_reader(tmp_path):
    path = write(tmp_path, ["2026-02-10,Claude Haiku 4.5,Default,k,message,≤ 200k,output,1.00,1.00,token,global,",
                            "2026-02-10,Claude Nonesuch 9,Default,k,message,≤ 200k,output,1.00,1.00,token,global,"])
    assert scanned(path) is None
    with pytest.raises(InputError) as err:
        list(CostSource([str(path)], catalogue=CAT).lines())
    assert f"{path}:3:" in str(err.value) and "Nonesuch" in str(err.value)
    # With --skip-invalid the bad row is skipped and counted, the good one kept.
    src = CostSource([str(path)], catalogue=CAT, policy=InvalidRows(skip=True))
    assert [c.amount for c in src.lines()] == [Decimal("1.00")] and src.skipped == 1


@pytest.mark.parametrize("amount, value", [('"$2.50"', "2.50"), ('"1,234.50"', "1234.50"), ("2.1234567", "2.1234567")])
def test_amounts_the_scan_leaves_to_the_exact_reader(tmp_path, amount, value):
    # A dollar sign, a thousands separator, more than six places: read exactly, row by row.
    path = write(tmp_path, [f"2026-02-10,Claude Haiku 4.5,Default,k,message,≤ 200k,output,{amount},,token,global,"])
    assert scanned(path) is None
    [line] = CostSource([str(path)], catalogue=CAT).lines()
    assert line.amount == Decimal(value) and line.list_price is None


def test_a_short_row_is_named_by_line(tmp_path):
    path = write(tmp_path, ["2026-02-10,Claude Haiku 4.5,Default,k,message,≤ 200k,output,1.00,1.00,token,global,",
                            "2026-02-10,Claude Haiku 4.5,Default,k,message"])
    assert scanned(path) is None
    with pytest.raises(InputError) as err:
        list(CostSource([str(path)], catalogue=CAT).lines())
    assert f"{path}:3: expected 12 fields, found 5" in str(err.value)


MODELS = ["Claude Haiku 4.5", "Claude Sonnet 4.6", "claude-opus-4-6", "--"]
places = st.integers(min_value=0, max_value=6)


@st.composite
def console_rows(draw):
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        model = draw(st.sampled_from(MODELS))
        cents = draw(st.integers(min_value=0, max_value=10**9))
        p = draw(places)
        amount = f"{Decimal(cents).scaleb(-p):f}"
        listed = draw(st.sampled_from(["same", "", "--"]))
        if model == "--":
            rows.append(f"2026-0{draw(st.integers(3, 4))}-1{draw(st.integers(0, 2))},--,{draw(st.sampled_from(['A', 'B']))},"
                        f"k,--,--,--,{amount},{amount if listed == 'same' else listed},web_search,--,--")
            continue
        rows.append(",".join([
            f"2026-0{draw(st.integers(3, 4))}-1{draw(st.integers(0, 2))}", model, draw(st.sampled_from(["A", " B ", "--"])),
            draw(st.sampled_from(["k1", "k2"])), draw(st.sampled_from(["message", "batch", "standard"])),
            draw(st.sampled_from(["≤ 200k", "> 200k", "--"])),
            draw(st.sampled_from(["input_no_cache", "input_cache_read", "input_cache_write_5m", "output"])),
            amount, amount if listed == "same" else listed, "token", draw(st.sampled_from(["global", "us"])), ""]))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=console_rows())
def test_the_scan_sums_what_the_exact_reader_reads(rows):
    with tempfile.TemporaryDirectory() as d:
        path = write(d, rows)
        got = scanned(path)
        assert got is not None
        assert summed(got) == summed(exact(path))


PRICED_MODELS = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-5", "claude-sonnet-4-5",
                 "claude-opus-4-1", "claude-3-haiku", "claude-mythos-preview"]
tokens = st.builds(TokenCounts, *[st.integers(min_value=0, max_value=10**13)] * 5,
                   st.integers(min_value=0, max_value=10**6))


def outcome(fn):
    try:
        cost = fn()
    except (ModelError, InvalidUsageError) as exc:
        return type(exc).__name__, str(exc)
    return (cost.model, cost.on, cost.service_tier, cost.long_context, cost.multiplier, cost.source, cost.status,
            cost.checked, money_str(cost.total),
            [(l.token_type, l.quantity, str(l.unit_price), str(l.cost)) for l in cost.lines])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(
    st.sampled_from(PRICED_MODELS), st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31)),
    tokens, st.sampled_from(["standard", "batch", "priority"]), st.booleans(), st.sampled_from(["global", "us"]),
    st.sampled_from([None, "fast"])), min_size=1, max_size=12))
def test_cached_unit_prices_are_price_usage_to_the_last_digit(lines):
    prices = _Prices(CAT)  # one cache for all the lines: later lines reuse earlier lines' unit prices
    for model, day, usage, tier, long, geo, speed in lines:
        kw = dict(service_tier=tier, long_context=long, inference_geo=geo, speed=speed)
        assert outcome(lambda: prices.price(model, day, usage, **kw)) == \
            outcome(lambda: price_usage(CAT, model, day, usage, **kw))


def test_a_hand_priced_line():
    # Sonnet 4.6 batch on 2026-06-01: $1.50 input, $7.50 output per MTok (half of $3 / $15);
    # 2M input + 1M output = 3.00 + 7.50 = 10.50; 30 searches at $10 per 1,000 (not halved) = 0.30.
    prices = _Prices(CAT)
    usage = TokenCounts(uncached_input=2_000_000, output=1_000_000, web_search_requests=30)
    cost = prices.price("claude-sonnet-4-6", dt.date(2026, 6, 1), usage, service_tier="batch", long_context=False,
                        inference_geo="global", speed=None)
    assert cost.line("uncached_input").cost == Decimal("3.00")
    assert cost.line("output").cost == Decimal("7.50")
    assert cost.line("web_search").cost == Decimal("0.30")
    assert cost.total == Decimal("10.80")


counts = st.fixed_dictionaries({
    **{c: st.sampled_from([0, 1, 999_999, 10**13]) for c in ("uncached_input", "cache_write_5m", "cache_write_1h",
                                                               "cache_read", "output")},
    "web_search_requests": st.sampled_from([0, 7])})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=st.lists(st.tuples(
    st.sampled_from([*PRICED_MODELS, "claude-nonesuch-9"]),
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.sampled_from(["standard", "batch", "priority"]), st.sampled_from(["base", "long"]),
    st.sampled_from(["global", "us"]), st.sampled_from(["standard", "fast"]), st.sampled_from(["A", "B"]),
    counts), min_size=1, max_size=12))
def test_each_expected_line_is_price_usage_summed_over_its_groups(groups):
    # The usage side prices each group from cached unit prices; here every group is priced by
    # price_usage itself and its line costs summed per line key.
    side = _UsageSide(CAT, None)
    want: dict = {}
    for model, day, tier, ctx, geo, speed, workspace, n in groups:
        side.add_group(day, model, tier, ctx, geo, speed, workspace, n)
        try:
            cost = price_usage(CAT, model, day, TokenCounts(**n), service_tier=tier, long_context=ctx == "long",
                               inference_geo=geo, speed=None if speed == "standard" else speed)
        except (ModelError, InvalidUsageError):
            cost = None
        for col, count in [*((c, c) for c in ADMIN_TOKEN_TYPES), ("web_search", "web_search_requests")]:
            if not n[count]:
                continue
            key = ((day, None, "web_search", None, None, workspace) if col == "web_search"
                   else (day, model, ADMIN_TOKEN_TYPES[col], tier, ctx, workspace))
            amount, tokens = want.get(key, (Decimal(0), 0))
            want[key] = (None if cost is None or amount is None else amount + cost.line(col).cost, tokens + n[count])
    got = {key: (None if e.unpriced else e.amount, e.tokens) for key, e in side.entries.items()}
    assert got == want
