"""The JSON renderer writes what ``json.dumps(indent=2, ensure_ascii=False)`` writes, character for
character, while the C encoder does the containers that hold no container."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import report_samples as samples
from reports import render
from reports.json_format import dumps

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
keys = st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(keys, inner, max_size=4)), max_leaves=30)


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


def test_what_json_refuses_it_refuses():
    from decimal import Decimal

    with pytest.raises(TypeError):
        dumps({"rows": [{"money": Decimal("1.5")}]})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})


@pytest.mark.parametrize("kind", sorted(samples.KINDS))
def test_every_report_kind(kind):
    report = samples.KINDS[kind]()
    assert render(report, "json") == reference(report.to_dict()) + "\n"
