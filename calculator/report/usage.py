"""`batchcalc usage` as a Report: actual spend, realised and missed batch savings.

``build_usage_report(figures, lines=..., price_sources=...)`` writes the report from the kind's
JSON contract alone (``kind: "usage"``, money as exact decimal strings), so whatever computes the
figures (the engine's ``UsageResult``, fed through ``report_from_analysis``) can be
replaced underneath::

    {"schema_version", "catalogue_version",
     "totals": {"cost_usd", "standard_equivalent_usd", "realised_batch_savings_usd",
                "missed_batch_savings_usd", "missed_batch_savings_without_cache_usd"},
     "rows_read", "rows_unpriced", "rows_used", "rows_skipped", "rows_filtered", "duplicate_rows",
     "period": {...}, "inputs": [...], "tokens": {...},
     "by_model": [...], "by_month": [...], "by_service_tier": [...], "by_workspace": [...],
     "by_api_key": [...], "top_spenders": {...}, "groups": {...}, "unpriced": [...],
     "batch_results": {...}, "warnings": [...], "assumptions": [...]}

``lines`` are the long form (CSV, FOCUS): one row per month x model x tier x context x geo x
speed x token type, with the keys of ``LINE_COLUMNS`` (and ``workspace``/``api_key`` when the
usage has them); ``price_sources`` the rate cards the rows were priced with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable, Optional

from calculator.money import CONTEXT, percent, usd
from calculator.report.charges import charges_table
from calculator.report.model import (LONG_TABLE, RESERVED_KEYS, Brief, Chart, Column, Figure, Headline,
                                     PriceSource, Report, Series, Table, cell_from_json, to_json)
from calculator.engine.pipeline import Money, Slice, UsageResult, context_name
from calculator.engine.rates import PRICED

TOP = 10
TABLE_ROWS = 20
INPUT_COUNTS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read")

MONEY_COLUMNS = [Column("cost_usd", "Cost", "money"),
                 Column("standard_equivalent_usd", "All standard", "money"),
                 Column("realised_batch_savings_usd", "Realised batch savings", "money"),
                 Column("missed_batch_savings_usd", "Missed batch savings", "money")]
LINE_COLUMNS = [Column("month", "Month"), Column("model", "Model"), Column("service_tier", "Tier"),
                Column("context_window", "Context"), Column("inference_geo", "Geo"), Column("speed", "Speed"),
                Column("token_type", "Token type"), Column("quantity", "Quantity", "tokens"),
                Column("unit_price_usd", "Unit price (USD/MTok; web search USD each)", "rate"),
                Column("cost_usd", "Cost", "money"), Column("status", "Status"),
                Column("period_start", "From", "date"), Column("period_end", "To", "date")]
METHOD = [
    "Every row is priced at the rates in effect on its date for its service tier, context window, "
    "residency and speed (tokens summed exactly first, priced in Decimal last).",
    "Realised savings: batch usage re-priced at the standard tier. Missed savings: standard-tier usage "
    "(fast mode excluded: it has no batch) re-priced at the batch tier with the same cache reads and "
    "writes; the lower figure bills its cached tokens as uncached batch input (batch cache hits are best effort).",
]


def typed(rows: Iterable[dict], columns: list[Column]) -> list[dict]:
    """Rows of JSON values (or already typed ones) as table rows of the columns' kinds."""
    return [{c.key: cell_from_json(r.get(c.key), c.kind) for c in columns} for r in rows]


def _money(value: Any) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


# -- the report, from the figures -----------------------------------------------------------------

def _money_table(name: str, title: str, key_cols: list[Column], rows: list[dict], limit: int | None = None,
                 caption: str | None = None) -> Table:
    shown = rows if limit is None else rows[:limit]
    extra = [Column("input_tokens", "Input tokens", "tokens"), Column("output_tokens", "Output tokens", "tokens")]
    if any(r.get("unpriced_rows") for r in rows):
        extra.append(Column("unpriced_rows", "Unpriced rows", "int"))
    display = []
    for row in shown:
        d = dict(row)
        if "tokens" in row:
            d["input_tokens"] = sum(row["tokens"][c] for c in INPUT_COUNTS)
            d["output_tokens"] = row["tokens"]["output"]
        display.append(d)
    if limit is not None and len(rows) > limit:
        caption = (caption + " " if caption else "") + f"Top {limit} of {len(rows):,}; the JSON output lists all."
    columns = key_cols + MONEY_COLUMNS + extra
    return Table(name, title, columns, typed(display, columns), caption)


