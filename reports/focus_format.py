"""FOCUS 1.3 CSV: the report's charges as FinOps Open Cost and Usage Specification rows.

The rows come from the report's table named ``charges`` (one row per day x model x tier x token
type, at the report's ``--group-by`` grain: workspace and API key when it has them). A report
without that table is not cost or usage data (an estimate, a plan, a price list) and is refused
with a one-line reason. The builders write these row keys (cells exact, as everywhere):

=================== ========================= ===================================================
charges row key     FOCUS column              meaning / default when absent or None
=================== ========================= ===================================================
period_start        ChargePeriodStart         required: the day (date or UTC datetime), inclusive
period_end          ChargePeriodEnd           exclusive; default period_start + 1 day
billing_period_start BillingPeriodStart       default: first day of period_start's month
billing_period_end  BillingPeriodEnd          default: first day of the next month
model               SkuId, ChargeDescription  required
service_tier        x_ServiceTier, SkuId      "standard"
context_window      x_ContextWindow, SkuId    "0-200k"
inference_geo       x_InferenceGeo            "global"
token_type          SkuMeter                  required: uncached_input, cache_write_5m,
                                              cache_write_1h, cache_read, output, web_search
quantity            ConsumedQuantity          required: tokens (searches for web_search)
unit_price          ContractedUnitPrice       USD per MTok (per search), the contract rate
list_unit_price     ListUnitPrice             USD per MTok (per search), the catalogue rate
list_cost           ListCost                  required: the usage at catalogue rates
effective_cost      EffectiveCost,            required: the usage at contract rates (catalogue
                    ContractedCost            rates when there is no contract)
billed_cost         BilledCost                what was invoiced, from billed data only (a cost
                                              report or Console cost CSV); None when the row is
                                              consumption that no bill line covers: then the
                                              column is empty, never a computed figure
workspace_id        SubAccountId              default: the ``workspace`` key
workspace           SubAccountName            the workspace's name
api_key_id          ResourceId                default: the ``api_key`` key
api_key             ResourceName              the API key's name (never the secret)
charge_category     ChargeCategory            "Usage"
x_*                 the same name             extra columns kept as given, e.g. for reconcile:
                                              x_ExpectedCost, x_Residual, x_WithinTolerance,
                                              x_Diagnosis (use x_PascalCase names)
=================== ========================= ===================================================

``reconcile --format focus`` therefore exports the billed lines (``billed_cost`` set) with the
expected cost beside them in ``x_`` columns. The report's ``meta`` may give
``billing_account_id`` and ``billing_account_name`` (the Anthropic organization).

PricingUnit is "1M Tokens" (PricingQuantity = tokens / 1,000,000, an exact shift of the decimal
point) so unit prices read as on the pricing page; web searches are priced per search.
FOCUS 1.3 names the provider with ServiceProviderName and HostProviderName (ProviderName and
Publisher are deprecated) and the issuer with InvoiceIssuerName.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from calculator.costing import ADMIN_TOKEN_TYPES
from calculator.errors import InputError
from calculator.report.model import Report, Table
from reports.cells import exact

FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency",
    "BillingAccountId", "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit",
    "PricingCategory", "ListUnitPrice", "ContractedUnitPrice", "SkuId", "SkuMeter",
    "SubAccountId", "SubAccountName", "ResourceId", "ResourceName", "ServiceName",
    "ServiceCategory", "ServiceProviderName", "HostProviderName", "InvoiceIssuerName",
    "x_ServiceTier", "x_ContextWindow", "x_InferenceGeo", "x_CatalogueVersion",
]
REQUIRED = ("period_start", "model", "token_type", "quantity", "list_cost", "effective_cost")
ESTIMATE_KINDS = ("estimate", "plan", "count")
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


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, day.month, 1)
    return first, (dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1))


def charges(report: Report) -> list[tuple[Report, Table]]:
    """Each (part, its ``charges`` table) of the report; a one-line InputError when none has one."""
    parts = list(report.parts) or [report]
    found = [(p, t) for p in parts for t in p.tables if t.name == "charges"]
    if found:
        return found
    if report.kind in ESTIMATE_KINDS or any(p.kind in ESTIMATE_KINDS for p in parts):
        raise InputError(f"FOCUS export: this {report.kind} report is an estimate, not billed or "
                         f"consumed charges; FOCUS is for cost and usage data (use --format csv)")
    if report.kind == "usage" or any(p.kind == "usage" for p in parts):
        # The daily charges are as many as the export's rows, so a usage report holds them only
        # when it was made for FOCUS (a saved JSON report does not).
        raise InputError("FOCUS export: this usage report was made without its daily charges: run the "
                         "usage command again with --format focus (or -o FILE.focus.csv)")
    raise InputError(f"FOCUS export: this {report.kind} report holds no charges "
                     f"(FOCUS exports usage, cost and reconcile reports; use --format csv)")


def rows(report: Report) -> list[dict[str, str]]:
    """The FOCUS rows as dicts of exact strings (what ``render`` writes)."""
    out = []
    for part, table in charges(report):
        for i, row in enumerate(table.rows, 1):
            missing = [k for k in REQUIRED if row.get(k) is None]
            if missing:
                raise InputError(f"FOCUS export: charge {i} of the {part.kind} report lacks "
                                 f"{', '.join(missing)}")
            out.append(_focus_row(part, report, row))
    return out


def _focus_row(part: Report, report: Report, row: dict) -> dict[str, str]:
    def get(key, default=""):
        value = row.get(key)
        return default if value is None or value == "" else value

    start = row["period_start"]
    day = start.date() if isinstance(start, dt.datetime) else start
    month_start, month_end = _month(day)
    token_type = row["token_type"]
    tier = get("service_tier", "standard")
    context_window = get("context_window", "0-200k")
    model = row["model"]
    per_search = token_type == "web_search"
    qty = int(row["quantity"])
    meta = {**report.meta, **part.meta}
    out = {
        "BilledCost": exact(row.get("billed_cost")),
        "EffectiveCost": exact(row["effective_cost"]),
        "ListCost": exact(row["list_cost"]),
        "ContractedCost": exact(row["effective_cost"]),
        "BillingCurrency": "USD",
        "BillingAccountId": exact(get("billing_account_id", meta.get("billing_account_id", ""))),
        "BillingAccountName": exact(get("billing_account_name", meta.get("billing_account_name", ""))),
        "BillingPeriodStart": _timestamp(get("billing_period_start", month_start)),
        "BillingPeriodEnd": _timestamp(get("billing_period_end", month_end)),
        "ChargePeriodStart": _timestamp(start),
        "ChargePeriodEnd": _timestamp(get("period_end", start + dt.timedelta(days=1))),
        "ChargeCategory": get("charge_category", "Usage"),
        "ChargeClass": "",
        "ChargeDescription": f"{model} {TOKEN_WORDS.get(token_type, token_type)} ({tier} tier)",
        "ChargeFrequency": "Usage-Based",
        "ConsumedQuantity": str(qty),
        "ConsumedUnit": "Searches" if per_search else "Tokens",
        "PricingQuantity": str(qty) if per_search else exact(Decimal(qty).scaleb(-6)),
        "PricingUnit": "Searches" if per_search else "1M Tokens",
        "PricingCategory": "Standard",
        "ListUnitPrice": exact(row.get("list_unit_price")),
        "ContractedUnitPrice": exact(row.get("unit_price")),
        "SkuId": f"{model}:{tier}:{context_window}:{token_type}",
        "SkuMeter": METERS.get(token_type, token_type),
        "SubAccountId": exact(get("workspace_id", get("workspace"))),
        "SubAccountName": exact(get("workspace")),
        "ResourceId": exact(get("api_key_id", get("api_key"))),
        "ResourceName": exact(get("api_key")),
        "ServiceName": "Claude API",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceProviderName": "Anthropic",
        "HostProviderName": "Anthropic",
        "InvoiceIssuerName": "Anthropic",
        "x_ServiceTier": tier,
        "x_ContextWindow": context_window,
        "x_InferenceGeo": get("inference_geo", "global"),
        "x_CatalogueVersion": part.catalogue_version,
    }
    out.update({k: exact(v) for k, v in row.items() if k.startswith("x_")})
    return out


def render(report: Report) -> str:
    data = rows(report)
    extra = list(dict.fromkeys(k for r in data for k in r if k not in FOCUS_COLUMNS))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FOCUS_COLUMNS + extra, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(data)
    return buf.getvalue()
