"""`batchcalc usage` as a Report: actual spend, realised and missed batch savings.

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
from decimal import Decimal

from calculator.costing import TOKEN_COLUMNS
from calculator.money import percent, usd
from calculator.report.estimate import price_source_of
from calculator.report.model import LONG_TABLE, Brief, Chart, Column, Figure, Headline, PriceSource, Report, Series, Table
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


def _no_zero_for_unpriced(row: dict) -> dict:
    """A slice with no priced row has no cost (null), never $0."""
    if row["rows"] and row["unpriced_rows"] == row["rows"]:
        for k in list(row):
            if k.endswith("_usd"):
                row[k] = None
    return row


def _cost_key(row: dict):
    return -(row["cost_usd"] if row["cost_usd"] is not None else Decimal(-1))


class _UsageView:
    """The pieces of a usage Report, each computed from the analysis."""

    def __init__(self, result: UsageResult):
        self.result = result

    # -- the slices ---------------------------------------------------------------------
    def _by(self, name: str, key) -> list[dict]:
        rows = []
        for k, money, counts, nrows, unpriced in _slice(self.result.aggregates, key):
            row = {name: k, **money_fields(money),
                   "missed_batch_savings_without_cache_usd": money.missed_without_cache,
                   "tokens": counts, "rows": nrows, "unpriced_rows": unpriced}
            rows.append(_no_zero_for_unpriced(row))
        return rows

    def by_month(self):
        return sorted(self._by("month", lambda a: a.month), key=lambda r: r["month"])

    def by_model(self):
        return sorted(self._by("model", lambda a: a.model), key=lambda r: (_cost_key(r), r["model"]))

    def by_service_tier(self):
        return sorted(self._by("service_tier", lambda a: a.service_tier),
                      key=lambda r: (_cost_key(r), r["service_tier"]))

    @staticmethod
    def _group_dict(names: tuple[str, ...], g: GroupRow) -> dict:
        return _no_zero_for_unpriced(
            {**dict(zip(names, g.key)), **money_fields(g.money), "input_tokens": g.input_tokens,
             "output_tokens": g.output_tokens, "rows": g.rows, "unpriced_rows": g.unpriced_rows})

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
        columns = key_cols + MONEY_COLUMNS + extra
        return Table(name, title, columns, [{c.key: d.get(c.key) for c in columns} for d in display], caption)

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
        aggs = self.result.aggregates
        tiers = sorted({a.service_tier for a in aggs if a.priced}, key=lambda t: (t != "standard", t))
        series = []
        for tier in tiers:
            values = []
            for m in months:
                values.append(sum((a.actual.total for a in aggs
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
        for a in self.result.aggregates:
            if a.priced:
                c = a.actual
                seen.setdefault((c.model, c.service_tier, c.source, c.checked, c.status, c.long_context,
                                 c.multiplier), price_source_of(c, c.model))
        return list(seen.values())

    def long_table(self) -> Table:
        rows = []
        for a in self.result.aggregates:
            base = {"month": a.month, "period_start": a.first_day,
                    "period_end": (a.last_day + dt.timedelta(days=1)) if a.last_day else None,
                    "model": a.model, "service_tier": a.service_tier,
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
        return Table(LONG_TABLE, "Usage priced by month, model, tier and token type",
                     [Column("month", "Month"), Column("model", "Model"), Column("service_tier", "Tier"),
                      Column("context_window", "Context"), Column("inference_geo", "Geo"), Column("speed", "Speed"),
                      Column("token_type", "Token type"), Column("quantity", "Quantity", "tokens"),
                      Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
                      Column("cost_usd", "Cost", "money"), Column("status", "Status"),
                      Column("period_start", "From", "date"), Column("period_end", "To", "date")], rows)


def build_usage_report(result: UsageResult) -> Report:
    t = result.totals
    assumptions = list(result.assumptions) + [
        "Every row is priced at the rates in effect on its date for its service tier, context window, "
        "residency and speed (tokens summed exactly first, priced in Decimal last).",
        "Realised savings: batch usage re-priced at the standard tier. Missed savings: standard-tier usage "
        "(fast mode excluded: it has no batch) re-priced at the batch tier with the same cache reads and "
        "writes; the lower figure bills its cached tokens as uncached batch input (batch cache hits are best effort).",
    ]
    view = _UsageView(result)
    return Report(kind="usage", title="Claude API usage: actual spend and batch savings",
                  catalogue_version=result.catalogue_version, figures=view.payload(), headline=view.headline(),
                  tables=[*view.tables(), view.long_table()], charts=view.charts(),
                  price_sources=view.price_sources(), assumptions=assumptions, warnings=list(result.warnings))


def report_section(inputs: dict, options) -> Report:
    """`batchcalc report` section builder: every usage export given, as one usage report."""
    from calculator.usage_analysis import UsageAnalyser
    from calculator.usage_readers import open_usage

    paths = [str(p) for kind in ("batch_results", "admin_usage", "console_usage") for p in inputs.get(kind, [])]
    src = open_usage(paths, on=options.on, catalogue=options.catalogue,
                     skip_invalid=bool(options.extra.get("skip_invalid")))
    analyser = UsageAnalyser(options.catalogue, policy=src.policy, strict=options.strict,
                             since=options.extra.get("since"), until=options.extra.get("until"),
                             group_by=tuple(options.extra.get("group_by", ())))
    analyser.consume(src)
    return build_usage_report(analyser.finish())
