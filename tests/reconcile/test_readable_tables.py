"""A bill of more lines than people can read: the tables shown on a terminal or a page keep the lines
outside tolerance and sum the others per day; every line stays in the JSON contract."""

from decimal import Decimal

from calculator.report.reconcile import EXCEPTION, MONEY_COLUMNS, READABLE_LINES, KEY_COLUMNS, _readable


def _rows(n: int) -> list[dict]:
    # Line i: day 1 for even i, day 2 for odd i; expected $1.00, billed $1.01; every 1000th flagged.
    return [{"date": f"2026-10-0{1 + i % 2}", "model": "claude-haiku-4-5", "token_type": "output",
             "service_tier": "standard", "context_window": "0-200k", "expected_usd": Decimal("1.00"),
             "billed_usd": Decimal("1.01"), "residual_usd": Decimal("0.01"), "residual_percent": Decimal("0.01"),
             EXCEPTION: i % 1000 == 0} for i in range(n)]


def test_up_to_the_limit_every_line_is_shown():
    rows = _rows(READABLE_LINES)
    assert _readable(rows, [*KEY_COLUMNS, *MONEY_COLUMNS]) == (rows, "")


def test_beyond_the_limit_flagged_lines_stay_and_the_others_are_summed_per_day():
    n = READABLE_LINES + 1  # 5,001 lines: flagged are i = 0, 1000, 2000, 3000, 4000, 5000 (all even: day 1)
    rows, note = _readable(_rows(n), [*KEY_COLUMNS, *MONEY_COLUMNS])
    flagged = [r for r in rows if r[EXCEPTION]]
    assert len(flagged) == 6 and all(r["model"] == "claude-haiku-4-5" for r in flagged)
    days = {r["date"]: r for r in rows if not r[EXCEPTION]}
    # Day 1: 2,501 even lines minus the 6 flagged = 2,495; day 2: 2,500 odd lines.
    assert days["2026-10-01"]["model"] == "2,495 lines, summed"
    assert days["2026-10-01"]["expected_usd"] == Decimal("2495.00")
    assert days["2026-10-01"]["billed_usd"] == Decimal("2519.95")  # 2,495 x 1.01
    assert days["2026-10-02"]["residual_usd"] == Decimal("25.00")  # 2,500 x 0.01
    assert "residual_percent" not in days["2026-10-02"]
    assert len(rows) == 8 and "every line is in --format json" in note
