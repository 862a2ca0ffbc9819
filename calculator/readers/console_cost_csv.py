"""The Console cost CSV: ``cost_usd`` in DOLLARS, models by display name ("Claude Haiku 4.5").

Columns: usage_date_utc, model, workspace, api_key, usage_type, context_window ("≤ 200k"),
token_type (input_no_cache, input_cache_read, input_cache_write_5m, input_cache_write_1h,
output), cost_usd, list_price_usd, cost_type, inference_geo, speed, api_key_id, api_key_status.
A negotiated discount shows as the gap between cost_usd and list_price_usd.

``--`` means "not applicable" (web-search rows have it for model, usage_type, context_window,
token_type, inference_geo and speed). Several rows with the same visible key are separate
charges: they are summed, never taken for a duplicate. Amounts are rounded to cents per row, so
each line carries up to half a cent of rounding per row summed (``BilledLine.rows``).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from calculator.readers._csvrows import require, rows
from calculator.engine.normalise import parse_period as normalise_period

NOT_APPLICABLE = "--"
REQUIRED = ["usage_date_utc", "model", "cost_usd"]
OPTIONAL = ["token_type", "usage_type", "context_window", "workspace", "list_price_usd", "cost_type",
            "currency", "api_key", "api_key_id", "inference_geo", "speed"]


def read(path: str, maker, policy, warnings) -> Iterator:
    from calculator.readers.cost_lines import BilledLine, parse_amount

    header, body = rows(path, policy)
    require(path, header, REQUIRED, OPTIONAL, "Console cost CSV")
    has = {h.lower() for h in header}
    for n, row in body:
        where = f"line {n}"
        row = {k: ("" if v == NOT_APPLICABLE else v) for k, v in row.items()}
        period = normalise_period(row["usage_date_utc"])
        if period is None:
            policy.bad(path, where, f"usage_date_utc {row['usage_date_utc']!r} is not a date", "bad date")
            continue
        amount = parse_amount(row["cost_usd"], path, where, policy, "cost_usd")
        if amount is None:
            continue
        list_price = None
        if row.get("list_price_usd"):
            list_price = parse_amount(row["list_price_usd"], path, where, policy, "list_price_usd")
        raw_tt = row.get("token_type") or ""
        cost_type_raw = row.get("cost_type") or ""
        if raw_tt.lower() in ("web_search", "code_execution"):
            cost_type_raw, raw_tt = raw_tt, ""
        ok_m, model = maker.model(row.get("model"), path, where)
        ok_t, token_type = maker.token_type(raw_tt, path, where)
        ok_s, tier = maker.tier(row.get("usage_type"), path, where)
        ok_c, ctx = maker.context(row.get("context_window"), path, where)
        ok_k, cost_type = maker.cost_type(cost_type_raw, token_type, path, where)
        if not (ok_m and ok_t and ok_s and ok_c and ok_k):
            continue
        yield BilledLine(date=dt.date.fromisoformat(period[:10]), cost_type=cost_type, amount=amount,
                         currency=(row.get("currency") or "USD").upper(), where=f"{path} {where}",
                         model=model, token_type=token_type, service_tier=tier, context_tier=ctx,
                         workspace=row.get("workspace") if "workspace" in has else None,
                         list_price=list_price,
                         api_key=row.get("api_key_id") or row.get("api_key") or None,
                         inference_geo=row.get("inference_geo") or None, speed=row.get("speed") or None,
                         cent_rounded=True)
