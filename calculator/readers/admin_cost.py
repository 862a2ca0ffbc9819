"""The Admin API cost report (``GET /v1/organizations/cost_report``), daily buckets.

Result items: ``amount`` (a decimal string in CENTS, the lowest currency unit: "2799.187450" is
$27.99), ``currency``, ``cost_type`` (tokens, web_search, code_execution, session_usage),
``description``, ``model``, ``token_type``, ``service_tier``, ``context_window``, ``workspace_id``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable, Iterator

from calculator.errors import SourceMismatchError
from calculator.readers import admin_pages

CENTS = Decimal(100)


def parse_pages(pages: Iterable[dict], path: str, maker, policy, warnings) -> Iterator:
    from calculator.readers.cost_lines import BilledLine, parse_amount

    for where, period, item in admin_pages.results(pages, path, policy):
        if not isinstance(item, dict):
            policy.bad(path, where, "expected a result object", "malformed result")
            continue
        day = dt.date.fromisoformat(period[:10])
        if "amount" not in item:
            if "uncached_input_tokens" in item or "output_tokens" in item:
                raise SourceMismatchError(f"{where}: this is a usage report (token counts, no "
                                          f"\"amount\"), not a cost report", path=path)
            policy.bad(path, where, f"no \"amount\" (found {', '.join(sorted(item)) or 'nothing'})",
                       "missing field")
            continue
        cents = parse_amount(item.get("amount"), path, where, policy, "amount (cents)")
        if cents is None:
            continue
        ok_m, model = maker.model(item.get("model"), path, where)
        ok_t, token_type = maker.token_type(item.get("token_type"), path, where)
        ok_s, tier = maker.tier(item.get("service_tier"), path, where)
        ok_c, ctx = maker.context(item.get("context_window"), path, where)
        ok_k, cost_type = maker.cost_type(item.get("cost_type"), token_type, path, where)
        if not (ok_m and ok_t and ok_s and ok_c and ok_k):
            continue
        ws = item.get("workspace_id")
        desc = item.get("description")
        yield BilledLine(date=day, cost_type=cost_type, amount=cents / CENTS,
                         currency=str(item.get("currency") or "USD").upper(),
                         where=f"{path} {where}", model=model, token_type=token_type,
                         service_tier=tier, context_tier=ctx,
                         workspace=None if "workspace_id" not in item else ("" if ws is None else str(ws)),
                         description=None if desc is None else str(desc))


def read(path: str, maker, policy, warnings) -> Iterator:
    from calculator.readers.admin_usage import load_pages

    pages = load_pages(path)
    note = admin_pages.incomplete(pages, path)
    if note:
        warnings.append(note)
    yield from parse_pages(pages, path, maker, policy, warnings)
