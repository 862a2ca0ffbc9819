"""`batchcalc usage`: actual spend, realised and missed batch savings, as a Report.

JSON contract (``kind: "usage"``), money as exact decimal strings::

    {"schema_version", "catalogue_version",
     "totals": {"cost_usd", "standard_equivalent_usd", "realised_batch_savings_usd",
                "missed_batch_savings_usd", "missed_batch_savings_without_cache_usd"},
     "rows_read", "rows_unpriced", "rows_used", "rows_skipped", "rows_filtered", "duplicate_rows",
     "period": {...}, "inputs": [...], "tokens": {...},
     "by_model": [...], "by_month": [...], "by_service_tier": [...], "by_workspace": [...],
     "by_api_key": [...], "top_spenders": {...}, "groups": {...}, "unpriced": [...],
     "batch_results": {...}, "warnings": [...], "assumptions": [...]}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from calculator.costing import TOKEN_COLUMNS
from calculator.money import percent, usd
from calculator.report import Column, Report, Table
from calculator.usage_analysis import Aggregate, GroupRow, Money, UsageAnalyser, UsageResult
from calculator.usage_frame import CONTEXT_WINDOW_NAMES, COUNTS

TOP = 10
TABLE_ROWS = 20


def money_fields(m: Money) -> dict:
    return {"cost_usd": m.cost, "standard_equivalent_usd": m.standard_equivalent,
            "realised_batch_savings_usd": m.realised, "missed_batch_savings_usd": m.missed}


MONEY_COLUMNS = [Column("cost_usd", "Cost", "money"),
                 Column("standard_equivalent_usd", "All standard", "money"),
                 Column("realised_batch_savings_usd", "Realised batch savings", "money"),
                 Column("missed_batch_savings_usd", "Missed batch savings", "money")]


def _slice(aggs: list[Aggregate], key) -> list[tuple[str, Money, dict, int, int]]:
    out: dict[str, list] = {}
    for a in aggs:
        k = key(a)
        entry = out.setdefault(k, [Money(), {c: 0 for c in COUNTS}, 0, 0])
        entry[0].add(UsageAnalyser.money_of(a))
        for c in COUNTS:
            entry[1][c] += a.counts[c]
        entry[2] += a.rows
        entry[3] += 0 if a.priced else a.rows
    return [(k, *v) for k, v in out.items()]


@dataclass
class UsageReport(Report):
    result: Optional[UsageResult] = None

    # -- the slices ---------------------------------------------------------------------
    def _by(self, name: str, key) -> list[dict]:
        rows = []
        for k, money, counts, nrows, unpriced in _slice(self.result.aggregates, key):
            rows.append({name: k, **money_fields(money),
                         "missed_batch_savings_without_cache_usd": money.missed_without_cache,
                         "tokens": counts, "rows": nrows, "unpriced_rows": unpriced})
        return rows

    def by_month(self):
        return sorted(self._by("month", lambda a: a.month), key=lambda r: r["month"])

    def by_model(self):
        return sorted(self._by("model", lambda a: a.model), key=lambda r: (-r["cost_usd"], r["model"]))

    def by_service_tier(self):
        return sorted(self._by("service_tier", lambda a: a.service_tier), key=lambda r: (-r["cost_usd"], r["service_tier"]))

    @staticmethod
    def _group_dict(names: tuple[str, ...], g: GroupRow) -> dict:
        return {**dict(zip(names, g.key)), **money_fields(g.money), "input_tokens": g.input_tokens,
                "output_tokens": g.output_tokens, "rows": g.rows, "unpriced_rows": g.unpriced_rows}

    def breakdown(self, name: str) -> list[dict]:
        dims = self.result.group_by if name == "group" else (name,)
        return [self._group_dict(dims, g) for g in self.result.breakdowns.get(name, [])]

    def payload(self) -> dict:
        r = self.result
        t = r.totals
        tokens = {c: sum(a.counts[c] for a in r.aggregates) for c in COUNTS}
        out = {
            "totals": {**money_fields(t), "missed_batch_savings_without_cache_usd": t.missed_without_cache},
            "rows_read": r.rows_read,
            "rows_unpriced": r.rows_unpriced,
            "rows_used": r.rows_used,
            "rows_skipped": r.rows_skipped,
            "rows_filtered": r.rows_filtered,
            "duplicate_rows": r.duplicates,
            "period": {"first": r.first_period, "last": r.last_period, "since": r.since, "until": r.until},
            "inputs": [{"path": p, "source": k} for p, k in r.sources.items()],
            "tokens": tokens,
            "shared_prefix": {
                "standard_tier_input_cached_percent": r.shared_prefix_input_share,
                "note": "share of standard-tier input tokens written to or read from the prompt cache: "
                        "the traffic with a shared prefix, whose caching stacks with the batch discount"},
            "by_model": self.by_model(),
            "by_month": self.by_month(),
            "by_service_tier": self.by_service_tier(),
            "by_workspace": self.breakdown("workspace"),
            "by_api_key": self.breakdown("api_key"),
            "top_spenders": {"api_key": self.breakdown("api_key")[:TOP],
                             "workspace": self.breakdown("workspace")[:TOP]},
            "unpriced": [{"model": a.model, "service_tier": a.service_tier, "month": a.month,
                          "context_window": CONTEXT_WINDOW_NAMES.get(a.context_tier, a.context_tier),
                          "rows": a.rows, "reason": a.reason, "tokens": a.counts} for a in r.unpriced],
        }
        if r.group_by:
            out["groups"] = {"group_by": list(r.group_by), "rows": self.breakdown("group")}
        batch = {k: r.stats[k] for k in ("succeeded", "errored", "canceled", "expired") if k in r.stats}
        if batch:
            out["batch_results"] = {**batch, "billed": batch.get("succeeded", 0)}
        if "pages" in r.stats:
            out["pages_read"] = r.stats["pages"]
        return out

    # -- display ------------------------------------------------------------------------
    def _money_table(self, name, title, key_cols: list[Column], rows: list[dict], limit=None, caption=None):
        shown = rows if limit is None else rows[:limit]
        extra = [Column("input_tokens", "Input tokens", "int"), Column("output_tokens", "Output tokens", "int")]
        display = []
        for row in shown:
            d = dict(row)
            if "tokens" in row:
                tk = row["tokens"]
                d["input_tokens"] = tk["uncached_input"] + tk["cache_write_5m"] + tk["cache_write_1h"] + tk["cache_read"]
                d["output_tokens"] = tk["output"]
            display.append(d)
        if limit is not None and len(rows) > limit:
            caption = (caption + " " if caption else "") + f"Top {limit} of {len(rows):,}; the JSON output lists all."
        return Table(name, title, key_cols + MONEY_COLUMNS + extra, display, caption)

    def tables(self) -> list[Table]:
        r = self.result
        tables = [
            self._money_table("by_month", "By month", [Column("month", "Month")], self.by_month()),
            self._money_table("by_model", "By model", [Column("model", "Model")], self.by_model()),
            self._money_table("by_service_tier", "By service tier", [Column("service_tier", "Tier")],
                              self.by_service_tier()),
        ]
        ws = self.breakdown("workspace")
        if any(w["workspace"] for w in ws):
            tables.append(self._money_table("by_workspace", "By workspace", [Column("workspace", "Workspace")],
                                            ws, TABLE_ROWS))
        keys = self.breakdown("api_key")
        if any(k["api_key"] for k in keys):
            tables.append(self._money_table("by_api_key", "Top spenders by API key", [Column("api_key", "API key")],
                                            keys, TABLE_ROWS))
        if r.group_by:
            tables.append(self._money_table("groups", "By " + " × ".join(r.group_by),
                                            [Column(g, g.replace("_", " ").capitalize()) for g in r.group_by],
                                            self.breakdown("group"), 50))
        if r.unpriced:
            tables.append(Table("unpriced", "Unpriced (not in the totals)",
                                [Column("model", "Model"), Column("service_tier", "Tier"), Column("month", "Month"),
                                 Column("rows", "Rows", "int"), Column("reason", "Reason")],
                                [{"model": a.model, "service_tier": a.service_tier, "month": a.month,
                                  "rows": a.rows, "reason": a.reason} for a in r.unpriced]))
        return tables

    def long_table(self) -> Table:
        rows = []
        for a in self.result.aggregates:
            base = {"month": a.month, "model": a.model, "service_tier": a.service_tier,
                    "context_window": CONTEXT_WINDOW_NAMES.get(a.context_tier, a.context_tier),
                    "inference_geo": a.inference_geo, "speed": a.speed}
            if not a.priced:
                for col in (*TOKEN_COLUMNS, "web_search_requests"):
                    if a.counts[col]:
                        rows.append({**base, "token_type": col, "quantity": a.counts[col],
                                     "unit_price_usd": None, "cost_usd": None, "status": f"unpriced: {a.reason}"})
                continue
            for line in a.actual.lines:
                if line.quantity == 0:
                    continue
                rows.append({**base, "token_type": line.token_type, "quantity": line.quantity,
                             "unit_price_usd": line.unit_price, "cost_usd": line.cost, "status": "priced"})
        return Table("usage", "Usage priced by month, model, tier and token type",
                     [Column("month", "Month"), Column("model", "Model"), Column("service_tier", "Tier"),
                      Column("context_window", "Context"), Column("inference_geo", "Geo"), Column("speed", "Speed"),
                      Column("token_type", "Token type"), Column("quantity", "Quantity", "int"),
                      Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
                      Column("cost_usd", "Cost", "money"), Column("status", "Status")], rows)


def build_usage_report(result: UsageResult) -> UsageReport:
    t = result.totals
    summary = [
        ("Actual cost", usd(t.cost)),
        ("All on the standard tier", usd(t.standard_equivalent)),
        ("Realised batch savings", f"{usd(t.realised)} ({percent(t.realised, t.standard_equivalent) or 0:.1f}% of standard)"),
        ("Missed batch savings", f"{usd(t.missed)} (standard-tier traffic moved to batch, caching kept; "
                                 f"{usd(t.missed_without_cache)} if batch cache hits fail)"),
        ("Rows", f"{result.rows_read:,} read, {result.rows_unpriced:,} unpriced"
                 + (f", {result.rows_skipped:,} skipped" if result.rows_skipped else "")
                 + (f", {result.rows_filtered:,} outside --since/--until" if result.rows_filtered else "")),
    ]
    batch = {k: result.stats.get(k, 0) for k in ("succeeded", "errored", "canceled", "expired")}
    if any(batch.values()):
        summary.append(("Batch results", f"{batch['succeeded']:,} succeeded (billed); {batch['errored']:,} errored, "
                                         f"{batch['canceled']:,} canceled, {batch['expired']:,} expired (not billed)"))
    if result.first_period:
        summary.insert(0, ("Period", f"{result.first_period[:10]} to {result.last_period[:10]}"))
    assumptions = list(result.assumptions) + [
        "Every row is priced at the rates in effect on its date for its service tier, context window, "
        "residency and speed (tokens summed exactly first, priced in Decimal last).",
        "Realised savings: batch usage re-priced at the standard tier. Missed savings: standard-tier usage "
        "(fast mode excluded: it has no batch) re-priced at the batch tier with the same cache reads and "
        "writes; the lower figure bills its cached tokens as uncached batch input (batch cache hits are best effort).",
    ]
    return UsageReport(kind="usage", title="Claude API usage: actual spend and batch savings",
                       catalogue_version=result.catalogue_version, summary=summary,
                       assumptions=assumptions, warnings=list(result.warnings), result=result)
