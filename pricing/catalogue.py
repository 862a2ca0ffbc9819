"""Loading the price catalogue (built-in YAML plus optional user layers) and looking rates up.

The built-in catalogue is ``pricing/data/*.yaml``. A user layer (``--prices PATH``, a file or a
directory) may add models or override parts of existing ones; its rate cards are searched before
the built-in ones, so a negotiated rate from some date wins from that date on and the published
history stays available before it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from pydantic import ValidationError

from calculator.errors import CatalogueError, NoRateError, UnknownModelError, UnpricedModelError
from pricing.schema import CatalogueFile, LongContextTier, Model, RateCard, Rates

SERVICE_TIERS = ("standard", "batch")


def _normalise(spelling: str) -> str:
    """Fold the ways one model id is spelled into one key.

    Bedrock: ``us.anthropic.claude-haiku-4-5-20251001-v1:0``; Vertex: ``claude-sonnet-4-5@20250929``;
    the Console: ``Claude Haiku 4.5``. Case, region prefixes and spacing do not matter.
    """
    s = spelling.strip().lower()
    s = re.sub(r"^(?:us|eu|apac|global|jp|au)\.(?=anthropic\.)", "", s)
    s = s.replace(" ", "-")
    return s


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise CatalogueError(f"{path}: no .yaml files in this directory")
        return files
    if not path.exists():
        raise CatalogueError(f"{path}: price file not found")
    return [path]


def _read_yaml(path: Path):
    """(node tree, data) of a price file: bounded, duplicate keys refused (calculator.yaml_load)."""
    from calculator.errors import InputError
    from calculator.yaml_load import load_yaml

    try:
        return load_yaml(path, what="price file")
    except InputError as exc:
        raise CatalogueError(str(exc)) from None


def _validation_message(path: Path, exc: ValidationError, prefix: str = "", node=None) -> str:
    from calculator.yaml_load import line_of

    # A misspelt key shows up twice (the unknown key, and the missing one): name the typo.
    err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    loc = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    msg = "unknown key (a typo?)" if err["type"] == "extra_forbidden" else err["msg"]
    line = line_of(node, *err["loc"]) if node is not None else None
    return f"{path}{f':{line}' if line else ''}: {loc or 'top level'}: {msg}{more}"


def _validate(cls, raw, path: Path, prefix: str = "", node=None):
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(_validation_message(path, exc, prefix, node)) from None


def _check_cards(path: Path, i: int, model: dict, node) -> None:
    """Two rate cards of one model in one file must not cover the same day: which would apply?"""
    from calculator.yaml_load import line_of

    cards = model.get("rate_cards")
    if not isinstance(cards, list):
        return
    windows = []
    for j, card in enumerate(cards):
        if not isinstance(card, dict):
            continue
        start, end = card.get("effective_from"), card.get("effective_to")
        if not isinstance(start, dt.date) or (end is not None and not isinstance(end, dt.date)):
            continue  # the schema names what is wrong with it
        for k, (s, e) in windows:
            if (e is None or start < e) and (end is None or s < end):
                raise CatalogueError(
                    f"{path}:{line_of(node, 'rate_cards', j)}: models[{i}].rate_cards[{j}] "
                    f"({start}..{end or 'open'}) overlaps rate_cards[{k}] ({s}..{e or 'open'}) of "
                    f"{model.get('id')}: one card per day")
        windows.append((j, (start, end)))


@dataclass(frozen=True)
class ResolvedRates:
    """The rates that apply to one (model, date, tier, context) after modifiers."""

    model: Model
    card: RateCard
    service_tier: str
    long_context: Optional[LongContextTier]
    multiplier: Decimal  # residency x fast mode
    rates: Rates

    @property
    def context_window(self) -> str:
        return "long" if self.long_context else "base"


class Catalogue:
    """All models and modifiers; every lookup goes through here."""

    def __init__(self, meta: CatalogueFile, models: list[Model], origins: dict[str, str],
                 user_layers: list[str]):
        self.meta = meta
        self.models = models
        self.origins = origins  # model id -> file the model (or its override) came from
        self.user_layers = user_layers
        self._index: dict[str, Model] = {}
        for m in models:
            for s in m.spellings():
                key = _normalise(s)
                other = self._index.get(key)
                if other is not None and other.id != m.id:
                    raise CatalogueError(
                        f"{origins.get(m.id, 'catalogue')}: spelling {s!r} of {m.id} is already "
                        f"used by {other.id}")
                self._index[key] = m

    @property
    def version(self) -> str:
        if self.user_layers:
            return f"{self.meta.version}+custom"
        return self.meta.version

    # -- models ---------------------------------------------------------------------------
    def model(self, spelling: str) -> Model:
        key = _normalise(spelling)
        found = self._index.get(key)
        if found is None:
            # Bedrock ids may carry a version suffix we do not list (-v2:0, :0).
            trimmed = re.sub(r"(-v\d+)?(:\d+)?$", "", key)
            found = self._index.get(trimmed) or self._index.get(trimmed + "-v1:0")
        if found is None:
            raise UnknownModelError(spelling, self.suggest(spelling))
        return found

    def suggest(self, spelling: str, n: int = 3) -> list[str]:
        """A family name ("sonnet", "opus 4") suggests its model ids, newest first; any other
        spelling the close API ids and aliases (not every spelling: they would crowd each other out)."""
        key = _normalise(spelling)
        words = [w for w in re.split(r"[-\s_.]+", key) if w and w != "claude"]
        family = sorted((m.id for m in self.models if words and m.id.split("-")[1:1 + len(words)] == words),
                        reverse=True)
        if family:
            return family[:6]
        ids = sorted({s for m in self.models for s in (m.id, *m.aliases)})
        if not key.startswith("claude-") and f"claude-{key}" in self._index:
            key = f"claude-{key}"
        return difflib.get_close_matches(key, ids, n=n, cutoff=0.6)

    # -- rates ----------------------------------------------------------------------------
    def rate_card(self, spelling: str, on: dt.date) -> RateCard:
        model = self.model(spelling)
        if model.unpriced_reason and not model.rate_cards:
            raise UnpricedModelError(model.id, model.unpriced_reason)
        for card in model.rate_cards:
            if card.contains(on):
                return card
        first = min(c.effective_from for c in model.rate_cards)
        if on < first:
            raise NoRateError(
                f"{model.id} has no price before {first.isoformat()} (asked for {on.isoformat()})")
        raise NoRateError(f"{model.id}: no rate card covers {on.isoformat()}")

    def resolve(self, spelling: str, on: dt.date, *, service_tier: str = "standard",
                long_context: bool = False, inference_geo: str | None = None,
                speed: str | None = None) -> ResolvedRates:
        """The per-MTok rates for one combination, with modifiers applied."""
        from calculator.errors import InvalidUsageError

        if service_tier in self.meta.unpriced_service_tiers:
            raise UnpricedModelError(f"{spelling} ({service_tier} tier)",
                                     self.meta.unpriced_service_tiers[service_tier])
        if service_tier not in SERVICE_TIERS:
            raise NoRateError(f"unknown service tier {service_tier!r}: expected standard or batch")
        model = self.model(spelling)
        card = self.rate_card(spelling, on)
        # A long request on a date or model without a long-context tier (the 4.6 models from
        # 2026-03-13, every later model) is billed at the base rates for the whole window.
        tier = self.long_context_tier(model, card, on) if long_context else None
        base: Rates = getattr(tier or card, service_tier)
        multiplier = Decimal(1)
        if inference_geo and inference_geo.lower() not in ("global", "not_available", ""):
            multiplier *= self.residency_multiplier(model, on, inference_geo)
        if speed and speed.lower() == "fast":
            if service_tier == "batch":
                raise InvalidUsageError("fast mode is not available with the Batches API")
            multiplier *= self.fast_multiplier(model, on)
        rates = base if multiplier == 1 else base.scaled(multiplier)
        return ResolvedRates(model, card, service_tier, tier, multiplier, rates)

    @staticmethod
    def long_context_tier(model: Model, card: RateCard, on: dt.date) -> Optional[LongContextTier]:
        for tier in card.long_context:
            if tier.contains(on):
                return tier
        return None

    def long_context_threshold(self, spelling: str, on: dt.date) -> Optional[int]:
        model = self.model(spelling)
        tier = self.long_context_tier(model, self.rate_card(spelling, on), on)
        return tier.threshold_tokens if tier else None

    def residency_multiplier(self, model: Model, on: dt.date, geo: str) -> Decimal:
        if not model.residency_eligible:
            return Decimal(1)
        for r in self.meta.residency:
            if geo.lower() in r.geos and r.contains(on):
                return r.multiplier
        return Decimal(1)

    def fast_multiplier(self, model: Model, on: dt.date) -> Decimal:
        from calculator.errors import InvalidUsageError

        for f in model.fast_mode:
            if f.contains(on):
                return f.multiplier
        raise InvalidUsageError(f"fast mode is not available for {model.id} on {on.isoformat()}")

    def web_search_fee(self, on: dt.date):
        fee = next((f for f in self.meta.web_search if f.contains(on)), None)
        if fee is None:
            raise NoRateError(f"no web search fee covers {on.isoformat()}")
        return fee

    def min_cacheable(self, spelling: str, on: dt.date) -> int:
        model = self.model(spelling)
        for h in model.min_cacheable_history:
            if h.contains(on):
                return h.tokens
        return model.min_cacheable_tokens

    def tokenizer(self, spelling: str):
        return self.meta.tokenizers[self.model(spelling).tokenizer]


def _builtin_dir() -> Path:
    return Path(str(resources.files("pricing") / "data"))


def _load_layer(files: Iterable[Path]):
    from calculator.yaml_load import node_at

    meta_raw = None
    models: list[tuple[Path, int, dict]] = []
    for path in files:
        node, raw = _read_yaml(path)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            raise CatalogueError(f"{path}: expected a mapping with a 'models' list")
        if "version" in raw and "models" not in raw:
            meta_raw = (path, raw, node)
            continue
        if not isinstance(raw.get("models"), list):
            raise CatalogueError(f"{path}: models: expected a list of models")
        extra = set(raw) - {"models", "schema_version"}
        if extra:
            raise CatalogueError(f"{path}: {sorted(extra)[0]}: unknown key (expected schema_version, models)")
        for i, m in enumerate(raw["models"]):
            if not isinstance(m, dict) or "id" not in m:
                raise CatalogueError(f"{path}: models[{i}].id: every model needs an id")
            model_node = node_at(node, "models", i)[0]
            _check_cards(path, i, m, model_node)
            models.append((path, i, m, model_node))
    return meta_raw, models


@lru_cache(maxsize=8)
def _load_cached(layers: tuple[str, ...]) -> Catalogue:
    meta_raw, base = _load_layer(_yaml_files(_builtin_dir()))
    if meta_raw is None:
        raise CatalogueError(f"{_builtin_dir()}: catalogue.yaml is missing")
    meta = _validate(CatalogueFile, meta_raw[1], meta_raw[0], node=meta_raw[2])
    raw_models: dict[str, tuple[Path, int, dict, object]] = {}
    for path, i, m, node in base:
        raw_models[m["id"]] = (path, i, m, node)
    for layer in layers:
        layer_meta, extra = _load_layer(_yaml_files(Path(layer)))
        if layer_meta is not None:
            meta = _validate(CatalogueFile, {**meta.model_dump(), **layer_meta[1]}, layer_meta[0], node=layer_meta[2])
        spellings = {_normalise(s): mid for mid, (_, _, raw, _) in raw_models.items()
                     for s in [mid, *raw.get("aliases", []), *raw.get("dated_ids", []),
                               *raw.get("bedrock_ids", []), *raw.get("vertex_ids", []),
                               raw.get("display_name", mid), *raw.get("console_names", [])]}
        for path, i, m, node in extra:
            # An override may name the model by any spelling (an alias, a Console name).
            target = spellings.get(_normalise(str(m["id"])))
            if target is not None:
                m = {**m, "id": target}
                _, _, old, _ = raw_models[target]
                merged = {**old, **{k: v for k, v in m.items() if k != "rate_cards"}}
                # User cards first: they win inside their window, the published ones elsewhere.
                merged["rate_cards"] = list(m.get("rate_cards", [])) + list(old.get("rate_cards", []))
                if m.get("rate_cards"):
                    merged.pop("unpriced_reason", None)
                raw_models[m["id"]] = (path, i, merged, node)
            else:
                raw_models[m["id"]] = (path, i, m, node)
    models = []
    origins = {}
    for mid, (path, i, m, node) in raw_models.items():
        models.append(_validate(Model, m, path, f"models[{i}].", node))
        origins[mid] = str(path)
    return Catalogue(meta, models, origins, list(layers))


def load_catalogue(prices: str | Path | None | Iterable[str | Path] = None) -> Catalogue:
    """The built-in catalogue with optional user layers (``--prices``) on top."""
    if prices is None:
        layers: tuple[str, ...] = ()
    elif isinstance(prices, (str, Path)):
        layers = (str(prices),)
    else:
        layers = tuple(str(p) for p in prices)
    return _load_cached(layers)
