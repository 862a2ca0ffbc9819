"""Any invoice CSV with a column mapping: ``--cost-map date=Day --cost-map amount_usd=Amount ...``.

Names: date (required), amount_usd or amount_cents (one required), model, token_type, cost_type,
service_tier, context_window, workspace, currency, list_price_usd.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterator

from calculator.readers._csvrows import require, rows
from calculator.errors import InputError
from calculator.engine.normalise import parse_period as normalise_period

NAMES = ("date", "amount_usd", "amount_cents", "model", "token_type", "cost_type", "service_tier",
         "context_window", "workspace", "currency", "list_price_usd")


def parse_cost_mapping(items) -> dict[str, str]:
    from calculator.readers.generic import parse_mapping

    return parse_mapping(items, option="--cost-map", names=NAMES, example='amount_usd="Amount"')


def read(path: str, maker, policy, mapping: dict[str, str], warnings) -> Iterator:
    from calculator.readers.cost_lines import BilledLine, parse_amount

    if "date" not in mapping or not ({"amount_usd", "amount_cents"} & set(mapping)):
        raise InputError("an invoice CSV needs --cost-map date=COLUMN and --cost-map amount_usd=COLUMN "
                         "(or amount_cents=COLUMN)", path=path)
    header, body = rows(path, policy)
    require(path, header, list(mapping.values()), [], "invoice CSV with --cost-map")
    col = {k: v.lower() for k, v in mapping.items()}
    cents = "amount_cents" in mapping
    for n, row in body:
        where = f"line {n}"
        get = lambda name: row.get(col[name]) if name in col else None  # noqa: E731
        period = normalise_period(get("date") or "")
        if period is None:
            policy.bad(path, where, f"date {get('date')!r} is not a date", "bad date")
            continue
        amount = parse_amount(get("amount_cents" if cents else "amount_usd"), path, where, policy,
                              "amount_cents" if cents else "amount_usd")
        if amount is None:
            continue
        ok_m, model = maker.model(get("model"), path, where)
        ok_t, token_type = maker.token_type(get("token_type"), path, where)
        ok_s, tier = maker.tier(get("service_tier"), path, where)
        ok_c, ctx = maker.context(get("context_window"), path, where)
        ok_k, cost_type = maker.cost_type(get("cost_type"), token_type, path, where)
        if not (ok_m and ok_t and ok_s and ok_c and ok_k):
            continue
        lp = get("list_price_usd")
        yield BilledLine(date=dt.date.fromisoformat(period[:10]), cost_type=cost_type,
                         amount=amount / Decimal(100) if cents else amount,
                         currency=(get("currency") or "USD").upper(), where=f"{path} {where}",
                         model=model, token_type=token_type, service_tier=tier, context_tier=ctx,
                         workspace=get("workspace"),
                         list_price=parse_amount(lp, path, where, policy, "list_price_usd") if lp else None)
