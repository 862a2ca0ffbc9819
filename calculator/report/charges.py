"""The ``charges`` table: priced usage as one row per period x model x tier x token type (at the
report's grain: workspace and API key when the data has them), the rows FOCUS writes.

Every builder of billing-like data (usage, reconcile, batches) turns its long-form lines into
this one table here, so the FOCUS columns mean the same thing in every export
(``reports/focus_format.py`` documents each key). A line's own cost is the usage at catalogue
rates (ListCost and EffectiveCost); ``billed_cost`` is set only from billed data.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from calculator.report.model import CHARGES_TABLE, Column, Table

COLUMNS = [
    Column("period_start", "From", "date"), Column("period_end", "To", "date"),
    Column("model", "Model"), Column("service_tier", "Tier"), Column("context_window", "Context"),
    Column("inference_geo", "Geo"), Column("token_type", "Token type"),
    Column("quantity", "Quantity", "tokens"),
    Column("unit_price", "Contract unit price", "rate"), Column("list_unit_price", "List unit price", "rate"),
    Column("list_cost", "List cost", "money"), Column("effective_cost", "Effective cost", "money"),
    Column("billed_cost", "Billed cost", "money"),
    Column("workspace", "Workspace"), Column("api_key", "API key"),
]


def charge_row(line: dict, *, billed_cost=None, extra: Optional[dict] = None) -> Optional[dict]:
    """One charges row from a long-form line (keys ``period_start``, ``period_end``, ``model``,
    ``service_tier``, ``context_window``, ``inference_geo``, ``token_type``, ``quantity``,
    ``unit_price_usd``, ``cost_usd``, optional ``workspace``/``api_key``). An unpriced line has
    no cost to export: None (the report's warnings list it)."""
    if line.get("cost_usd") is None:
        return None
    start = line["period_start"]
    end = line.get("period_end") or (start + dt.timedelta(days=1))
    row = {"period_start": start, "period_end": end, "model": line["model"],
           "service_tier": line.get("service_tier") or "standard",
           "context_window": line.get("context_window"), "inference_geo": line.get("inference_geo"),
           "token_type": line["token_type"], "quantity": line["quantity"],
           "unit_price": line.get("unit_price_usd"), "list_unit_price": line.get("unit_price_usd"),
           "list_cost": line.get("list_cost", line["cost_usd"]), "effective_cost": line["cost_usd"], "billed_cost": billed_cost,
           "workspace": line.get("workspace"), "api_key": line.get("api_key")}
    row.update(extra or {})
    return row


def charges_table(lines: Iterable[dict], extra_columns: Iterable[Column] = ()) -> Table:
    """The ``charges`` table of long-form ``lines`` (see ``charge_row``); lines may carry the
    ``billed_cost`` and ``x_`` keys of ``extra_columns`` already."""
    rows = []
    for line in lines:
        row = charge_row(line, billed_cost=line.get("billed_cost"),
                         extra={c.key: line.get(c.key) for c in extra_columns})
        if row is not None:
            rows.append(row)
    return Table(CHARGES_TABLE, "Charges (FOCUS)", [*COLUMNS, *extra_columns], rows)
