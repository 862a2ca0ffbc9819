"""Option values shared by several commands (estimate, count, report), parsed one way."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Optional

import typer

from calculator.errors import InputError

# Output and cache assumptions of a request file (count, check).
OutputTokensOpt = Annotated[Optional[int], typer.Option(
    "--output-tokens", "-O", min=0, help="Assume this many output tokens per request (capped at max_tokens).")]
OutputRatioOpt = Annotated[Optional[str], typer.Option(
    "--output-ratio", metavar="R", help="Assume each request outputs this fraction of its max_tokens (0-1 or 40%).")]
CacheHitRateOpt = Annotated[Optional[str], typer.Option(
    "--cache-hit-rate", metavar="H", help="Fraction of requests that read a shared prefix from cache "
                                          "(0-1 or 80%). Default 0.64; the 30%-98% range is shown.")]


class TTL(str, Enum):
    m5 = "5m"
    h1 = "1h"


class Geo(str, Enum):
    global_ = "global"
    us = "us"


class Speed(str, Enum):
    standard = "standard"
    fast = "fast"


class Per(str, Enum):
    month = "month"
    week = "week"


def parse_fraction(value: Optional[str], option: str, *, lo: Decimal = Decimal(0),
                   hi: Optional[Decimal] = Decimal(1)) -> Optional[Decimal]:
    """A number such as 0.8 or a percentage such as 80%, checked against [lo, hi]."""
    if value is None:
        return None
    try:
        d = Decimal(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except InvalidOperation:
        raise InputError(f"{option} {value!r}: expected a number (0.8) or a percentage (80%)") from None
    if not d.is_finite() or d < lo or (hi is not None and d > hi):
        raise InputError(f"{option} {value!r}: expected a number between {lo} and {hi}")
    return d
