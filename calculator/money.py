"""Exact money: Decimal with enough precision that sums of billions of tokens never round."""

from __future__ import annotations

import decimal
from decimal import Decimal

# 50 significant digits: a 10^15-token month at a 3-decimal rate stays exact.
CONTEXT = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)
MTOK = Decimal(1_000_000)


def per_mtok(tokens: int, usd_per_mtok: Decimal) -> Decimal:
    """Cost of ``tokens`` at a USD-per-million-tokens rate, exact."""
    return CONTEXT.divide(CONTEXT.multiply(Decimal(tokens), usd_per_mtok), MTOK)


def money_str(value: Decimal) -> str:
    """The exact value as a plain decimal string (no exponent), for JSON and CSV."""
    if value == 0:
        return "0"
    text = format(value.normalize(CONTEXT), "f")
    return text


def usd(value: Decimal, places: int = 2) -> str:
    """For display only: $1,234.57, negative as -$1.00.

    Rounds half away from zero, as a spreadsheet's ROUND does ($9,131.325 shows as $9,131.33),
    so a figure on the page matches the one finance computes from the exact CSV or JSON."""
    q = Decimal(1).scaleb(-places)
    # Enough digits for any magnitude: quantize raises InvalidOperation when the result would
    # need more digits than the context's precision (a workload of 10^30 requests).
    ctx = decimal.Context(prec=max(CONTEXT.prec, value.adjusted() + places + 2))
    rounded = value.quantize(q, rounding=decimal.ROUND_HALF_UP, context=ctx)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.{places}f}"


PERCENT_PLACES = Decimal("0.0001")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to 0.0001 points (None when ``whole`` is 0).

    A percentage is a ratio for people to read, not money: it is rounded (half-even) so JSON
    does not carry 28 digits of a repeating fraction. Money itself is never rounded."""
    if whole == 0:
        return None
    return CONTEXT.divide(part * 100, whole).quantize(PERCENT_PLACES, rounding=decimal.ROUND_HALF_EVEN)
