"""A bill of more lines than people can read: the tables shown on a terminal or a page keep the lines
outside tolerance and sum the others per day; every line stays in the JSON contract."""

import datetime as dt
from decimal import Decimal

from calculator.report.reconcile import EXCEPTION, MONEY_COLUMNS, READABLE_LINES, KEY_COLUMNS, _readable

COLUMNS = [*KEY_COLUMNS, *MONEY_COLUMNS]
DAY_1, DAY_2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)


def _rows(n: int) -> list[dict]:
    # Line i: day 1 for even i, day 2 for odd i; expected $1.00, billed $1.01; every 1000th flagged.
    return [{"date": DAY_2 if i % 2 else DAY_1, "model": "claude-haiku-4-5", "token_type": "output",
             "service_tier": "standard", "context_window": "0-200k", "expected_usd": Decimal("1.00"),
             "billed_usd": Decimal("1.01"), "residual_usd": Decimal("0.01"), "residual_percent": Decimal("0.01"),
             EXCEPTION: i % 1000 == 0} for i in range(n)]


def _as_is(row: dict) -> dict:
    return row


def _flagged(row: dict) -> bool:
    return row[EXCEPTION]


def test_up_to_the_limit_every_line_is_shown():
    rows = _rows(READABLE_LINES)
    assert _readable(rows, COLUMNS, _as_is, _flagged) == (rows, "")


def test_beyond_the_limit_flagged_lines_stay_and_the_others_are_summed_per_day():
    n = READABLE_LINES + 1  # 5,001 lines: flagged are i = 0, 1000, 2000, 3000, 4000, 5000 (all even: day 1)
    made = []
    rows, note = _readable(_rows(n), COLUMNS, lambda r: made.append(r) or r, _flagged)
    flagged = [r for r in rows if r[EXCEPTION]]
    assert len(flagged) == 6 and all(r["model"] == "claude-haiku-4-5" for r in flagged)
    assert made == flagged  # only the rows shown are made
    days = {r["date"]: r for r in rows if not r[EXCEPTION]}
    # Day 1: 2,501 even lines minus the 6 flagged = 2,495; day 2: 2,500 odd lines.
    assert days[DAY_1]["model"] == "2,495 lines, summed"
    assert days[DAY_1]["expected_usd"] == Decimal("2495.00")
    assert days[DAY_1]["billed_usd"] == Decimal("2519.95")  # 2,495 x 1.01
    assert days[DAY_2]["residual_usd"] == Decimal("25.00")  # 2,500 x 0.01
    assert "residual_percent" not in days[DAY_2]
    assert len(rows) == 8 and "every line is in --format json" in note


def test_lines_as_json_text_are_summed_the_same():
    n = READABLE_LINES + 1
    text = [{**r, "date": r["date"].isoformat(), **{k: str(r[k]) for k in ("expected_usd", "billed_usd",
                                                                           "residual_usd", "residual_percent")}}
            for r in _rows(n)]
    typed_rows, _ = _readable(_rows(n), COLUMNS, _as_is, _flagged)
    text_rows, _ = _readable(text, COLUMNS, _as_is, _flagged)
    summed = [r for r in text_rows if not r[EXCEPTION]]
    # the same days (as dates) and sums as from typed lines: 2,495 x $1.01 = $2,519.95 on day 1
    assert summed == [r for r in typed_rows if not r[EXCEPTION]]
    day_1 = next(r for r in summed if r["date"] == DAY_1)
    assert day_1["billed_usd"] == Decimal("2519.95")
