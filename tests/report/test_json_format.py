"""The JSON renderer writes what ``json.dumps(indent=2, ensure_ascii=False)`` writes, character for
character, while the C encoder does the containers that hold no container and the columns of
tables (lists of dicts with the same keys in the same order)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import report_samples as samples
from reports import render
from reports.json_format import dumps

# Text the writer must not mistake for its own structure: its separator character, "%", braces,
# quotes, a line break, non-ASCII and a lone surrogate.
tricky = st.sampled_from(["\x00", "a\x00b", "%s", "%", "{", "}", "[", "]", '"', "\\", "\n", ",\n  ",
                          "\u2264 200k", "\ud800", ""])
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), tricky)
keys = st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))


def tables(cells):
    """Lists of dicts with the same str keys in the same order, as a report's tables are."""
    return st.lists(st.one_of(st.text(max_size=4), tricky), min_size=1, max_size=4, unique=True).flatmap(
        lambda names: st.lists(st.fixed_dictionaries({n: cells for n in names}), min_size=1, max_size=6))


trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(keys, inner, max_size=4), tables(inner), tables(scalars),
    st.lists(tables(scalars), min_size=1, max_size=3)), max_leaves=30)


def reference(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=trees)
def test_the_same_text_as_json_dumps(obj):
    assert dumps(obj) == reference(obj)


def test_hand_picked_shapes():
    # A row of a table (flat), a row holding a list (not flat), empty containers, quotes and
    # non-ASCII text, deep nesting: json.dumps' own text in every case.
    for obj in ({"rows": [{"a": 1, "b": "≤ 200k", "c": None}, {"a": 2, "d": [1, 2], "e": {}}]},
                [[], {}, [[]], [{}], "\"quoted\"\n", 1.5, float("nan"), True],
                {"x": {"y": {"z": [1, {"k": "v"}]}}}, {1: "int key", None: "null key", 2.5: [True]},
                "alone", 3, [[1, [2, [3, [4]]]]]):
        assert dumps(obj) == reference(obj)


def test_tables_longer_than_a_chunk():
    # The writer takes a table's rows a few thousand at a time: rows on both sides of its chunk
    # boundaries, a column of lists of rows (a line's rate cards), rows that stop sharing keys.
    rows = [{"date": f"2026-03-{i % 28 + 1:02d}", "usd": str(i / 7), "n": i, "ok": i % 3 == 0,
             "note": None if i % 5 else "≤ 200k \"x\"\n",
             "cards": [{"source": "https://example.com", "checked": "2026-11-21"}] * (i % 3 + 1),
             "tags": [i, "a"] if i % 2 else []}
            for i in range(10_000)]
    odd = [dict(r) for r in rows[:50]] + [{"n": 1, "date": "swapped"}]
    for obj in ({"lines": rows}, rows, {"lines": odd}, [[r] for r in rows[:100]]):
        assert dumps(obj) == reference(obj)


def test_what_json_refuses_it_refuses():
    from decimal import Decimal

    with pytest.raises(TypeError):
        dumps({"rows": [{"money": Decimal("1.5")}]})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})
    with pytest.raises(TypeError):
        dumps({"lines": [{"usd": "1"}, {"usd": Decimal("2")}]})


@pytest.mark.parametrize("kind", sorted(samples.KINDS))
def test_every_report_kind(kind):
    report = samples.KINDS[kind]()
    assert render(report, "json") == reference(report.to_dict()) + "\n"
