"""The ``batches`` report: what each Message Batch cost and how it ran, as plain data.

JSON figures (kind ``batches``; money as exact decimal strings, rates and ratios as decimal
strings of fractions, 0.5 = 50%)::

    {"batches": [{"id", "processing_status", "created_at", "ended_at", "priced_on",
                  "requests": {"succeeded", "errored", "canceled", "expired"},
                  "error_rate", "error_types": {type: n}, "turnaround_seconds",
                  "cost_usd", "standard_equivalent_usd", "savings_usd",
                  "cost_per_request_usd", "standard_cost_per_request_usd", "cost_per_request_ratio",
                  "cache": {"read_tokens", "write_tokens"}, "usage": {...}, "unpriced_requests",
                  "flags": [...]}],
     "totals": {"batches", "requests": {...}, "error_rate", "error_types",
                "turnaround_seconds": {"median", "p95", "max"}, "cost_usd",
                "standard_equivalent_usd", "savings_usd", "cost_per_request_usd",
                "standard_cost_per_request_usd", "cost_per_request_ratio", "cache", "usage",
                "unpriced_requests", "flagged_batches", "flags"},
     "retry": null | {"path", "map_path", "requests", "by_reason", "missing",
                      "worst_case_usd", "expected_usd"},
     "not_retryable": {"count", "listed": [{"batch_id", "custom_id", "error_type", "message"}]}}

``cost_usd`` etc. are null for a batch without results. Flags are named in
:mod:`calculator.batches.results`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from calculator.batches.results import (FLAG_ERROR_RATE, FLAG_NEAR_LIMIT, FLAG_NO_DISCOUNT, FLAG_NOT_HALF,
                                        FLAG_SLOW, RETRYABLE_ERRORS, SLOW_SECONDS, BatchesResult, BatchFigures)
from calculator.money import usd
from calculator.report.charges import charges_table, cost_lines, long_table
from calculator.report.model import (Brief, Chart, Column, Figure, Headline, PriceSource, Report, Series,
                                     Table)

FLAG_TEXT = {
    "error_rate_above_1_percent": "error rate above 1%",
    "turnaround_over_1_hour": "took over 1 hour",
    "turnaround_near_24_hours": "close to the 24-hour limit",
    "cost_not_half_of_standard": "cost is not half the standard price",
    "billed_without_batch_discount": "billed without the batch discount",
    "fast_mode": "fast mode (never batch-priced)",
    "expired_requests": "expired requests",
    "canceled_requests": "canceled requests",
    "unpriced_requests": "requests that cannot be priced",
    "no_results": "no results file",
    "not_ended": "still processing",
    "request_counts_differ_from_results": "request counts differ from the results",
}


def duration(seconds: Optional[int]) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds} s"
    h, rest = divmod(seconds, 3600)
    m = rest // 60
    return f"{h} h {m:02d} min" if h else f"{m} min"


def short_id(batch_id: str) -> str:
    """A chart label: batch ids are long (msgbatch_ + 24 characters); the tail tells them apart."""
    return batch_id if len(batch_id) <= 16 else "…" + batch_id[-10:]


def _batch_figures(b: BatchFigures) -> dict:
    u = b.usage
    out = {"requests": dict(b.requests), "error_rate": b.error_rate, "error_types": dict(b.error_types),
           "cost_usd": b.cost, "standard_equivalent_usd": b.standard, "savings_usd": b.savings,
           "cost_per_request_usd": b.per_request(b.cost),
           "standard_cost_per_request_usd": b.per_request(b.standard),
           "cost_per_request_ratio": b.ratio,
           "cache": {"read_tokens": u.cache_read, "write_tokens": u.cache_write_5m + u.cache_write_1h},
           "usage": u.as_dict(), "unpriced_requests": b.unpriced_requests, "flags": list(b.flags)}
    return out


def _per_1k(b: BatchFigures) -> Optional[Decimal]:
    per = b.per_request(b.cost)
    return None if per is None else per * 1000


def _row(b: BatchFigures) -> dict:
    o = b.obj
    return {"flagged": bool(b.flags), "flags_raw": list(b.flags), "id": b.id,
            "created": o.created_at.date() if o else None, "per_1k": _per_1k(b),
            "status": o.processing_status if o else "results only",
            **b.requests, "error_rate": b.error_rate, "turnaround": duration(b.turnaround_seconds),
            "cost": b.cost, "standard": b.standard, "savings": b.savings, "ratio": b.ratio,
            "cache_read": b.usage.cache_read, "cache_write": b.usage.cache_write_5m + b.usage.cache_write_1h,
            "flags": ", ".join(FLAG_TEXT.get(f, f) for f in b.flags)}


_RUN_KEYS = ("flagged", "id", "created", "status", "succeeded", "errored", "canceled", "expired",
             "error_rate", "turnaround", "flags")


def _strip(row: dict) -> dict:
    """The keys of the "batches" table: a non-column key travels as plain JSON, so money stays
    in the "costs" table, whose columns type it."""
    return {k: row[k] for k in (*_RUN_KEYS, "total") if k in row}


def _recommendation(res: BatchesResult) -> str:
    t = res.total
    parts = []
    if FLAG_NO_DISCOUNT in t.flags or FLAG_NOT_HALF in t.flags:
        n = sum(1 for b in res.batches if FLAG_NOT_HALF in b.flags)
        parts.append(f"{n} batch(es) did not cost half the standard price: check the results' service_tier "
                     f"(standard means no batch discount) and fast mode")
    if FLAG_ERROR_RATE in t.flags:
        parts.append(f"error rate above 1% in {sum(1 for b in res.batches if FLAG_ERROR_RATE in b.flags)} "
                     f"batch(es): investigate the error types")
    redo = sum(len(b.tally.retry) for b in res.batches if b.tally)
    if redo:
        parts.append(f"{redo:,} request(s) errored transiently or expired: resubmit them "
                     f"(--requests ORIGINAL --retry-to retry.jsonl)" if res.retry is None else
                     f"{res.retry.requests:,} request(s) written to {res.retry.path} for resubmission")
    if FLAG_NEAR_LIMIT in t.flags:
        parts.append("a batch came close to the 24-hour limit: split large batches or submit earlier")
    if not parts:
        return (f"All {len(res.batches)} batch(es) billed at half the standard price, error rate "
                f"{_pct(t.error_rate)}.")
    return "; ".join(parts) + "."


def _pct(rate: Optional[Decimal]) -> str:
    return "n/a" if rate is None else f"{rate * 100:.2f}%"


def build_batches_report(res: BatchesResult, catalogue, catalogue_version: str) -> Report:
    t = res.total
    batches_json = []
    for b in res.batches:
        o = b.obj
        batches_json.append({"id": b.id, "processing_status": o.processing_status if o else None,
                             "created_at": o.created_at if o else None, "ended_at": o.ended_at if o else None,
                             "priced_on": b.on, "turnaround_seconds": b.turnaround_seconds,
                             **_batch_figures(b)})
    totals = {"batches": len(res.batches), **_batch_figures(t),
              "turnaround_seconds": {"median": res.turnaround["median"], "p95": res.turnaround["p95"],
                                     "max": res.turnaround["max"]},
              "flagged_batches": sum(1 for b in res.batches if b.flags)}
    r = res.retry
    figures = {
        "batches": batches_json, "totals": totals,
        "retry": None if r is None else {
            "path": r.path, "map_path": r.map_path, "requests": r.requests, "by_reason": r.by_reason,
            "missing": r.missing, "worst_case_usd": r.worst_usd, "expected_usd": r.expected_usd},
        "not_retryable": {"count": res.not_retryable_count, "listed": [
            {"batch_id": bid, "custom_id": e.custom_id, "error_type": e.error_type, "message": e.message}
            for bid, e in res.not_retryable]},
    }

    rows = [_row(b) for b in res.batches]
    if len(res.batches) > 1:
        rows.append({**_row(t), "flagged": False, "total": True, "id": "Total", "created": None, "status": "",
                     "turnaround": f"median {duration(res.turnaround['median'])}" if res.turnaround["median"]
                     is not None else "", "flags": ""})
    tables = [
        Table("batches", "How the batches ran",
              [Column("id", "Batch"), Column("created", "Created", "date"), Column("status", "Status"),
               Column("succeeded", "Succeeded", "int"), Column("errored", "Errored", "int"),
               Column("canceled", "Canceled", "int"), Column("expired", "Expired", "int"),
               Column("error_rate", "Error rate", "percent"), Column("turnaround", "Turnaround"),
               Column("flags", "Flags")],
              [_strip(r) for r in rows], flag="flagged", total="total",
              caption="Flagged: error rate above 1%, over 1 hour, near the 24-hour limit, not half price, "
                      "expired or canceled requests (not billed, to be redone)."),
        Table("costs", "What the batches cost",
              [Column("id", "Batch"), Column("cost", "Cost", "money"),
               Column("standard", "At standard rates", "money"), Column("savings", "Saving", "money"),
               Column("per_1k", "Per 1,000 requests", "money"), Column("ratio", "Of standard", "percent"),
               Column("cache_read", "Cache reads", "tokens"), Column("cache_write", "Cache writes", "tokens")],
              [{k: row[k] for k in ("id", "cost", "standard", "savings", "per_1k", "ratio", "cache_read",
                                    "cache_write", "total") if k in row}
               for row in rows if row["cost"] is not None or row.get("total")], total="total",
              caption="Per 1,000 requests: per 1,000 succeeded requests (a request costs fractions of a "
                      "cent). Of standard: that cost against the same usage at standard rates; 50% is the "
                      "batch discount.")]
    err_rows = [{"batch": b.id, "error_type": et, "requests": n,
                 "retryable": "yes" if et in RETRYABLE_ERRORS else "no"}
                for b in res.batches for et, n in b.error_types.items()]
    err_rows += [{"batch": b.id, "error_type": "expired", "requests": b.requests["expired"], "retryable": "yes"}
                 for b in res.batches if b.requests["expired"]]
    if err_rows:
        tables.append(Table("errors", "Errored and expired requests",
                            [Column("batch", "Batch"), Column("error_type", "Type"),
                             Column("requests", "Requests", "int"), Column("retryable", "Resubmit")], err_rows))
    if res.not_retryable:
        more = res.not_retryable_count - len(res.not_retryable)
        tables.append(Table("not_retryable", "Errors to look at (not resubmitted: they would fail again)",
                            [Column("batch_id", "Batch"), Column("custom_id", "custom_id"),
                             Column("error_type", "Type"), Column("message", "Message")],
                            [{"batch_id": bid, "custom_id": e.custom_id, "error_type": e.error_type,
                              "message": e.message} for bid, e in res.not_retryable],
                            caption=f"... and {more:,} more" if more > 0 else None))
    if r is not None:
        tables.append(Table("retry", "Resubmission",
                            [Column("path", "File"), Column("map_path", "custom_id mapping"),
                             Column("requests", "Requests", "int"), Column("reasons", "Why"),
                             Column("worst_case_usd", "Worst case", "money"),
                             Column("expected_usd", "Expected", "money")],
                            [{"path": r.path, "map_path": r.map_path, "requests": r.requests,
                              "reasons": ", ".join(f"{k} {v:,}" for k, v in r.by_reason.items()),
                              "worst_case_usd": r.worst_usd, "expected_usd": r.expected_usd}],
                            cards=True))

    lines = []
    for b in res.batches:
        start = b.obj.created_at.date() if b.obj else b.on
        ended = b.obj.ended_at.date() if b.obj and b.obj.ended_at else start
        for geo, billed, standard in b.charges:
            std = {line.token_type: line.cost for line in standard.lines}
            lines += [{**row, "inference_geo": geo, "standard_cost_usd": std.get(row["token_type"]), "ended": ended}
                      for row in cost_lines(billed, batch_id=b.id, period_start=start,
                                            period_end=ended + dt.timedelta(days=1))]
    if lines:
        tables.append(long_table(
            "Charges per batch, model and token type",
            [Column("batch_id", "Batch"), Column("period_start", "From", "date"), Column("period_end", "To", "date")],
            lines, [Column("standard_cost_usd", "At standard rates", "money")],
            caption="Each batch priced at the rates of the day it was created; To is exclusive."))
        # FOCUS: each batch's usage on the day it ended (when its results, and its charges, exist);
        # billed_cost stays empty: results are usage, not a bill.
        tables.append(charges_table(
            ({**line, "period_start": line["ended"], "period_end": None, "x_BatchId": line["batch_id"],
              "x_StandardCost": line["standard_cost_usd"]} for line in lines),
            [Column("x_BatchId", "Batch"), Column("x_StandardCost", "At standard rates", "money")]))

    ended = [b for b in res.batches if b.turnaround_seconds is not None]
    charts = []
    if ended:
        charts.append(Chart("turnaround", "Turnaround per batch (created to ended)", "bar",
                            [short_id(b.id) for b in ended], [Series("Turnaround", [b.turnaround_seconds for b in ended],
                                                           role="batch")],
                            unit="seconds", caption="Most batches finish within 1 hour; all within 24 hours.",
                            flagged=[i for i, b in enumerate(ended) if b.turnaround_seconds > SLOW_SECONDS]))
    priced = [b for b in res.batches if b.cost is not None]
    if priced:
        charts.append(Chart("savings", "Cost and saving per batch (the bar is the standard price)",
                            "stacked_bar", [short_id(b.id) for b in priced],
                            [Series("Batch cost", [b.cost for b in priced], role="batch"),
                             Series("Saving", [b.savings for b in priced], role="savings")],
                            flagged=[i for i, b in enumerate(priced) if FLAG_NOT_HALF in b.flags]))
    counted = [b for b in res.batches if b.total]
    if counted:
        charts.append(Chart("error_rate", "Error rate per batch", "bar", [short_id(b.id) for b in counted],
                            [Series("Error rate", [b.error_rate for b in counted], role="errors")],
                            unit="percent", caption="Above 1% is worth investigating.",
                            flagged=[i for i, b in enumerate(counted) if FLAG_ERROR_RATE in b.flags]))

    median = res.turnaround["median"]
    figs = [Figure("Cost", t.cost, "money", f"{len(res.batches)} batch(es), {t.priced_requests:,} succeeded requests"),
            Figure("Saving", t.savings, "money", "against the same usage at standard rates",
                   "good" if t.savings and t.savings > 0 else "neutral"),
            Figure("Error rate", t.error_rate, "percent", f"{t.requests['errored']:,} errored",
                   "bad" if FLAG_ERROR_RATE in t.flags else "neutral"),
            Figure("Median turnaround", duration(median) or "n/a", "text",
                   f"p95 {duration(res.turnaround['p95'])}, max {duration(res.turnaround['max'])}" if median is not None
                   else "", "bad" if FLAG_SLOW in t.flags else "neutral")]
    recommendation = _recommendation(res)
    bad = any(b.flags for b in res.batches)
    brief_text = (f"{len(res.batches)} batch(es), {usd(t.cost) if t.cost is not None else 'no results'}"
                  f"{', ' + usd(t.savings) + ' saved' if t.savings is not None else ''}; "
                  f"{sum(1 for b in res.batches if b.flags)} flagged")
    return Report(
        kind="batches", title="Message Batches: cost and how they ran", catalogue_version=catalogue_version,
        figures=figures,
        headline=Headline(figs, recommendation, scope=f"{len(res.batches)} batch(es)",
                          brief=Brief("Batches", brief_text, "bad" if bad else "good")),
        tables=tables, charts=charts, price_sources=_price_sources(res, catalogue),
        assumptions=list(res.assumptions), warnings=list(res.warnings), exit_code=0,
        meta={"batches": len(res.batches)})


def _price_sources(res: BatchesResult, catalogue) -> list[PriceSource]:
    from calculator.costing import TOKEN_COLUMNS
    from calculator.errors import InvalidUsageError, ModelError

    seen = {}
    for b in res.batches:
        if b.tally is None:
            continue
        for (model, tier, _long, _geo, speed) in b.tally.usage:
            key = (model, "standard" if speed == "fast" else tier, b.on)
            if key in seen or model in b.unpriced_models:
                continue
            try:
                resolved = catalogue.resolve(model, b.on, service_tier=key[1])
            except (ModelError, InvalidUsageError):  # unpriced: warned with the batch
                continue
            card = resolved.card
            seen[key] = PriceSource(resolved.model.id, resolved.model.display_name, key[1], card.source,
                                    card.checked, card.status, card.note or "",
                                    {k: resolved.rates.get(v) for k, v in TOKEN_COLUMNS.items()})
    return list(seen.values())


def report_section(inputs: dict, options) -> Report:
    """`batchcalc report` section builder: the batch objects given with their results files
    (``options.batch_results``, paired by :func:`calculator.inputs.pair_batch_results`), as
    `batchcalc batches` reports them."""
    from dataclasses import replace

    from calculator.batches.results import BatchesOptions, analyse_batches
    from calculator.errors import ModelError

    paired = {bid: str(p) for bid, p in options.batch_results.items()}
    res = analyse_batches(BatchesOptions(files=[str(p) for p in inputs.get("batch_objects", [])], results=paired,
                                         on=options.on), options.catalogue)
    if options.strict and res.total.unpriced_requests:
        b = next(b for b in res.batches if b.unpriced_requests)
        raise ModelError(f"{res.total.unpriced_requests:,} succeeded batch request(s) cannot be priced "
                         f"(--strict): batch {b.id}, {', '.join(sorted(b.unpriced_models))}")
    report = build_batches_report(res, options.catalogue, options.catalogue.version)
    assumptions, warnings = list(report.assumptions), list(report.warnings)
    if paired:
        assumptions.append("The results files of the batch objects given are counted in this part only, not in "
                           "the usage part: a usage export of the same days already holds that batch traffic.")
    others = [str(p) for p in inputs.get("batch_results", [])]
    missing = [b.id for b in res.batches if b.tally is None]
    if others and missing:
        warnings.append(f"no results file for batch(es) {', '.join(missing)}: name it msgbatch_<id>.jsonl or give "
                        f"--results ID=FILE; {', '.join(others)} is counted in the usage part")
    return replace(report, assumptions=assumptions, warnings=warnings)
