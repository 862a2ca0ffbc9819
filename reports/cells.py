"""How one table cell reads, by column kind. Display rounding happens here and only here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from calculator.money import money_str, usd
from calculator.report.model import NUMERIC_KINDS, Column


def display(value, column: Column) -> str:
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "money" and isinstance(value, Decimal):
        return usd(value)
    if kind == "rate" and isinstance(value, Decimal):
        return rate_display(value)
    if kind == "percent" and isinstance(value, Decimal):
        return f"{value * 100:.1f}%"
    if kind == "number" and isinstance(value, (int, Decimal)):
        return f"{value:,}"
    if kind in ("int", "tokens") and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def rate_display(value: Decimal) -> str:
    """A per-MTok rate as the pricing page prints it: $3, $3.75, $0.30, $0.125."""
    text = money_str(value)
    if "." in text and len(text.split(".")[1]) < 2:
        text += "0"
    return f"${text}"


def exact(value) -> str:
    """Machine-readable cell (CSV): exact decimals, ISO dates, no thousands separators."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_numeric(column: Column) -> bool:
    return column.kind in NUMERIC_KINDS
