"""The Analytics API relations fed to today's usage analyser and reconciler.

The engine (DESIGN.md section 1) reads ``calculator.readers.analytics`` relations directly; until
it replaces ``calculator.usage_readers`` and ``calculator.cost_readers``, these two sources hand
the same rows to the analyser and the reconciler, so ``--from-api`` already uses the Analytics
API. This module goes when the engine lands.
"""

from __future__ import annotations

import datetime as dt

from calculator.cost_readers import BilledLine, CostSource, LineMaker
from calculator.readers.analytics import USAGE_COUNTS
from calculator.usage_frame import NOT_GROUPED, normalise_period
from calculator.usage_readers import UsageSource
from calculator.usage_readers._records import RecordBuffer

NOT_GROUPED_NOTES = {
    "context_window": "not grouped by context_window: priced at base (≤200K) rates; long-context usage "
                      "would be under-priced (group by context_window)",
    "model": "not grouped by model: those rows cannot be priced (group by model)",
    "service_tier": "not grouped by service_tier: those rows cannot be priced (group by service_tier)",
}


def where_of(row: dict, name: str) -> str:
    """Where a row came from, for messages about ``name`` (one file, or the files of a run)."""
    return f"row {row['line']}" if row["source"] == name else f"row {row['line']} of {row['source']}"


class AnalyticsUsageSource(UsageSource):
    """An Analytics usage relation as the chunks ``UsageAnalyser`` consumes."""

    def __init__(self, table, name: str, policy=None):
        super().__init__(pages=[], policy=policy)
        self.table, self.name = table, name
        self.info.source = "analytics-api"
        self.kinds = {name: "analytics-usage"}

    def chunks(self):
        buf = RecordBuffer(self.name)
        ungrouped = set()
        for row in self.table.to_pylist():
            for dim in NOT_GROUPED_NOTES:
                if row[dim] is None:
                    ungrouped.add(dim)
            rec = {**{c: row[c] for c in USAGE_COUNTS}, "requests": row["requests"] or 0,
                   "period": normalise_period(row["period"].isoformat()), "source": "analytics_usage",
                   "model": row["model"] or NOT_GROUPED, "service_tier": row["service_tier"] or NOT_GROUPED,
                   "context_tier": row["context_window"] or "", "inference_geo": row["inference_geo"] or "global",
                   "speed": row["speed"] or "standard", "workspace": row["workspace"] or "",
                   "api_key": row["api_key"] or ""}
            buf.add(rec, where_of(row, self.name))
        chunk = buf.flush()
        if chunk is not None:
            yield chunk
        self.info.warnings += [note for note in (f"{self.name}: {NOT_GROUPED_NOTES[d]}" for d in sorted(ungrouped))
                               if note not in self.info.warnings]
        self.info.stats["rows"] = self.table.num_rows


class AnalyticsCostSource(CostSource):
    """An Analytics cost relation as the billed lines ``reconcile`` joins (list price kept)."""

    def __init__(self, table, name: str, catalogue=None, policy=None):
        super().__init__(pages=[], catalogue=catalogue, policy=policy)
        self.table, self.name = table, name
        self.kinds = {name: "analytics-cost"}

    def _read(self):
        maker = LineMaker(self.catalogue, self.policy)
        for row in self.table.to_pylist():
            where = where_of(row, self.name)
            ok_m, model = maker.model(row["model"], self.name, where)
            ok_t, token_type = maker.token_type(row["token_type"], self.name, where)
            ok_s, tier = maker.tier(row["service_tier"], self.name, where)
            ok_c, ctx = maker.context(row["context_window"], self.name, where)
            ok_k, cost_type = maker.cost_type(row["cost_type"], token_type, self.name, where)
            if not (ok_m and ok_t and ok_s and ok_c and ok_k):
                continue
            yield BilledLine(date=row["period"].astimezone(dt.timezone.utc).date(), cost_type=cost_type,
                             amount=row["amount_usd"], currency="USD", where=f"{self.name}: {where}",
                             model=model, token_type=token_type, service_tier=tier, context_tier=ctx,
                             workspace=row["workspace"], list_price=row["list_amount_usd"],
                             description=row["description"], api_key=row["api_key"],
                             inference_geo=row["inference_geo"], speed=row["speed"])
