"""A bill's lines as batchcalc reads them (``BilledLine``), the token-type and cost-type spellings
of every cost export, and the exact parsing of an amount: shared by every cost reader."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from calculator.costing import ADMIN_TOKEN_TYPES
from calculator.engine.normalise import Bad, Normaliser
from calculator.readers._policy import InvalidRows

ADMIN_NAMES = set(ADMIN_TOKEN_TYPES.values())
# Token type spellings (Console cost CSV, invoices) -> Admin API names.
TOKEN_TYPE_SPELLINGS = {
    **{v: v for v in ADMIN_NAMES},
    "input_no_cache": "uncached_input_tokens", "input": "uncached_input_tokens",
    "uncached_input": "uncached_input_tokens", "input_tokens": "uncached_input_tokens",
    "input_cache_read": "cache_read_input_tokens", "cache_read": "cache_read_input_tokens",
    "input_cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
    "input_cache_write_5min": "cache_creation.ephemeral_5m_input_tokens",
    "input_cache_creation_5m": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
    "ephemeral_5m_input_tokens": "cache_creation.ephemeral_5m_input_tokens",
    "input_cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
    "input_cache_creation_1h": "cache_creation.ephemeral_1h_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
    "ephemeral_1h_input_tokens": "cache_creation.ephemeral_1h_input_tokens",
    "output": "output_tokens", "output_tokens": "output_tokens",
}
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_NUMBER = re.compile(r"^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
MAX_AMOUNT_DIGITS = 18
COST_TYPES = ("tokens", "web_search", "code_execution", "session_usage")
COST_TYPE_SPELLINGS = {"token": "tokens"}  # the Console cost CSV's word for token charges
NOT_RECONCILABLE = ("code_execution", "session_usage")  # usage exports carry no hours for these


@dataclass
class BilledLine:
    date: dt.date
    cost_type: str
    amount: Decimal  # USD
    currency: str
    where: str
    model: Optional[str] = None
    token_type: Optional[str] = None
    service_tier: Optional[str] = None
    context_tier: Optional[str] = None
    workspace: Optional[str] = None
    list_price: Optional[Decimal] = None
    description: Optional[str] = None
    # Finer than the join (the Console bills each API key, geo and speed on its own row): kept so
    # that two such rows are told apart, not taken for one line listed twice.
    api_key: Optional[str] = None
    inference_geo: Optional[str] = None
    speed: Optional[str] = None
    rows: int = 1  # source rows summed into this line
    cent_rounded: bool = False  # each row's amount was rounded to the cent (the Console cost CSV)

    def identity(self) -> tuple:
        """What makes two lines the same charge (the amount aside)."""
        return (self.date, self.model, self.token_type, self.cost_type, self.service_tier,
                self.context_tier, self.workspace, self.description, self.api_key,
                self.inference_geo, self.speed)


class LineMaker:
    """Normalises the fields of one billed line, reporting bad values through the policy. Model,
    tier and context window go through the usage side's ``Normaliser`` (one set of spellings);
    an empty one is None here: the bill does not split by it."""

    def __init__(self, catalogue, policy: InvalidRows, tier_map: Optional[dict[str, str]] = None):
        self.catalogue = catalogue
        self.policy = policy
        self.tier_map = tier_map or {}
        self.normaliser = Normaliser(catalogue, tier_map)
        self._seen: dict[tuple[str, str], object] = {}  # (dimension, raw) -> value or Bad

    def _resolve(self, dim: str, raw, path, where) -> tuple[bool, Optional[str]]:
        if raw is None or str(raw).strip() == "":
            return True, None
        key = (dim, str(raw))
        got = self._seen.get(key)
        if got is None:
            try:
                got = getattr(self.normaliser, dim)(str(raw))
            except Bad as exc:
                got = exc
            self._seen[key] = got
        if isinstance(got, Bad):
            self.policy.bad(path, where, str(got), got.reason)
            return False, None
        return True, got

    def model(self, raw, path, where) -> tuple[bool, Optional[str]]:
        return self._resolve("model", raw, path, where)

    def tier(self, raw, path, where) -> tuple[bool, Optional[str]]:
        return self._resolve("service_tier", raw, path, where)

    def context(self, raw, path, where) -> tuple[bool, Optional[str]]:
        return self._resolve("context_tier", raw, path, where)

    def token_type(self, raw, path, where) -> tuple[bool, Optional[str]]:
        if raw is None or str(raw).strip() == "":
            return True, None
        key = str(raw).strip().lower()
        if key in TOKEN_TYPE_SPELLINGS:
            return True, TOKEN_TYPE_SPELLINGS[key]
        self.policy.bad(path, where, f"unknown token_type {raw!r} (expected one of "
                        f"{', '.join(sorted(ADMIN_NAMES))} or the Console names input_no_cache, "
                        f"input_cache_read, input_cache_write_5m, input_cache_write_1h, output)",
                        "unknown token type")
        return False, None

    def cost_type(self, raw, token_type, path, where) -> tuple[bool, str]:
        if raw is None or str(raw).strip() == "":
            return True, "tokens"
        key = str(raw).strip().lower().replace(" ", "_")
        key = COST_TYPE_SPELLINGS.get(key, key)
        if key in COST_TYPES:
            return True, key
        self.policy.bad(path, where, f"unknown cost_type {raw!r} (expected {', '.join(COST_TYPES)})",
                        "unknown cost type")
        return False, "tokens"


def parse_amount(raw, path, where, policy: InvalidRows, what: str) -> Optional[Decimal]:
    from decimal import InvalidOperation

    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        policy.bad(path, where, f"{what} is missing", "bad amount")
        return None
    if not isinstance(raw, (str, int, float, Decimal)):
        policy.bad(path, where, f"{what} {raw!r} is not a number", "bad amount")
        return None
    text = str(raw).strip()
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:].lstrip()
    text = text.removeprefix("$").strip()
    if "," in text:
        # Thousands separators are fine ("1,234.56"); anything else with a comma ("1.234,56",
        # "1,23") is ambiguous: read as dollars it would be a wrong number, never an error.
        if not _THOUSANDS.match(text):
            policy.bad(path, where, f"{what} {raw!r} is not a number in a format batchcalc can read "
                       f"unambiguously (expected 1234.56 or 1,234.56)", "bad amount")
            return None
        text = text.replace(",", "")
    # Plain decimal numbers only: Decimal() alone also takes "NaN", "Infinity" and "1_000".
    if not _NUMBER.match(text):
        policy.bad(path, where, f"{what} {raw!r} is not a number", "bad amount")
        return None
    try:
        value = Decimal(sign + text)
    except InvalidOperation:
        policy.bad(path, where, f"{what} {raw!r} is not a number", "bad amount")
        return None
    if not value.is_finite() or value.adjusted() > MAX_AMOUNT_DIGITS or value.as_tuple().exponent < -MAX_AMOUNT_DIGITS:
        policy.bad(path, where, f"{what} {raw!r} is out of range for a bill (at most "
                   f"{MAX_AMOUNT_DIGITS} digits before and after the decimal point)", "bad amount")
        return None
    return value


