"""Raw spellings -> canonical values, resolved once per distinct value through the catalogue.

The engine collects the distinct raw values of each dimension, resolves them here in Python and
joins the answers back as a small table: a 10-million-row export has a few dozen spellings.

Canonical values:
    period        YYYY-MM-DD (daily buckets) or YYYY-MM-DDTHH:MM (hourly / minute), UTC
    model         the catalogue's id ("claude-sonnet-4-6"), whatever spelling the file used
    service_tier  standard | batch | an unpriced tier of the catalogue (priority, flex, ...)
    context_tier  base | long   (exports say "0-200k", "≤ 200k" / "200k-1M")
    inference_geo global | us | ...   speed  standard | fast
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from calculator.engine.rates import NOT_GROUPED
from calculator.errors import UnknownModelError

CONTEXT_SPELLINGS = {
    "": "base", "base": "base", "standard": "base", "0-200k": "base", "≤ 200k": "base",
    "≤200k": "base", "<= 200k": "base", "<=200k": "base", "< 200k": "base", "<200k": "base",
    "0-100k": "base", "--": "base",
    "long": "long", "200k-1m": "long", "> 200k": "long", ">200k": "long", "200k+": "long",
    "100k-1m": "long", "1m": "long",
}
CONTEXT_WINDOW_NAMES = {"base": "0-200k", "long": "200k-1M"}  # the Admin API's names, for output
TIER_SPELLINGS = {
    "standard": "standard", "sync": "standard", "messages": "standard", "on_demand": "standard",
    # The Console cost CSV's usage_type on token rows: the synchronous Messages API.
    "message": "standard",
    "batch": "batch", "batches": "batch", "message_batch": "batch", "message_batches": "batch",
    "batch_api": "batch",
}
SPEED_SPELLINGS = {"": "standard", "standard": "standard", "normal": "standard", "fast": "fast", "--": "standard"}
NO_GEO = ("", "not_available", "none", "--")


class Bad(Exception):
    """A raw value that does not normalise: the message and a short reason for skip counts."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def parse_period(raw: str) -> Optional[str]:
    """"2026-03-13", "2026-03-13 05:00", "2026-03-13T00:00:00-05:00" -> the UTC period; None if not a date.

    An offset is applied (20:00-05:00 is 01:00 UTC the next day): the day decides the rate."""
    s = raw.strip()
    if len(s) < 10:
        return None
    try:
        day = dt.date.fromisoformat(s[:10])
    except ValueError:
        return None
    rest = s[10:]
    if not rest.strip("T ").strip():
        return day.isoformat()
    text = s[:10] + "T" + rest.lstrip("T ").strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc)
    if stamp.hour == 0 and stamp.minute == 0:
        return stamp.date().isoformat()
    return f"{stamp.date().isoformat()}T{stamp.hour:02d}:{stamp.minute:02d}"


def _choice(raw: str, spellings: dict, extra: set, what: str, hint: str = "") -> str:
    key = raw.strip().lower()
    for k in (key, key.replace(" ", "_").replace("-", "_")):  # "Batch API", "message-batches"
        if k in spellings:
            return spellings[k]
        if k in extra:
            return k
    if raw == NOT_GROUPED:
        return raw
    known = sorted({*spellings.values(), *(e for e in extra if e != NOT_GROUPED)})
    raise Bad(f"unknown {what} {raw!r} (expected {', '.join(known)}{hint})", f"unknown {what}")


class Normaliser:
    """One resolver per dimension; ``tier_map`` adds raw usage_type spellings (--tier-map)."""

    def __init__(self, catalogue, tier_map: Optional[dict[str, str]] = None):
        self.catalogue = catalogue
        self.tiers = {**TIER_SPELLINGS, **{k.strip().lower(): v for k, v in (tier_map or {}).items()}}
        self.extra_tiers = {"standard", "batch", *catalogue.meta.unpriced_service_tiers}

    def period(self, raw: str) -> str:
        p = parse_period(raw)
        if p is None:
            raise Bad(f"date {raw!r} is not a date (expected YYYY-MM-DD or an ISO timestamp)", "bad date")
        return p

    def model(self, raw: str) -> str:
        if raw == NOT_GROUPED:
            return raw
        if not raw.strip():
            raise Bad("the model is empty", "unknown model")
        try:
            return self.catalogue.model(raw.strip()).id
        except UnknownModelError as exc:
            raise Bad(str(exc), "unknown model") from None

    def service_tier(self, raw: str) -> str:
        return _choice(raw, self.tiers, self.extra_tiers, "service tier",
                       "; map another usage_type with --tier-map RAW=standard|batch")

    @staticmethod
    def context_tier(raw: str) -> str:
        return _choice(raw, CONTEXT_SPELLINGS, set(), "context window")

    @staticmethod
    def inference_geo(raw: str) -> str:
        key = raw.strip().lower()
        return "global" if key in NO_GEO else key

    @staticmethod
    def speed(raw: str) -> str:
        return _choice(raw, SPEED_SPELLINGS, set(), "speed")

    @staticmethod
    def text(raw: str) -> str:
        return raw.strip()

    def resolver(self, dim: str) -> Callable[[str], str]:
        return getattr(self, dim) if dim in ("period", "model", "service_tier", "context_tier",
                                             "inference_geo", "speed") else self.text

    def table(self, dim: str, raws: list) -> list[tuple]:
        """(raw, value or None, error or None, reason or None) for each distinct raw value."""
        resolve = self.resolver(dim)
        out = []
        for raw in raws:
            try:
                out.append((raw, resolve("" if raw is None else raw), None, None))
            except Bad as exc:
                out.append((raw, None, str(exc), exc.reason))
        return out


def parse_tier_map(items: Optional[list[str]]) -> dict[str, str]:
    """``["interactive=standard", ...]`` (--tier-map) -> {"interactive": "standard"}."""
    from calculator.errors import InputError

    out = {}
    for item in items or []:
        raw, sep, tier = item.partition("=")
        if not sep or not raw.strip() or tier.strip().lower() not in ("standard", "batch"):
            raise InputError(f"--tier-map {item!r}: expected RAW=standard or RAW=batch")
        out[raw.strip()] = tier.strip().lower()
    return out
