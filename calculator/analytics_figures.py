"""What the Analytics API's data makes possible, as exact figures the usage and reconcile reports
carry (dicts of Decimals, ints, dates and text: ``calculator.report.model.to_json`` writes them).

    requests_by_model_tier(usage, catalogue)      requests per model and service tier: cost per
                                                  request, and what batch saves per request
    discount_by_line(cost, catalogue, contract)   list_amount against amount, line by line, checked
                                                  against a negotiated discount (--contract)
    catalogue_check(usage, cost, catalogue)       list_amount against the catalogue's price of the
                                                  same tokens: a check of the catalogue itself

``usage`` and ``cost`` are relations with the canonical columns (pyarrow Tables, as
``calculator.readers.analytics`` returns them). Every price comes from
``calculator.costing.price_usage``; nothing that cannot be priced is counted as $0: it is
listed with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from calculator.costing import TokenCounts, price_usage
from calculator.errors import BatchcalcError
from calculator.money import CONTEXT
from calculator.readers.analytics import DIMENSION_COLUMNS, TOKEN_TYPE_COLUMNS, USAGE_COUNTS, value_of

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Dimensions a web search charge does not have (its cost line leaves them null).
WEB_SEARCH_FREE = ("model", "service_tier", "context_window", "inference_geo", "speed")


def _day(period) -> dt.date:
    return period.astimezone(dt.timezone.utc).date()


def _ratio(a: Decimal, b) -> Optional[Decimal]:
    return CONTEXT.divide(a, Decimal(b)) if b else None


@dataclass(frozen=True)
class _Pricing:
    """How one row of a relation is priced, from its raw spellings."""

    model: str
    tier: Optional[str]  # standard, batch, or the raw spelling of a tier without a price
    long_context: bool
    geo: Optional[str]
    speed: Optional[str]


def _pricing(row: dict, catalogue) -> _Pricing:
    """Raises ModelError (unknown model) or returns what price_usage needs."""
    model = catalogue.model(row["model"]).id if row["model"] is not None else None
    if model is None:
        raise _NotPriced("not grouped by model")
    tier = value_of("value.service_tier", row["service_tier"]) or row["service_tier"]
    if tier is None:
        raise _NotPriced("not grouped by service_tier")
    return _Pricing(model, tier, value_of("value.context_window", row["context_window"]) == "long",
                    row["inference_geo"], row["speed"])


class _NotPriced(BatchcalcError):
    pass


def _price(catalogue, p: _Pricing, day: dt.date, tokens: TokenCounts, tier: Optional[str] = None):
    return price_usage(catalogue, p.model, day, tokens, service_tier=tier or p.tier,
                       long_context=p.long_context, inference_geo=p.geo, speed=p.speed)


def _tokens(row: dict) -> TokenCounts:
    return TokenCounts(**{c: row[c] for c in USAGE_COUNTS})


def requests_by_model_tier(usage, catalogue) -> dict:
    """Per model and service tier: requests, cost at the published rates, cost per request, and
    the cost of the same requests on the standard API and on batch, so what batch saves per
    request (realised on batch rows, possible on standard rows).

    Rows whose ``requests`` is null count in ``rows_without_requests`` and stay out of the
    per-request figures (their cost would divide by requests nobody counted)."""
    groups: dict[tuple, dict] = {}
    unpriced: dict[tuple, dict] = {}
    without_requests = 0
    for row in usage.to_pylist():
        if row["requests"] is None:
            without_requests += 1
            continue
        day = _day(row["period"])
        try:
            p = _pricing(row, catalogue)
            cost = _price(catalogue, p, day, _tokens(row)).total
        except BatchcalcError as exc:
            key = (row["model"], row["service_tier"], str(exc))
            u = unpriced.setdefault(key, {"model": row["model"], "service_tier": row["service_tier"],
                                          "reason": str(exc), "rows": 0, "requests": 0})
            u["rows"] += 1
            u["requests"] += row["requests"]
            continue
        g = groups.setdefault((p.model, p.tier), {
            "model": p.model, "service_tier": p.tier, "rows": 0, "requests": 0, "cost_usd": ZERO,
            "standard_cost_usd": ZERO, "batch_cost_usd": ZERO, "no_batch_price": None})
        g["rows"] += 1
        g["requests"] += row["requests"]
        g["cost_usd"] += cost
        for tier in ("standard", "batch"):
            try:
                alt = cost if tier == p.tier else _price(catalogue, p, day, _tokens(row), tier).total
            except BatchcalcError as exc:
                g["no_batch_price"] = str(exc)
                continue
            g[f"{tier}_cost_usd"] += alt
    rows = []
    for g in sorted(groups.values(), key=lambda g: (g["model"], g["service_tier"])):
        n = g["requests"]
        saving = None if g["no_batch_price"] else g["standard_cost_usd"] - g["batch_cost_usd"]
        rows.append({
            "model": g["model"], "service_tier": g["service_tier"], "rows": g["rows"], "requests": n,
            "cost_usd": g["cost_usd"], "cost_per_request_usd": _ratio(g["cost_usd"], n),
            "standard_cost_per_request_usd": _ratio(g["standard_cost_usd"], n),
            "batch_cost_per_request_usd": None if saving is None else _ratio(g["batch_cost_usd"], n),
            "batch_saving_per_request_usd": None if saving is None else _ratio(saving, n),
            "batch_saving_realised": g["service_tier"] == "batch",
            "no_batch_price": g["no_batch_price"],
        })
    return {"rows": rows, "unpriced": list(unpriced.values()), "rows_without_requests": without_requests,
            "requests": sum(r["requests"] for r in rows) + sum(u["requests"] for u in unpriced.values())}


def discount_by_line(cost, catalogue, contract=None, tolerance: Decimal = CENT) -> dict:
    """``list_amount - amount`` on every cost line, and, with a contract, the amount the contract
    says (list price less its discount for that model and day) against the amount billed: a
    line whose difference exceeds ``tolerance`` dollars is outside."""
    lines, without_list = [], 0
    total_list = total_amount = ZERO
    outside = 0
    for row in cost.to_pylist():
        listed, amount = row["list_amount_usd"], row["amount_usd"]
        if listed is None:
            without_list += 1
            continue
        day = _day(row["period"])
        line = {"period": day, "source": row["source"], "line": row["line"],
                **{c: row[c] for c in ("model", "service_tier", "workspace", "api_key", "cost_type",
                                       "token_type")},
                "list_amount_usd": listed, "amount_usd": amount, "discount_usd": listed - amount,
                "discount_fraction": _ratio(listed - amount, listed)}
        if contract is not None:
            try:
                model = catalogue.model(row["model"]).id if row["model"] else None
            except BatchcalcError:
                model = None  # an unknown model gets the contract's general discount
            factor = contract.factor(model, day)
            expected = CONTEXT.multiply(listed, factor)
            residual = amount - expected
            line.update({"contract_discount_fraction": 1 - factor, "expected_amount_usd": expected,
                         "residual_usd": residual, "within_tolerance": abs(residual) <= tolerance})
            outside += not line["within_tolerance"]
        total_list += listed
        total_amount += amount
        lines.append(line)
    return {"lines": lines,
            "totals": {"list_amount_usd": total_list, "amount_usd": total_amount,
                       "discount_usd": total_list - total_amount,
                       "discount_fraction": _ratio(total_list - total_amount, total_list)},
            "lines_without_list_amount": without_list,
            "contract": contract.describe() if contract is not None else None,
            "lines_outside_tolerance": outside if contract is not None else None,
            "tolerance_usd": tolerance}


def _column(row: dict) -> Optional[str]:
    """The usage column a cost line bills: a token column, or web_search_requests."""
    if value_of("value.cost_type", row["cost_type"]) == "web_search":
        return "web_search_requests"
    return TOKEN_TYPE_COLUMNS.get(row["token_type"]) if row["token_type"] is not None else None


def catalogue_check(usage, cost, catalogue, tolerance: Decimal = CENT) -> dict:
    """``list_amount`` against what the catalogue charges for the same usage: cost lines are
    matched to the usage rows of the same day and the dimensions both relations are grouped by
    (a null matches a null: the default workspace; only web search, which has no model, tier,
    context window, geo or speed, is summed over those).
    Usage is priced row by row, so a dimension neither is grouped by is still priced right. A
    line whose difference exceeds ``tolerance`` dollars names the rate card and the day."""
    usage_rows, cost_rows = usage.to_pylist(), cost.to_pylist()
    dims = [d for d in DIMENSION_COLUMNS
            if any(r[d] is not None for r in usage_rows) and any(r[d] is not None for r in cost_rows)]
    # Catalogue price of every usage row, per column, and the rate card it came from.
    priced: dict[tuple, dict] = {}
    for row in usage_rows:
        day = _day(row["period"])
        key = (day, *(row[d] for d in dims))
        slot = priced.setdefault(key, {"usd": {}, "cards": set(), "unpriced": None})
        try:
            p = _pricing(row, catalogue)
            result = _price(catalogue, p, day, _tokens(row))
            card = catalogue.rate_card(p.model, day)
        except BatchcalcError as exc:
            slot["unpriced"] = str(exc)
            continue
        slot["cards"].add(f"{p.model} rate card from {card.effective_from.isoformat()} ({card.source})")
        for line in result.lines:
            column = "web_search_requests" if line.token_type == "web_search" else line.token_type
            slot["usd"][column] = slot["usd"].get(column, ZERO) + line.cost
    # Cost lines summed per (day, dimensions, column).
    listed: dict[tuple, dict] = {}
    not_checked = []
    for row in cost_rows:
        column = _column(row)
        if row["list_amount_usd"] is None or column is None:
            not_checked.append({"source": row["source"], "line": row["line"], "reason":
                                "no list_amount" if column else f"cost_type {row['cost_type']!r} / token_type "
                                                                f"{row['token_type']!r} has no usage column"})
            continue
        key = (_day(row["period"]), *(row[d] for d in dims), column)
        slot = listed.setdefault(key, {"list_amount_usd": ZERO, "lines": []})
        slot["list_amount_usd"] += row["list_amount_usd"]
        slot["lines"].append({"source": row["source"], "line": row["line"]})
    # Web search lines match every usage row of the day and their other dimensions.
    keep = [0, *(i + 1 for i, d in enumerate(dims) if d not in WEB_SEARCH_FREE)]

    def web_key(key) -> tuple:
        return tuple(key[i] for i in keep)

    by_web_key: dict[tuple, list] = {}
    for k, v in priced.items():
        by_web_key.setdefault(web_key(k), []).append(v)
    differences, checked, matching = [], 0, 0
    total_list = total_catalogue = ZERO
    for key, slot in listed.items():
        *where, column = key
        if column == "web_search_requests":
            matched = by_web_key.get(web_key(where), [])
        else:
            matched = [priced[tuple(where)]] if tuple(where) in priced else []
        reason = (next((m["unpriced"] for m in matched if m["unpriced"]), None) if matched
                  else "no usage on that day with these dimensions")
        if reason:
            not_checked += [{**line, "reason": reason} for line in slot["lines"]]
            continue
        catalogue_usd = sum((m["usd"].get(column, ZERO) for m in matched), ZERO)
        checked += 1
        total_list += slot["list_amount_usd"]
        total_catalogue += catalogue_usd
        difference = slot["list_amount_usd"] - catalogue_usd
        if abs(difference) <= tolerance:
            matching += 1
            continue
        differences.append({
            "period": where[0], **dict(zip(dims, where[1:])), "column": column,
            "list_amount_usd": slot["list_amount_usd"], "catalogue_usd": catalogue_usd,
            "difference_usd": difference, "rate_cards": sorted(set().union(*(m["cards"] for m in matched))),
            "lines": slot["lines"]})
    return {"dimensions": ["period", *dims], "checked": checked, "matching": matching,
            "differences": differences, "not_checked": not_checked,
            "totals": {"list_amount_usd": total_list, "catalogue_usd": total_catalogue,
                       "difference_usd": total_list - total_catalogue},
            "tolerance_usd": tolerance}

