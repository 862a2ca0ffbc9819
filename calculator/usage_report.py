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

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from calculator.money import percent, usd
from calculator.report_legacy import Brief, Chart, Column, Figure, Headline, PriceSource, Report, Series, Table
from calculator.engine.pipeline import COUNTS, Money, Slice, UsageResult, context_name
from calculator.engine.rates import PRICED

TOP = 10
TABLE_ROWS = 20


def money_fields(m: Money) -> dict:
    return {"cost_usd": m.cost, "standard_equivalent_usd": m.standard_equivalent,
            "realised_batch_savings_usd": m.realised, "missed_batch_savings_usd": m.missed}


MONEY_COLUMNS = [Column("cost_usd", "Cost", "money"),
                 Column("standard_equivalent_usd", "All standard", "money"),
                 Column("realised_batch_savings_usd", "Realised batch savings", "money"),
                 Column("missed_batch_savings_usd", "Missed batch savings", "money")]


def _no_zero_for_unpriced(row: dict) -> dict:
    """A slice with no priced row has no cost (null), never $0."""
    if row["rows"] and row["unpriced_rows"] == row["rows"]:
        for k in list(row):
            if k.endswith("_usd"):
                row[k] = None
    return row


def _cost_key(row: dict):
    return -(row["cost_usd"] if row["cost_usd"] is not None else Decimal(-1))


