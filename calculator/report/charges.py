"""Charge rows: a priced usage (``costing.Cost``) as one row per token type, the long form that
CSV and FOCUS exports take (the ``LONG_TABLE``; ``reports/focus_format.py`` names the keys)."""

from __future__ import annotations

from calculator.costing import Cost
from calculator.report.model import LONG_TABLE, Column, Table
from calculator.usage_frame import CONTEXT_WINDOW_NAMES

COLUMNS = [Column("model", "Model"), Column("service_tier", "Tier"), Column("context_window", "Context"),
           Column("token_type", "Token type"), Column("quantity", "Quantity", "tokens"),
           Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
           Column("cost_usd", "Cost", "money")]


def charge_rows(cost: Cost, **base) -> list[dict]:
    """One row per token type of ``cost`` with a quantity, after the ``base`` keys."""
    common = {"model": cost.model, "service_tier": cost.service_tier,
              "context_window": CONTEXT_WINDOW_NAMES["long" if cost.long_context else "base"]}
    return [{**base, **common, "token_type": line.token_type, "quantity": line.quantity,
             "unit_price_usd": line.unit_price, "cost_usd": line.cost}
            for line in cost.lines if line.quantity]


def charges_table(title: str, lead: list[Column], rows: list[dict], extra: list[Column] = (),
                  caption: str | None = None) -> Table:
    return Table(LONG_TABLE, title, [*lead, *COLUMNS, *extra], rows, caption=caption)
