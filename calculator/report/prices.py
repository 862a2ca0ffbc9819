"""`batchcalc prices` as a Report: the catalogue, or one model's rate cards."""

from __future__ import annotations

import datetime as dt

from calculator.report.model import Column, PriceSource, Report, Table
from pricing import Catalogue, Model, RateCard, TOKEN_TYPES

RATE_COLUMNS = [Column(f"{tier}_{t}", f"{'Batch ' if tier == 'batch' else ''}{label}", "rate")
                for tier in ("standard", "batch")
                for t, label in zip(TOKEN_TYPES, ("in", "5m write", "1h write", "read", "out"))]


def _lifecycle(model: Model, on: dt.date) -> str:
    if model.retired and on >= model.retired:
        return f"retired {model.retired.isoformat()}"
    if model.released and on < model.released:
        return f"from {model.released.isoformat()}"
    if model.retired:
        return f"retires {model.retired.isoformat()}"
    return "active"


def _card_dict(card: RateCard) -> dict:
    return {"effective_from": card.effective_from, "effective_to": card.effective_to,
            "status": card.status, "source": card.source, "checked": card.checked,
            "standard": card.standard.model_dump(), "batch": card.batch.model_dump(),
            "long_context": [{"threshold_tokens": t.threshold_tokens,
                              "effective_from": t.effective_from, "effective_to": t.effective_to,
                              "standard": t.standard.model_dump(), "batch": t.batch.model_dump()}
                             for t in card.long_context],
            "note": card.note}


def _rates_row(card: RateCard) -> dict:
    return {f"{tier}_{t}": getattr(card, tier).get(t) for tier in ("standard", "batch") for t in TOKEN_TYPES}


def _figures(catalogue: Catalogue, on: dt.date, models: list[Model], in_effect: dict) -> dict:
    out = []
    for m in models:
        card = in_effect.get(m.id)
        out.append({
            "id": m.id, "display_name": m.display_name, "family": m.family,
            "aliases": m.aliases + m.dated_ids, "bedrock_ids": m.bedrock_ids,
            "vertex_ids": m.vertex_ids, "released": m.released, "deprecated": m.deprecated,
            "retired": m.retired, "lifecycle": _lifecycle(m, on),
            "min_cacheable_tokens": catalogue.min_cacheable(m.id, on),
            "tokenizer": m.tokenizer, "residency_eligible": m.residency_eligible,
            "fast_mode": [{"multiplier": f.multiplier, "effective_from": f.effective_from,
                           "effective_to": f.effective_to} for f in m.fast_mode],
            "priced": card is not None,
            "unpriced_reason": m.unpriced_reason if not m.rate_cards else None,
            "in_effect": _card_dict(card) if card else None,
            "rate_cards": [_card_dict(c) for c in m.rate_cards],
            "origin": catalogue.origins.get(m.id),
        })
    meta = catalogue.meta
    return {"on": on, "models": out,
            "modifiers": {
                "residency": [r.model_dump() for r in meta.residency],
                "web_search": [w.model_dump() for w in meta.web_search],
                "code_execution": [c.model_dump() for c in meta.code_execution]}}


def _prices_table(catalogue: Catalogue, on: dt.date, models: list[Model], in_effect: dict) -> Table:
    rows = []
    for m in models:
        card = in_effect.get(m.id)
        row = {"model": m.id, "name": m.display_name, "lifecycle": _lifecycle(m, on),
               "status": card.status if card else ("unpriced" if m.unpriced_reason else "no price on date"),
               "min_cache": catalogue.min_cacheable(m.id, on)}
        if card:
            row.update(_rates_row(card))
        rows.append(row)
    cols = [Column("model", "Model"), Column("lifecycle", "Lifecycle"),
            *[c for c in RATE_COLUMNS if c.key in (
                "standard_input", "standard_output", "standard_cache_write_5m",
                "standard_cache_write_1h", "standard_cache_read", "batch_input", "batch_output")],
            Column("min_cache", "Min cache", "tokens"), Column("status", "Price status")]
    rows = [{c.key: r.get(c.key) for c in cols} for r in rows]
    return Table("prices", f"Prices in USD per million tokens on {on.isoformat()}", cols, rows,
                 caption="Unpriced models are never costed at $0; `batchcalc prices MODEL` shows a model's rate cards.")


def _cards_table(m: Model) -> Table:
    rows = []
    for card in m.rate_cards:
        base = {"from": card.effective_from, "to": card.effective_to, "status": card.status,
                "checked": card.checked}
        rows.append({**base, "context": "all", **_rates_row(card)})
        for t in card.long_context:
            window = ""
            if t.effective_from or t.effective_to:
                window = f" ({t.effective_from or '…'} to {t.effective_to or '…'})"
            rows.append({**base, "context": f"> {t.threshold_tokens:,}{window}",
                         **{f"{tier}_{k}": getattr(t, tier).get(k)
                            for tier in ("standard", "batch") for k in TOKEN_TYPES}})
    cols = [Column("from", "From", "date"), Column("to", "To", "date"), Column("context", "Context"),
            *RATE_COLUMNS, Column("status", "Status")]
    caption = (f"Checked {max(c.checked for c in m.rate_cards).isoformat()}; sources: "
               f"{', '.join(sorted({c.source for c in m.rate_cards}))}") if m.rate_cards \
        else f"Unpriced: {m.unpriced_reason}"
    return Table("rate_cards", f"{m.display_name} ({m.id}) rate cards, USD per million tokens",
                 cols, rows, caption=caption)


def _price_sources(models: list[Model], in_effect: dict) -> list[PriceSource]:
    out = []
    for m in models:
        card = in_effect.get(m.id)
        if card is None:
            continue
        for tier in ("standard", "batch"):
            rates = {t: r for t in TOKEN_TYPES if (r := getattr(card, tier).get(t)) is not None}
            out.append(PriceSource(m.id, m.display_name, tier, card.source, card.checked, card.status,
                                   card.note or "", rates))
    return out


def build_prices_report(catalogue: Catalogue, on: dt.date, model: str | None = None) -> Report:
    models = [catalogue.model(model)] if model else sorted(
        catalogue.models, key=lambda m: (m.retired is not None and m.retired <= on,
                                         -(m.released or dt.date.min).toordinal(), m.id))
    in_effect = {m.id: next((c for c in m.rate_cards if c.contains(on)), None) for m in models}
    warnings = []
    for m in models:
        if not m.rate_cards:
            warnings.append(f"{m.id} is unpriced: {m.unpriced_reason}")
        elif in_effect[m.id] is None and model:
            warnings.append(f"{m.id} has no rate card in effect on {on.isoformat()}")
        elif in_effect[m.id] and in_effect[m.id].status == "unconfirmed":
            warnings.append(f"{m.id}: prices on {on.isoformat()} are unconfirmed ({in_effect[m.id].note or in_effect[m.id].source})")
    title = f"{models[0].display_name} rate cards" if model else "Claude API prices"
    table = _cards_table(models[0]) if model else _prices_table(catalogue, on, models, in_effect)
    return Report(kind="prices", title=title, catalogue_version=catalogue.version,
                  figures=_figures(catalogue, on, models, in_effect), tables=[table],
                  price_sources=_price_sources(models, in_effect), warnings=warnings)