def _tables(f: dict) -> list[Table]:
    tables = [
        _money_table("by_month", "By month", [Column("month", "Month")], f["by_month"]),
        _money_table("by_model", "By model", [Column("model", "Model")], f["by_model"]),
        _money_table("by_service_tier", "By service tier", [Column("service_tier", "Tier")], f["by_service_tier"]),
    ]
    if any(w["workspace"] for w in f["by_workspace"]):
        tables.append(_money_table("by_workspace", "By workspace", [Column("workspace", "Workspace")],
                                   f["by_workspace"], TABLE_ROWS))
    if any(k["api_key"] for k in f["by_api_key"]):
        tables.append(_money_table("by_api_key", "Top spenders by API key", [Column("api_key", "API key")],
                                   f["by_api_key"], TABLE_ROWS))
    groups = f.get("groups")
    if groups:
        tables.append(_money_table("groups", "By " + " × ".join(groups["group_by"]),
                                   [Column(g, g.replace("_", " ").capitalize()) for g in groups["group_by"]],
                                   groups["rows"], 50))
    if f.get("requests_by_model_tier"):
        columns = [Column("model", "Model"), Column("service_tier", "Tier"), Column("requests", "Requests", "int"),
                   Column("cost_usd", "Cost", "money"), Column("cost_per_request_usd", "Cost per request (USD)", "rate"),
                   Column("batch_saving_per_request_usd", "Batch saving per request (USD)", "rate")]
        tables.append(Table("requests_by_model_tier", "Requests by model and tier", columns,
                            typed(f["requests_by_model_tier"], columns),
                            caption="Batch saving per request: realised on the batch tier, missed (what batch "
                                    "would save) on the standard tier."))
    if f["unpriced"]:
        columns = [Column("model", "Model"), Column("service_tier", "Tier"), Column("month", "Month"),
                   Column("rows", "Rows", "int"), Column("reason", "Reason")]
        tables.append(Table("unpriced", "Unpriced (not in the totals)", columns, typed(f["unpriced"], columns),
                            cards=True))
    return tables


def _headline(f: dict) -> Headline:
    t = {k: _money(v) for k, v in f["totals"].items()}
    cost, standard = t["cost_usd"], t["standard_equivalent_usd"]
    realised, missed = t["realised_batch_savings_usd"], t["missed_batch_savings_usd"]
    rows_read, rows_unpriced = f["rows_read"], f["rows_unpriced"]
    figures = [
        Figure("Actual cost", cost, detail=f"{rows_read:,} usage rows"
               + (f", {rows_unpriced:,} unpriced (not included)" if rows_unpriced else "")),
        Figure("Realised batch savings", realised, tone="good" if realised > 0 else "neutral",
               detail=f"{percent(realised, standard) or 0:.0f}% of the all-standard {usd(standard)}"),
        Figure("Missed batch savings", missed, tone="bad" if missed > 0 else "neutral",
               detail=f"standard-tier traffic moved to batch; "
                      f"{usd(t['missed_batch_savings_without_cache_usd'])} if its cache hits were lost"),
    ]
    rec = ""
    if missed > 0:
        rec = (f"Send the standard-tier traffic that no one waits for through the Message Batches API: "
               f"up to {usd(missed)} less over this period ({percent(missed, cost) or 0:.0f}% of what it cost).")
    first, last = f["period"]["first"], f["period"]["last"]
    scope = (f"Usage from {first[:10]} to {last[:10]}, each day at the published rates in effect on it."
             if first else "No usage rows.")
    period = f" from {first[:10]} to {last[:10]}" if first else ""
    brief = Brief("Actual usage", f"{usd(cost)} spent{period}; batch saved {usd(realised)}"
                                  + (f", {usd(missed)} more was possible." if missed > 0 else "."),
                  tone="good" if realised > 0 and not missed else "neutral")
    return Headline(figures, rec, scope, brief=brief)


