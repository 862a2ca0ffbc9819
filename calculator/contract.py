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


def _percent(value, path: str, where: str) -> Decimal:
    try:
        d = Decimal(str(value).rstrip("%").strip())
    except InvalidOperation:
        raise InputError(f"{where}: {value!r} is not a percentage (expected e.g. 10 for 10%)", path=path) from None
    if isinstance(value, bool) or not d.is_finite() or not (0 <= d < 100):
        raise InputError(f"{where}: {value!r} must be a percentage from 0 to below 100", path=path)
    return d


def _date(value, path: str, where: str) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)", path=path) from None


def load_contract(path: str | Path, catalogue) -> Contract:
    import yaml

    path = str(path)
    try:
        with open(path, encoding="utf-8-sig") as fh:
            raw = yaml.safe_load(fh)
    except OSError as exc:
        raise InputError(f"cannot read contract ({exc.strerror})", path=path) from None
    except ValueError as exc:  # UnicodeDecodeError, or a date that does not exist (2026-13-45)
        if not isinstance(exc, UnicodeDecodeError):
            raise InputError(f"not valid YAML (a date that does not exist: {exc})", path=path) from None
        raise InputError(f"not UTF-8 text (byte {exc.start + 1} is 0x{exc.object[exc.start]:02x}); "
                         f"save the contract as UTF-8", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).splitlines()[0].split())
        raise InputError(f"not valid YAML ({problem})", path=path,
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise InputError("a contract is a mapping with discount_percent and/or models", path=path)
    extra = set(raw) - KEYS
    if extra:
        raise InputError(f"{sorted(extra)[0]}: unknown key (expected {', '.join(sorted(KEYS - {'schema_version'}))})",
                         path=path)
    models = {}
    raw_models = raw.get("models") or {}
    if not isinstance(raw_models, dict):
        raise InputError(f"models: expected a mapping of model id to discount percent "
                         f"(models: {{claude-sonnet-4-6: 10}}), found {type(raw_models).__name__}", path=path)
    for name, pct in raw_models.items():
        try:
            model_id = catalogue.model(str(name)).id
        except ModelError as exc:
            raise InputError(f"models.{name}: {exc}", path=path) from None
        models[model_id] = _percent(
            pct.get("discount_percent") if isinstance(pct, dict) else pct, path, f"models.{name}")
    return Contract(path=path, discount_percent=_percent(raw.get("discount_percent", 0), path, "discount_percent"),
                    models=models, effective_from=_date(raw.get("effective_from"), path, "effective_from"),
                    effective_to=_date(raw.get("effective_to"), path, "effective_to"),
                    note=raw.get("note"))
