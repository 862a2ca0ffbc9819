"""FOCUS 1.2 CSV: the report's long-form rows as FinOps Open Cost and Usage Specification charges.

One row per period x model x token type x tier (x workspace x API key when the report has them),
taken from ``report.long_table()``. A long-table row may carry these keys (a column of the table
or just a key of the row dict); what a row lacks comes from ``report.meta["charge_context"]``,
and what that lacks from the defaults below:

==================== ============================== ==========================================
row / context key    FOCUS column                   default when absent
==================== ============================== ==========================================
period_start         ChargePeriodStart (inclusive)  required: an error if neither has it
period_end           ChargePeriodEnd (exclusive)    period_start + 1 day
model                SkuId, ChargeDescription       required
token_type           SkuMeter (Admin API name)      required (uncached_input, cache_write_5m,
                                                    cache_write_1h, cache_read, output,
                                                    web_search)
service_tier         x_ServiceTier, SkuId           "standard"
context_window       x_ContextWindow                "0-200k"
inference_geo        x_InferenceGeo                 "global"
workspace            SubAccountId                   empty (the default workspace)
api_key              ResourceId                     empty
quantity             ConsumedQuantity (tokens)      required
unit_price_usd       ContractedUnitPrice            required (USD per MTok; per search)
cost_usd             EffectiveCost, ContractedCost  required
billed_cost_usd      BilledCost                     cost_usd
list_unit_price_usd  ListUnitPrice                  unit_price_usd
list_cost_usd        ListCost                       cost_usd
charge_category      ChargeCategory                 "Usage"
scenario             appended to x_EstimateSource   none
workload, role, mode appended to x_EstimateSource   none (a plan's rows: workload, current /
                                                    recommended / alternative, its mode)
estimate_source      x_EstimateSource               empty (actual usage, not an estimate)
==================== ============================== ==========================================

An estimate has no billing period: its charge context gives the pricing date as a
one-day charge period and an ``x_EstimateSource`` naming the scenario, because an estimate's
file holds all four scenarios: filter on ``x_EstimateSource`` before summing. For an estimate,
BilledCost is the estimated cost (nothing has been invoiced); ListCost = ContractedCost =
EffectiveCost unless a row gives list prices (the Console cost export does).
PricingUnit is "1M Tokens" (PricingQuantity = tokens / 1,000,000, an exact shift of the decimal
point) so unit prices read as on the pricing page; web searches are priced per search.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from calculator.costing import ADMIN_TOKEN_TYPES
from calculator.errors import InputError
from calculator.report.model import CHARGE_CONTEXT, Report, cell_from_json
from reports.cells import exact

FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit", "ListUnitPrice",
    "ContractedUnitPrice", "SkuId", "SkuMeter", "SubAccountId", "ResourceId", "ServiceName",
    "ServiceCategory", "Provider", "Publisher", "InvoiceIssuer",
    "x_ServiceTier", "x_ContextWindow", "x_InferenceGeo", "x_CatalogueVersion", "x_EstimateSource",
]
METERS = {**ADMIN_TOKEN_TYPES, "web_search": "web_search_requests"}
TOKEN_WORDS = {"uncached_input": "input tokens", "cache_write_5m": "5-minute cache write tokens",
               "cache_write_1h": "1-hour cache write tokens", "cache_read": "cache read tokens",
               "output": "output tokens", "web_search": "web searches"}


def _timestamp(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00Z"
    return str(value)


def rows(report: Report) -> list[dict[str, str]]:
    """The FOCUS rows as dicts of exact strings (what ``render`` writes)."""
    ctx = report.meta.get(CHARGE_CONTEXT, {})
    out = []
    table = report.long_table()
    keys = {c.key for c in table.columns} | {k for r in table.rows[:1] for k in r}
    missing = [k for k in ("model", "token_type", "quantity", "unit_price_usd", "cost_usd") if k not in keys]
    if missing:
        raise InputError(f"a {report.kind} report holds no charges to export as FOCUS "
                         f"(its long-form rows lack {', '.join(missing)})")
    for row in table.rows:
        def get(key, default=None):
            value = row.get(key)
            if value is None or value == "":
                value = ctx.get(key, default)
            return value

        start = cell_from_json(get("period_start"), "date")
        if start is None:
            raise InputError(f"{report.kind} report: no charge period for the FOCUS export "
                             "(the report gives no period_start)")
        end = cell_from_json(get("period_end"), "date") or (start + dt.timedelta(days=1))
        token_type = row["token_type"]
        tier = get("service_tier", "standard")
        model = row["model"]
        per_search = token_type == "web_search"
        qty = int(row["quantity"])
        unit_price = row["unit_price_usd"]
        cost = row["cost_usd"]
        source = get("estimate_source", "")
        if source and row.get("scenario"):
            source = f"{source}: {row['scenario']} scenario"
        elif source and row.get("workload"):
            # A plan: which workload, and whether the row prices it now, after or as a what-if.
            role = f", {row['role']}" if row.get("role") else ""
            mode = f" ({row['mode']})" if row.get("mode") else ""
            source = f"{source}: {row['workload']}{role}{mode}"
        context_window = get("context_window", "0-200k")
        out.append({
            "BilledCost": exact(get("billed_cost_usd", cost)),
            "EffectiveCost": exact(cost),
            "ListCost": exact(get("list_cost_usd", cost)),
            "ContractedCost": exact(cost),
            "BillingCurrency": "USD",
            "ChargePeriodStart": _timestamp(start),
            "ChargePeriodEnd": _timestamp(end),
            "ChargeCategory": get("charge_category", "Usage"),
            "ChargeClass": "",
            "ChargeDescription": f"{model} {TOKEN_WORDS.get(token_type, token_type)} ({tier} tier)",
            "ConsumedQuantity": str(qty),
            "ConsumedUnit": "Searches" if per_search else "Tokens",
            "PricingQuantity": str(qty) if per_search else exact(Decimal(qty).scaleb(-6)),
            "PricingUnit": "Searches" if per_search else "1M Tokens",
            "ListUnitPrice": exact(get("list_unit_price_usd", unit_price)),
            "ContractedUnitPrice": exact(unit_price),
            "SkuId": f"{model}:{tier}:{context_window}:{token_type}",
            "SkuMeter": METERS.get(token_type, token_type),
            "SubAccountId": exact(get("workspace", "")),
            "ResourceId": exact(get("api_key", "")),
            "ServiceName": "Claude API",
            "ServiceCategory": "AI and Machine Learning",
            "Provider": "Anthropic",
            "Publisher": "Anthropic",
            "InvoiceIssuer": "Anthropic",
            "x_ServiceTier": tier,
            "x_ContextWindow": context_window,
            "x_InferenceGeo": get("inference_geo", "global"),
            "x_CatalogueVersion": report.catalogue_version,
            "x_EstimateSource": source,
        })
    return out


def _has_charges(report: Report) -> bool:
    table = report.long_table()
    keys = {c.key for c in table.columns} | {k for r in table.rows[:1] for k in r}
    return all(k in keys for k in ("model", "token_type", "quantity", "unit_price_usd", "cost_usd"))


def render(report: Report) -> str:
    parts = report.all_parts()
    if report.parts:
        # A page of several parts exports the parts that hold charges: a reconciliation holds
        # billed lines, not consumption (its usage is the usage part's), and is left out.
        charged = [p for p in parts if _has_charges(p)] or parts[:1]
        data = [r for p in charged for r in rows(p)]
    else:
        data = rows(report)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FOCUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    return buf.getvalue()