@dataclass
class UsageReport(Report):
    result: Optional[UsageResult] = None

    # -- the slices ---------------------------------------------------------------------
    def _by(self, name: str) -> list[dict]:
        rows = []
        for sl in self.result.breakdowns[name]:
            row = {name: sl.key[0], **money_fields(sl.money),
                   "missed_batch_savings_without_cache_usd": sl.money.missed_without_cache,
                   "tokens": sl.counts, "rows": sl.rows, "unpriced_rows": sl.unpriced_rows}
            rows.append(_no_zero_for_unpriced(row))
        return rows

    def by_month(self):
        return sorted(self._by("month"), key=lambda r: r["month"])

    def by_model(self):
        return sorted(self._by("model"), key=lambda r: (_cost_key(r), r["model"]))

    def by_service_tier(self):
        return sorted(self._by("service_tier"), key=lambda r: (_cost_key(r), r["service_tier"]))

    @staticmethod
    def _group_dict(names: tuple[str, ...], g: Slice) -> dict:
        return _no_zero_for_unpriced(
            {**dict(zip(names, g.key)), **money_fields(g.money), "input_tokens": g.input_tokens,
             "output_tokens": g.output_tokens, "rows": g.rows, "unpriced_rows": g.unpriced_rows})

    def breakdown(self, name: str) -> list[dict]:
        dims = self.result.group_by if name == "group" else (name,)
        return [self._group_dict(dims, g) for g in self.result.breakdowns.get(name, [])]

    def payload(self) -> dict:
        r = self.result
        t = r.totals
        tokens = dict(r.counts)
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
                          "context_window": context_name(a.context_tier),
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
        if any(r.get("unpriced_rows") for r in rows):
            extra.append(Column("unpriced_rows", "Unpriced rows", "int"))
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
                                  "rows": a.rows, "reason": a.reason} for a in r.unpriced], cards=True))
        return tables

    # -- presentation hooks (HTML page, FOCUS) -------------------------------------------------
    def headline(self) -> Headline:
        r = self.result
        t = r.totals
        figures = [
            Figure("Actual cost", t.cost, detail=f"{r.rows_read:,} usage rows"
                   + (f", {r.rows_unpriced:,} unpriced (not included)" if r.rows_unpriced else "")),
            Figure("Realised batch savings", t.realised, tone="good" if t.realised > 0 else "neutral",
                   detail=f"{percent(t.realised, t.standard_equivalent) or 0:.0f}% of the all-standard "
                          f"{usd(t.standard_equivalent)}"),
            Figure("Missed batch savings", t.missed, tone="bad" if t.missed > 0 else "neutral",
                   detail=f"standard-tier traffic moved to batch; {usd(t.missed_without_cache)} if its "
                          f"cache hits were lost"),
        ]
        rec = ""
        if t.missed > 0:
            rec = (f"Send the standard-tier traffic that no one waits for through the Message Batches API: "
                   f"up to {usd(t.missed)} less over this period "
                   f"({percent(t.missed, t.cost) or 0:.0f}% of what it cost).")
        scope = (f"Usage from {r.first_period[:10]} to {r.last_period[:10]}, each day at the published rates "
                 f"in effect on it." if r.first_period else "No usage rows.")
        period = f" from {r.first_period[:10]} to {r.last_period[:10]}" if r.first_period else ""
        brief = Brief("Actual usage", f"{usd(t.cost)} spent{period}; batch saved {usd(t.realised)}"
                                      + (f", {usd(t.missed)} more was possible." if t.missed > 0 else "."),
                      tone="good" if t.realised > 0 and not t.missed else "neutral")
        return Headline(figures, rec, scope, brief=brief)

    def charts(self) -> list[Chart]:
        months = self.by_month()
        if not months:
            return []
        aggs = self.result.groups
        tiers = sorted({a.service_tier for a in aggs if a.priced}, key=lambda t: (t != "standard", t))
        series = []
        for tier in tiers:
            values = []
            for m in months:
                values.append(sum((a.money.cost for a in aggs
                                   if a.priced and a.month == m["month"] and a.service_tier == tier), Decimal(0)))
            series.append(Series(f"{tier.capitalize()} tier", values, role=f"tier:{tier}"))
        by_month = Chart("cost_by_month", "Cost by month and service tier", "stacked_bar",
                         [m["month"] for m in months], series,
                         caption="What the usage cost, at the published rates of each day.")
        models = [m for m in self.by_model() if m["cost_usd"]]
        by_model = Chart("cost_by_model", "Cost by model", "hbar", [m["model"] for m in models],
                         [Series("Cost", [m["cost_usd"] for m in models])])
        savings = Chart("batch_savings", "Batch savings: realised and missed", "bar", ["Realised", "Missed"],
                        [Series("USD", [self.result.totals.realised, self.result.totals.missed])],
                        category_roles=["best", "flagged"])
        return [by_month, by_model, savings]

    def price_sources(self) -> list[PriceSource]:
        seen = {}
        for a in self.result.groups:
            if a.priced and a.key is not None:
                c = a.key
                seen.setdefault((c.model, c.service_tier, c.source, c.checked, c.status),
                                PriceSource(c.model, c.model, c.service_tier, c.source, c.checked, c.status,
                                            "long-context rates" if c.long_context else ""))
        return list(seen.values())

    def long_table(self) -> Table:
        rows = []
        for a in self.result.groups:
            base = {"month": a.month, "period_start": a.first_day,
                    "period_end": (a.last_day + dt.timedelta(days=1)) if a.last_day else None,
                    "model": a.model, "service_tier": a.service_tier,
                    "context_window": context_name(a.context_tier),
                    "inference_geo": a.inference_geo, "speed": a.speed}
            for i, col in enumerate(PRICED):
                quantity = a.counts[col]
                if not quantity:
                    continue
                name = "web_search" if col == "web_search_requests" else col
                if not a.priced:
                    rows.append({**base, "token_type": col, "quantity": quantity,
                                 "unit_price_usd": None, "cost_usd": None, "status": f"unpriced: {a.reason}"})
                    continue
                # Web search: the rate table holds USD per million searches; the unit price is per search.
                unit = a.rates[i].scaleb(-6) if col == "web_search_requests" else a.rates[i]
                rows.append({**base, "token_type": name, "quantity": quantity,
                             "unit_price_usd": unit, "cost_usd": a.line_costs[i], "status": "priced"})
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


def report_section(inputs: dict, options) -> "UsageReport":
    """`batchcalc report` section builder: every usage export given, as one usage report."""
    from calculator.engine import UsageOptions, usage_result

    paths = [str(p) for kind in ("batch_results", "admin_usage", "console_usage") for p in inputs.get(kind, [])]
    result = usage_result(paths, UsageOptions(
        catalogue=options.catalogue, on=options.on, strict=options.strict,
        skip_invalid=bool(options.extra.get("skip_invalid")), since=options.extra.get("since"),
        until=options.extra.get("until"), group_by=tuple(options.extra.get("group_by", ()))))
    return build_usage_report(result)
