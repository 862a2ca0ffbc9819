"""How one cell reads, by column kind. Display rounding happens here and only here.

Display rounds half away from zero (a spreadsheet's ROUND: $9,131.325 shows as $9,131.33);
``exact`` gives the machine-readable value (CSV, FOCUS) with every digit kept.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from calculator.money import money_str, usd
from calculator.report.model import DECIMAL_KINDS, NUMERIC_KINDS, Column, Table

HALF_UP = decimal.ROUND_HALF_UP


def display(value, column: Column) -> str:
    return display_kind(value, column.kind)


def display_kind(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money" and isinstance(value, Decimal):
        return usd(value)
    if kind == "rate" and isinstance(value, Decimal):
        return rate_display(value)
    if kind == "percent" and isinstance(value, (Decimal, int)):
        return f"{_round(Decimal(value) * 100, 1):,.1f}%"
    if kind == "number" and isinstance(value, (Decimal, int)):
        return _number(Decimal(value))
    if kind in ("int", "tokens") and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.utcoffset() in (None, dt.timedelta(0)):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _round(value: Decimal, places: int) -> Decimal:
    ctx = decimal.Context(prec=max(28, value.adjusted() + places + 2))
    return value.quantize(Decimal(1).scaleb(-places), rounding=HALF_UP, context=ctx)


def _number(value: Decimal) -> str:
    """A measure that is not money (a mean size, a ratio): two decimals at most, no trailing zeros."""
    text = f"{_round(value, 2):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rate_display(value: Decimal) -> str:
    """A per-MTok rate as the pricing page prints it: $3, $3.75, $0.30, $0.125."""
    text = money_str(value)
    if "." in text and len(text.split(".")[1]) < 2:
        text += "0"
    return f"${text}"


def exact(value) -> str:
    """Machine-readable cell (CSV, FOCUS): exact decimals, ISO dates, no thousands separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def is_numeric(column: Column) -> bool:
    return column.kind in NUMERIC_KINDS


def is_decimal(column: Column) -> bool:
    return column.kind in DECIMAL_KINDS


def ordered_rows(table: Table, *, only_exceptions: bool = False) -> list[dict]:
    """The rows as every renderer lists them: flagged rows (exceptions) first, in their order,
    then the others, then the total rows; ``only_exceptions`` keeps only the flagged rows of a
    table with a flag."""
    body = [r for r in table.rows if not table.is_total(r)]
    totals = [r for r in table.rows if table.is_total(r)]
    if not table.flag:
        return body + totals
    flagged = [r for r in body if table.flagged(r)]
    if only_exceptions:
        return flagged
    return flagged + [r for r in body if not table.flagged(r)] + totals
