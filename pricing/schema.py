"""The shape of the price catalogue's YAML, checked at load time.

One YAML file holds a list of ``models``; each model has its identities (canonical id, aliases,
dated ids, Bedrock / Vertex / Console spellings), lifecycle dates, caching and tokenizer facts,
and a list of dated rate cards. Rates are USD per million tokens exactly as the pricing page
prints them; they are stored explicitly for every (tier x token type) because the usual
multipliers (1.25x, 2x, 0.1x, 0.5x) have exceptions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TOKEN_TYPES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")


class _Strict(BaseModel):
    # A typo in a key is an error naming the key, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rates(_Strict):
    """USD per million tokens for one service tier."""

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cache_write_5m: Decimal = Field(ge=0)
    cache_write_1h: Decimal = Field(ge=0)
    cache_read: Decimal = Field(ge=0)

    @field_validator("*", mode="before")
    @classmethod
    def _exact(cls, v):
        # YAML floats (0.1) would carry binary noise into Decimal; go through str.
        if isinstance(v, float):
            return Decimal(repr(v))
        return v

    def get(self, token_type: str) -> Decimal:
        return getattr(self, token_type)

    def scaled(self, factor: Decimal) -> "Rates":
        return Rates(**{t: self.get(t) * factor for t in TOKEN_TYPES})


class Window(_Strict):
    effective_from: Optional[dt.date] = None  # inclusive; open when absent
    effective_to: Optional[dt.date] = None  # exclusive; open when absent

    def contains(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        if self.effective_to is not None and day >= self.effective_to:
            return False
        return True

    @model_validator(mode="after")
    def _ordered(self):
        if self.effective_from and self.effective_to and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self


class LongContextTier(Window):
    """Above ``threshold_tokens`` of input in one request, ALL its tokens use these rates."""

    threshold_tokens: int = Field(gt=0)
    standard: Rates
    batch: Rates
    note: Optional[str] = None


class RateCard(Window):
    effective_from: dt.date  # a rate card always has a start: earlier dates are an error
    source: str
    checked: dt.date
    status: Literal["confirmed", "unconfirmed"]
    standard: Rates
    batch: Rates
    long_context: list[LongContextTier] = []
    note: Optional[str] = None


class FastMode(Window):
    multiplier: Decimal = Field(gt=0)
    source: Optional[str] = None


class MinCacheable(Window):
    tokens: int = Field(gt=0)


class Model(_Strict):
    id: str
    display_name: str
    family: Literal["opus", "sonnet", "haiku", "fable", "mythos"]
    aliases: list[str] = []
    dated_ids: list[str] = []
    bedrock_ids: list[str] = []
    vertex_ids: list[str] = []
    console_names: list[str] = []
    released: Optional[dt.date] = None
    deprecated: Optional[dt.date] = None
    retired: Optional[dt.date] = None
    # Below this many prefix tokens nothing is cached (silently, by the API).
    min_cacheable_tokens: int = Field(gt=0)
    # Past values of the minimum where the docs said otherwise for a while.
    min_cacheable_history: list[MinCacheable] = []
    tokenizer: str
    # System-prompt tokens the API adds when tools are given (tool_choice auto).
    tool_use_overhead_tokens: int = Field(ge=0)
    residency_eligible: bool = False
    fast_mode: list[FastMode] = []
    restricted: Optional[str] = None
    # A known model whose price is not known: reported as unpriced with this reason, never $0.
    unpriced_reason: Optional[str] = None
    rate_cards: list[RateCard] = []
    note: Optional[str] = None

    @model_validator(mode="after")
    def _priced_or_explained(self):
        if not self.rate_cards and not self.unpriced_reason:
            raise ValueError("a model needs rate_cards or an unpriced_reason")
        return self

    def spellings(self) -> list[str]:
        return [self.id, *self.aliases, *self.dated_ids, *self.bedrock_ids, *self.vertex_ids,
                self.display_name, *self.console_names]


class Tokenizer(_Strict):
    """Calibration of the offline estimator (tiktoken cl100k_base) to a Claude tokenizer."""

    description: str
    factor: Decimal = Field(gt=0)
    low: Decimal = Field(gt=0)
    high: Decimal = Field(gt=0)
    source: str


class Residency(Window):
    multiplier: Decimal = Field(gt=0)
    geos: list[str]
    source: str


class ServerTool(Window):
    usd: Decimal = Field(ge=0)
    per: int = Field(gt=0)
    unit: str
    halved_in_batch: bool = False
    source: str


class ModelFile(_Strict):
    schema_version: Literal[1] = 1
    models: list[Model]


class CatalogueFile(_Strict):
    """``catalogue.yaml``: the version and the modifiers that are not per model."""

    schema_version: Literal[1] = 1
    version: str
    residency: list[Residency]
    web_search: list[ServerTool]
    code_execution: list[ServerTool] = []
    tokenizers: dict[str, Tokenizer]
    # Service tiers seen in usage exports whose pricing is not documented: never priced.
    unpriced_service_tiers: dict[str, str] = {}