def _charts(f: dict) -> list[Chart]:
    months = f["by_month"]
    if not months:
        return []
    tiers = [r for r in f["by_service_tier"] if r["cost_usd"] is not None]
    by_month = Chart("cost_by_month", "Cost by month", "bar", [m["month"] for m in months],
                     [Series("Cost", [_money(m["cost_usd"]) for m in months])],
                     caption="What the usage cost, at the published rates of each day.")
    by_tier = Chart("cost_by_service_tier", "Cost by service tier", "hbar", [r["service_tier"] for r in tiers],
                    [Series("Cost", [_money(r["cost_usd"]) for r in tiers])],
                    category_roles=[f"tier:{r['service_tier']}" for r in tiers])
    models = [m for m in f["by_model"] if m["cost_usd"] and _money(m["cost_usd"])]
    by_model = Chart("cost_by_model", "Cost by model", "hbar", [m["model"] for m in models],
                     [Series("Cost", [_money(m["cost_usd"]) for m in models])])
    t = f["totals"]
    savings = Chart("batch_savings", "Batch savings: realised and missed", "bar", ["Realised", "Missed"],
                    [Series("USD", [_money(t["realised_batch_savings_usd"]), _money(t["missed_batch_savings_usd"])])],
                    category_roles=["best", "flagged"])
    return [by_month, by_tier, by_model, savings]


def _lines_table(lines: Iterable[dict]) -> Table:
    lines = list(lines)
    columns = list(LINE_COLUMNS)
    for key, label in (("workspace", "Workspace"), ("api_key", "API key")):
        if any(r.get(key) for r in lines):
            columns.insert(6, Column(key, label))
    return Table(LONG_TABLE, "Usage priced by month, model, tier and token type", columns, typed(lines, columns))


def build_usage_report(figures: dict, *, lines: Iterable[dict] = (), charges: Optional[Iterable[dict]] = (),
                       price_sources: Iterable[PriceSource] = ()) -> Report:
    """The usage Report from its figures (the kind's JSON contract: the keys above, plus
    ``catalogue_version``, and the readers' ``assumptions`` and ``warnings``), the long-form
    ``lines``, the FOCUS ``charges`` (None: no charges table) and the ``price_sources`` they
    were priced with."""
    f = {k: v for k, v in figures.items() if k not in RESERVED_KEYS}
    given = list(figures.get("assumptions", []))
    lines = list(lines)
    return Report(kind="usage", title="Claude API usage: actual spend and batch savings",
                  catalogue_version=figures["catalogue_version"], figures=f, headline=_headline(f),
                  tables=[*_tables(f), _lines_table(lines),
                          *([] if charges is None else [charges_table(charges)])], charts=_charts(f),
                  price_sources=list(price_sources),
                  assumptions=[*given, *(m for m in METHOD if m not in given)],
                  warnings=list(figures.get("warnings", [])))


# -- the figures, from the engine's result (calculator/engine) ----------------------------------

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


def _per_request(amount: Decimal, requests: int) -> Decimal:
    """An average per request, to a millionth of a cent: a figure to compare, never summed."""
    return CONTEXT.divide(amount, requests).quantize(Decimal("0.00000001"), context=CONTEXT)


def _cost_key(row: dict):
    return -(row["cost_usd"] if row["cost_usd"] is not None else Decimal(-1))


