"""A negotiated contract: discounts off the published rates, so an invoice reconciles to zero.

``contract.yaml``::

    # batchcalc contract: percent off the published (catalogue) rates
    discount_percent: 10            # every model, unless listed below
    models:                         # per model, any spelling the catalogue knows
      claude-opus-4-7: 15
      Claude Haiku 4.5: 0
    effective_from: 2026-01-01      # optional: the contract's first day (inclusive)
    effective_to: 2027-01-01        # optional: the day after its last (exclusive)
    note: MSA 2026, order form 3    # optional

Discounts apply to token and web-search costs alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

from calculator.errors import InputError, ModelError

KEYS = {"discount_percent", "models", "effective_from", "effective_to", "note", "schema_version"}


@dataclass(frozen=True)
class Contract:
    path: str
    discount_percent: Decimal = Decimal(0)
    models: dict[str, Decimal] = field(default_factory=dict)  # catalogue id -> percent
    effective_from: Optional[dt.date] = None
    effective_to: Optional[dt.date] = None
    note: Optional[str] = None

    def factor(self, model: Optional[str], day: dt.date) -> Decimal:
        """What is paid per dollar of published price on ``day`` for ``model``."""
        if self.effective_from and day < self.effective_from:
            return Decimal(1)
        if self.effective_to and day >= self.effective_to:
            return Decimal(1)
        pct = self.models.get(model, self.discount_percent) if model else self.discount_percent
        return (Decimal(100) - pct) / Decimal(100)

    def describe(self) -> str:
        parts = [f"{self.discount_percent}% off every model"] if self.discount_percent else []
        parts += [f"{p}% off {m}" for m, p in self.models.items()]
        return f"{self.path}: " + (", ".join(parts) or "no discount")


def _percent(value, path: str, where: str, line: Optional[int] = None) -> Decimal:
    try:
        d = Decimal(str(value).rstrip("%").strip())
    except InvalidOperation:
        raise InputError(f"{where}: {value!r} is not a percentage (expected e.g. 10 for 10%)",
                         path=path, line=line) from None
    if isinstance(value, bool) or not d.is_finite() or not (0 <= d < 100):
        raise InputError(f"{where}: {value!r} must be a percentage from 0 to below 100", path=path, line=line)
    return d


def _date(value, path: str, where: str, line: Optional[int] = None) -> Optional[dt.date]:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)", path=path, line=line) from None


def load_contract(path: str | Path, catalogue) -> Contract:
    from calculator.yaml_load import line_of, load_yaml

    path = str(path)
    node, raw = load_yaml(path, what="contract")
    if not isinstance(raw, dict):
        raise InputError("a contract is a mapping with discount_percent and/or models", path=path,
                         line=line_of(node))
    extra = set(raw) - KEYS
    if extra:
        key = sorted(extra, key=str)[0]
        raise InputError(f"{key}: unknown key (expected {', '.join(sorted(KEYS - {'schema_version'}))})",
                         path=path, line=line_of(node, key))
    models = {}
    raw_models = raw.get("models") or {}
    if not isinstance(raw_models, dict):
        raise InputError(f"models: expected a mapping of model id to discount percent "
                         f"(models: {{claude-sonnet-4-6: 10}}), found {type(raw_models).__name__}",
                         path=path, line=line_of(node, "models"))
    for name, pct in raw_models.items():
        line = line_of(node, "models", name)
        try:
            model_id = catalogue.model(str(name)).id
        except ModelError as exc:
            raise InputError(f"models.{name}: {exc}", path=path, line=line) from None
        if model_id in models:
            raise InputError(f"models.{name}: {model_id} is already given under another spelling",
                             path=path, line=line)
        models[model_id] = _percent(
            pct.get("discount_percent") if isinstance(pct, dict) else pct, path, f"models.{name}", line)
    start = _date(raw.get("effective_from"), path, "effective_from", line_of(node, "effective_from"))
    end = _date(raw.get("effective_to"), path, "effective_to", line_of(node, "effective_to"))
    if start and end and end <= start:
        raise InputError(f"effective_to {end.isoformat()} is not after effective_from {start.isoformat()}: "
                         f"the contract would never apply (effective_to is the day after the last)",
                         path=path, line=line_of(node, "effective_to"))
    return Contract(path=path, discount_percent=_percent(raw.get("discount_percent", 0), path, "discount_percent",
                                                         line_of(node, "discount_percent")),
                    models=models, effective_from=start, effective_to=end, note=raw.get("note"))
