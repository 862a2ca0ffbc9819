"""Money in a Report: the JSON text of a Decimal and the Decimal a cell holds are exactly what the
definition gives (plain notation of the normalised value; the cell is that text read back), for
every Decimal, including the ones taking the quick path (a Decimal already its own text)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.report.model import Column, Report, Table, _same_decimal, exact_str, to_json


def definition(value: Decimal) -> str:
    """The JSON text of a Decimal, as the contract defines it."""
    return "0" if value == 0 else format(value.normalize(), "f")


def same(a: Decimal, b: Decimal) -> bool:
    """The same Decimal to the representation: sign, digits and exponent."""
    return a.as_tuple() == b.as_tuple()


# Decimals of every shape: any digits (up to 40, past the 28 digits of the default context),
# any exponent (plain, with trailing zeros, in exponent notation, tiny), signed zeros, integers.
decimals = st.builds(lambda sign, digits, exp: Decimal((sign, tuple(digits), exp)),
                     st.integers(0, 1), st.lists(st.integers(0, 9), min_size=1, max_size=40),
                     st.integers(-40, 12))

EDGES = ["0", "-0", "0.00", "-0.00", "0E+3", "1000", "1E+3", "-1E+3", "1.50", "1.5", "-0.5", "0.0000001",
         "1E-7", "0.000001", "100.5036846594469170537277111", "NaN", "-Infinity", "sNaN",
         # about the 28 digits of the default context, to which normalize rounds
         "123456789012345678901234567", "1234567890123456789012345678", "12345678901234567890123456789",
         "1.234567890123456789012345678", "-1.23456789012345678901234567", "12.34567890123456789012345678",
         "0.1234567890123456789012345678", "0.12345678901234567890123456789",
         "-0.00012345678901234567890123456789"]


def outcome(f, value):
    """What ``f(value)`` gives, or the exception it raises (a signalling NaN raises either way)."""
    try:
        return f(value)
    except Exception as e:  # noqa: BLE001 - compared, not swallowed
        return type(e)


@settings(max_examples=2000, deadline=None)
@given(value=decimals)
def test_exact_text_is_the_definition(value):
    assert exact_str(value) == definition(value)
    assert same(_same_decimal(value), Decimal(definition(value)))


@pytest.mark.parametrize("text", EDGES)
def test_exact_text_of_edge_cases(text):
    value = Decimal(text)
    assert outcome(exact_str, value) == outcome(definition, value)
    if value.is_finite():
        assert same(_same_decimal(value), Decimal(definition(value)))
    else:
        assert outcome(lambda v: str(_same_decimal(v)), value) == outcome(lambda v: str(Decimal(definition(v))), value)


def test_a_decimal_already_its_own_text_is_kept_and_others_are_read_back():
    kept = Decimal("1.25")
    assert _same_decimal(kept) is kept
    # 1.50 reads back as 1.5, 1E+3 as 1000 (exponent 0), -0 as 0
    assert [str(_same_decimal(Decimal(t))) for t in ("1.50", "1E+3", "-0", "0.00")] == ["1.5", "1000", "0", "0"]


def test_a_table_holds_cells_as_they_read_back_from_json():
    columns = [Column("cost", "Cost", "money")]
    t = Table("t", "T", columns, [{"cost": Decimal("1.50")}, {"cost": Decimal("2E+1")}, {"cost": Decimal("0.25")}])
    assert [str(r["cost"]) for r in t.rows] == ["1.5", "20", "0.25"]
    assert [r["cost"] for r in t.to_dict()["rows"]] == ["1.5", "20", "0.25"]
    assert Table.from_dict(t.to_dict()) == t


def test_a_dict_in_json_form_is_copied_and_others_converted():
    line = {"date": "2026-03-13", "expected_usd": "0.06", "tokens": 6, "within_tolerance": True, "model": None}
    out = to_json(line)
    assert out == line and out is not line
    assert to_json({"a": Decimal("1.10"), 2: [Decimal("3E+2")]}) == {"a": "1.1", "2": ["300"]}
    # figures in JSON form stay as they are in the Report
    r = Report("k", "T", "v", figures={"lines": [line]})
    assert r.figures["lines"] == [line] and r.to_dict()["lines"] == [line]