class _Analysis:
    """The usage contract's figures, long-form lines and rate cards of an engine ``UsageResult``."""

    def __init__(self, result: UsageResult):
        self.result = result

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
            "tokens": dict(r.counts),
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
        requests = self.requests_by_model_tier()
        if requests:
            out["requests_by_model_tier"] = requests
        return out

    def requests_by_model_tier(self) -> list[dict]:
        """Requests per model and service tier, when the data counts them (the Analytics API, a
        mapped CSV): cost per request, and per request what batch saved (batch tier) or would save
        (standard tier). Unpriced usage has no cost per request (never $0)."""
        if self.result.stats.get("rows_without_requests"):
            return []  # their cost would be spread over requests that are not theirs (the reader warns)
        acc: dict[tuple, dict] = {}
        for g in self.result.groups:
            row = acc.setdefault((g.model, g.service_tier), {
                "model": g.model, "service_tier": g.service_tier, "requests": 0, "cost_usd": Decimal(0),
                "batch_savings_usd": Decimal(0), "unpriced_rows": 0})
            row["requests"] += g.counts.get("requests", 0)
            if g.priced:
                row["cost_usd"] += g.money.cost
                row["batch_savings_usd"] += g.money.realised if g.service_tier == "batch" else g.money.missed
            else:
                row["unpriced_rows"] += g.rows
        out = []
        for row in acc.values():
            n = row["requests"]
            if not n:
                continue
            priced = not row["unpriced_rows"]
            out.append({**row, "cost_usd": row["cost_usd"] if priced else None,
                        "batch_savings_usd": row["batch_savings_usd"] if priced else None,
                        "cost_per_request_usd": _per_request(row["cost_usd"], n) if priced else None,
                        "batch_saving_per_request_usd": _per_request(row["batch_savings_usd"], n) if priced else None,
                        "batch_saving": "realised" if row["service_tier"] == "batch" else "missed"})
        return sorted(out, key=lambda r: (r["model"], r["service_tier"]))

    @staticmethod
    def _priced_lines(base: dict, a) -> list[dict]:
        """One line per token type of a priced (or unpriced) group or charge ``a``."""
        rows = []
        for i, col in enumerate(PRICED):
            quantity = a.counts[col]
            if not quantity:
                continue
            name = "web_search" if col == "web_search_requests" else col
            if a.rates is None:
                rows.append({**base, "token_type": name, "quantity": quantity, "unit_price_usd": None,
                             "cost_usd": None, "status": f"unpriced: {getattr(a, 'reason', None) or 'no rate'}"})
                continue
            # Web search: the rate table holds USD per million searches; the unit price is per search.
            unit = a.rates[i].scaleb(-6) if col == "web_search_requests" else a.rates[i]
            rows.append({**base, "token_type": name, "quantity": quantity,
                         "unit_price_usd": unit, "cost_usd": a.line_costs[i], "status": "priced"})
        return rows

    def charges(self) -> Optional[list[dict]]:
        """The FOCUS grain: one line per day x model x tier x token type x workspace x API key
        (None when the engine was not asked for it: see ``UsageOptions.charges``)."""
        if self.result.charges is None:
            return None
        rows = []
        for c in self.result.charges:
            day = dt.date.fromisoformat(c.day)
            rows += self._priced_lines({"period_start": day, "period_end": day + dt.timedelta(days=1),
                                        "model": c.model, "service_tier": c.service_tier,
                                        "context_window": context_name(c.context_tier),
                                        "inference_geo": c.inference_geo, "workspace": c.workspace,
                                        "api_key": c.api_key}, c)
        return rows

    def lines(self) -> list[dict]:
        rows = []
        for a in self.result.groups:
            base = {"month": a.month, "period_start": a.first_day,
                    "period_end": (a.last_day + dt.timedelta(days=1)) if a.last_day else None,
                    "model": a.model, "service_tier": a.service_tier,
                    "context_window": context_name(a.context_tier),
                    "inference_geo": a.inference_geo, "speed": a.speed}
            rows += self._priced_lines(base, a)
        return rows

    def price_sources(self) -> list[PriceSource]:
        seen = {}
        for a in self.result.groups:
            if a.priced and a.key is not None:
                c = a.key
                rates = {("web_search" if col == "web_search_requests" else col):
                         (rate.scaleb(-6) if col == "web_search_requests" else rate)
                         for col, rate in zip(PRICED, a.rates)}
                seen.setdefault((c.model, c.service_tier, c.source, c.checked, c.status, tuple(rates.items())),
                                PriceSource(c.model, c.model, c.service_tier, c.source, c.checked, c.status,
                                            "long-context rates" if c.long_context else "", rates))
        return list(seen.values())


def report_from_analysis(result: UsageResult) -> Report:
    """The usage Report of an engine ``UsageResult``."""
    a = _Analysis(result)
    figures = to_json({"catalogue_version": result.catalogue_version, **a.payload(),
                       "assumptions": list(result.assumptions), "warnings": list(result.warnings)})
    return build_usage_report(figures, lines=a.lines(), charges=a.charges(), price_sources=a.price_sources())


def usage_figures(result: UsageResult) -> dict:
    """The usage contract's figures of an engine ``UsageResult`` (money as Decimals)."""
    return _Analysis(result).payload()


def report_section(inputs: dict, options) -> Report:
    """`batchcalc report` section builder: every usage export given, as one usage report."""
    from calculator.engine import UsageOptions, usage_result

    paths = [str(p) for kind in ("batch_results", "admin_usage", "console_usage") for p in inputs.get(kind, [])]
    result = usage_result(paths, UsageOptions(
        catalogue=options.catalogue, on=options.on, strict=options.strict,
        skip_invalid=bool(options.extra.get("skip_invalid")), since=options.extra.get("since"),
        until=options.extra.get("until"), group_by=tuple(options.extra.get("group_by", ())),
        charges=bool(options.extra.get("charges"))))
    return report_from_analysis(result)
