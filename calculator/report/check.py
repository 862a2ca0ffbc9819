"""The ``check`` report: a request file's verdict before submission, as plain data.

JSON figures (kind ``check``)::

    {"file", "accepted", "within_budget", "verdict",
     "requests", "bytes", "limits": {"max_requests", "max_bytes"}, "batches_needed", "over_limits",
     "duplicate_requests", "duplicate_custom_ids": [{"custom_id", "lines": ["file:line", ...]}],
     "invalid_requests", "invalid": [{"reason", "count", "examples": ["file:line: message"]}],
     "unpriced": {model: requests},
     "cache_prefixes_below_minimum": {"count", "listed": [{"where", "custom_id", "breakpoint",
                                                           "tokens", "minimum"}]},
     "cost": {"worst_case_usd", "expected_usd", "max_cost_usd"},
     "models": [{"model", "requests", "scenario", "worst_case_usd", "expected_usd"}],
     "split": null | {"dir", "files": [{"path", "requests", "bytes"}], "refused"}}

``accepted``: the file (or, with ``--split-to``, each part) would be accepted by the Batches
API; ``within_budget``: null without ``--max-cost``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from calculator.batches.check import CheckResult
from calculator.money import usd
from calculator.report.charges import charges_table, cost_lines, long_table
from calculator.report.model import CHARGE_CONTEXT, Brief, Column, Figure, Headline, Report, Table


def money_text(value: Optional[Decimal]) -> str:
    """Dollars for a sentence: cents, or four places below a dollar so small costs do not read $0.00."""
    if value is None:
        return "unknown"
    return usd(value, 2 if abs(value) >= 1 or value == value.quantize(Decimal("0.01")) else 4)


def verdict(res: CheckResult) -> str:
    """The result in one line (the CLI prints it on standard error when the gate fails)."""
    from calculator.workloads.count import BATCH_MAX_BYTES, BATCH_MAX_REQUESTS

    reasons = []
    if res.over_limits and not res.split:
        reasons.append(f"{res.requests:,} requests / {res.bytes:,} bytes exceed one batch "
                       f"({BATCH_MAX_REQUESTS:,} requests, {BATCH_MAX_BYTES:,} bytes; --split-to DIR "
                       f"writes {res.batches_needed} valid batches)")
    if res.duplicates:
        reasons.append(f"{len(res.duplicates):,} custom_id(s) used more than once")
    if res.invalid:
        reasons.append(f"{res.invalid_requests:,} invalid request(s)")
    cost = f"worst case {money_text(res.worst_usd)}, expected {money_text(res.expected_usd)}"
    budget = ""
    if res.options.max_cost is not None and res.over_budget:
        if res.unpriced or res.worst_usd is None:
            budget = (f"over budget: cannot verify --max-cost {money_text(res.options.max_cost)}: "
                      f"{sum(res.unpriced.values()):,} request(s) cannot be priced ({cost})")
        else:
            budget = (f"over budget: worst case {money_text(res.worst_usd)} exceeds --max-cost "
                      f"{money_text(res.options.max_cost)} (expected case {money_text(res.expected_usd)})")
    if reasons:
        text = "rejected: " + "; ".join(reasons)
        return text + (f"; {budget}" if budget else f" ({cost})")
    if budget:
        return budget
    where = f"in {len(res.split)} file(s) under {res.options.split_to}" if res.split else "in one batch"
    return f"ok: {res.requests:,} requests {where}, {cost}"


def build_check_report(res: CheckResult, catalogue_version: str) -> Report:
    from calculator.workloads.count import BATCH_MAX_BYTES, BATCH_MAX_REQUESTS

    opts = res.options
    line = verdict(res)
    figures = {
        "file": res.source,
        "accepted": not res.rejected,
        "within_budget": None if opts.max_cost is None else not res.over_budget,
        "verdict": line,
        "requests": res.requests,
        "bytes": res.bytes,
        "limits": {"max_requests": BATCH_MAX_REQUESTS, "max_bytes": BATCH_MAX_BYTES},
        "batches_needed": res.batches_needed,
        "over_limits": res.over_limits,
        "duplicate_requests": res.duplicate_requests,
        "duplicate_custom_ids": [{"custom_id": d.custom_id, "lines": d.wheres} for d in res.duplicates],
        "invalid_requests": res.invalid_requests,
        "invalid": [{"reason": g.reason, "count": g.count, "examples": g.examples} for g in res.invalid],
        "unpriced": dict(res.unpriced),
        "cache_prefixes_below_minimum": {
            "count": res.short_prefix_count,
            "listed": [{"where": w, "custom_id": c, "breakpoint": b, "tokens": t, "minimum": m}
                       for w, c, b, t, m in res.short_prefixes]},
        "cost": {"worst_case_usd": res.worst_usd, "expected_usd": res.expected_usd,
                 "max_cost_usd": opts.max_cost},
        "models": [{"model": m.model, "requests": m.requests, "scenario": m.scenario,
                    "worst_case_usd": m.worst_usd, "expected_usd": m.expected_usd} for m in res.models],
        "split": None if not opts.split_to else {
            "dir": opts.split_to, "refused": res.split_refused,
            "files": [{"path": f.path, "requests": f.requests, "bytes": f.bytes} for f in res.split]},
    }

    problems = []
    if res.over_limits:
        problems.append({"problem": not res.split, "kind": "limits", "where": res.source,
                         "detail": f"{res.requests:,} requests, {res.bytes:,} bytes: one batch holds "
                                   f"{BATCH_MAX_REQUESTS:,} requests and {BATCH_MAX_BYTES:,} bytes; "
                                   f"{res.batches_needed} batches needed"
                                   + (" (split into valid files)" if res.split else "")})
    for d in res.duplicates:
        problems.append({"problem": True, "kind": "duplicate custom_id", "where": ", ".join(d.wheres),
                         "detail": f"custom_id {d.custom_id!r} is used {len(d.wheres)} times"})
    for g in res.invalid:
        for ex in g.examples:
            problems.append({"problem": True, "kind": g.reason, "where": ex.split(": ", 1)[0],
                             "detail": ex.split(": ", 1)[-1]})
        if g.count > len(g.examples):
            problems.append({"problem": True, "kind": g.reason, "where": "",
                             "detail": f"... and {g.count - len(g.examples):,} more"})
    for model, n in sorted(res.unpriced.items()):
        problems.append({"problem": False, "kind": "unpriced model", "where": res.source,
                         "detail": f"{n:,} request(s) for {model!r}: no price on {opts.on.isoformat()}"})
    tables = [Table("problems", "What the Batches API would reject",
                    [Column("kind", "Problem"), Column("where", "Where"), Column("detail", "Detail")],
                    problems, caption=None if problems else "Nothing: the file would be accepted.",
                    flag="problem")]
    if res.models:
        tables.append(_costs_table(res))
    lines = [row for m in res.models for scenario, costs in (("worst case", m.worst_costs),
                                                              ("expected", m.expected_costs))
             for c in costs for row in cost_lines(c, scenario=scenario, period_start=opts.on)]
    if lines:
        tables.append(long_table(
            "Charges of the worst and the expected case", [Column("scenario", "Case"),
                                                           Column("period_start", "Priced on", "date")],
            lines, caption="An estimate (nothing is billed yet): filter on the case before summing."))
        # FOCUS: the expected case alone (the two cases summed would count the file twice).
        tables.append(charges_table(({**line, "x_Case": "expected"} for line in lines
                                     if line["scenario"] == "expected"), [Column("x_Case", "Case")]))
    if res.short_prefixes:
        more = res.short_prefix_count - len(res.short_prefixes)
        tables.append(Table(
            "short_prefixes", "cache_control prefixes below the minimum cacheable length (not cached)",
            [Column("where", "Where"), Column("custom_id", "custom_id"), Column("breakpoint", "Breakpoint", "int"),
             Column("tokens", "Prefix tokens (est.)", "tokens"), Column("minimum", "Minimum", "tokens")],
            [{"where": w, "custom_id": c, "breakpoint": b, "tokens": t, "minimum": m}
             for w, c, b, t, m in res.short_prefixes],
            caption=f"... and {more:,} more" if more > 0 else None))
    if res.split:
        tables.append(Table("split", f"Valid batches written to {opts.split_to}",
                            [Column("path", "File"), Column("requests", "Requests", "int"),
                             Column("bytes", "Bytes", "int")],
                            [{"path": f.path, "requests": f.requests, "bytes": f.bytes} for f in res.split]))

    bad = res.exit_code != 0
    figs = [Figure("Requests", res.requests, "int", f"{res.bytes:,} bytes"),
            Figure("Worst case", res.worst_usd, "money", "all max_tokens, no cache hit, batch rates",
                   "bad" if res.over_budget else "neutral"),
            Figure("Expected", res.expected_usd, "money", "the output assumption, expected cache hits")]
    if opts.max_cost is not None:
        figs.append(Figure("Budget", opts.max_cost, "money", "--max-cost", "bad" if res.over_budget else "good"))
    warnings = list(res.warnings)
    if res.split_refused:
        warnings.append(res.split_refused)
    return Report(
        kind="check", title=f"Batch check: {res.source}", catalogue_version=catalogue_version,
        figures=figures,
        headline=Headline(figs, recommendation=line, scope=f"{res.source}, priced on {opts.on.isoformat()}",
                          brief=Brief("Batch check", line, "bad" if bad else "good")),
        tables=tables, assumptions=list(res.assumptions), warnings=warnings, exit_code=res.exit_code,
        meta={"file": res.source, "on": opts.on,
              CHARGE_CONTEXT: {"period_start": opts.on.isoformat(), "estimate_source": "batchcalc check"}})


def _costs_table(res: CheckResult) -> Table:
    return Table(
        "costs", "Cost at batch rates",
        [Column("model", "Model"), Column("requests", "Requests", "int"),
         Column("scenario", "Priced as"), Column("worst_case_usd", "Worst case", "money"),
         Column("expected_usd", "Expected", "money")],
        [{"model": m.model, "requests": m.requests, "scenario": m.scenario,
          "worst_case_usd": m.worst_usd, "expected_usd": m.expected_usd} for m in res.models]
        + ([{"model": "Total", "requests": sum(m.requests for m in res.models), "scenario": "",
             "worst_case_usd": res.worst_usd, "expected_usd": res.expected_usd}] if len(res.models) > 1 else []),
        caption="Worst case: all max_tokens used, every cacheable prefix written.")
