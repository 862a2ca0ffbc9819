"""`batchcalc reconcile`: expected against billed, line by line, as a Report (exit code 3 beyond tolerance).

JSON contract (``kind: "reconcile"``), money as exact decimal strings, ``token_type`` in the Admin
API's names (uncached_input_tokens, output_tokens, cache_read_input_tokens,
cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens; web_search;
"all" when the bill has no token types)::

    {"schema_version", "catalogue_version",
     "totals": {"expected_usd", "billed_usd", "residual_usd"},
     "lines": [{"date", "model", "token_type", "service_tier", "context_window", "workspace",
                "expected_usd", "billed_usd", "residual_usd", "residual_percent",
                "within_tolerance", "diagnosis", "tokens", "list_price_usd", "rows_summed",
                "tolerance_usd"}],
     "unmatched": {"usage": [...], "costs": [...]}, "not_reconciled": [...],
     "lines_outside_tolerance", "level", "tolerance", "contract", "constant_ratio", "warnings",
     "usage_rows", "cost_lines", "usage_rows_skipped", "cost_lines_skipped"}

With --skip-invalid, skipped usage rows and cost lines are counted (``*_skipped``) and listed in
``warnings``: a bad line never disappears from the bill without a trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from decimal import Decimal

from calculator.money import usd
from calculator.reconciling import Line, ReconcileResult
from calculator.report_legacy import Brief, Chart, Column, Figure, Headline, Report, Series, Table
from calculator.engine.normalise import CONTEXT_WINDOW_NAMES

LINE_COLUMNS = [Column("date", "Date", "date"), Column("model", "Model"), Column("token_type", "Token type"),
                Column("service_tier", "Tier"), Column("context_window", "Context"),
                Column("expected_usd", "Expected", "money"), Column("billed_usd", "Billed", "money"),
                Column("residual_usd", "Residual", "money"), Column("residual_percent", "Residual %", "percent"),
                Column("diagnosis", "Diagnosis")]


# Display names of the Admin API token types in the tables people read (JSON, CSV and FOCUS keep
# the Admin API names).
TOKEN_TYPE_LABELS = {"uncached_input_tokens": "input (uncached)", "output_tokens": "output",
                     "cache_read_input_tokens": "cache read",
                     "cache_creation.ephemeral_5m_input_tokens": "cache write 5m",
                     "cache_creation.ephemeral_1h_input_tokens": "cache write 1h", "web_search": "web search"}


def display_line(line: Line) -> dict:
    d = line_dict(line)
    d["token_type"] = TOKEN_TYPE_LABELS.get(d["token_type"], d["token_type"])
    d["tier_context"] = ", ".join(x for x in (d["service_tier"], d["context_window"]) if x)
    return d


# The display tables: service tier and context window in one column, so that the diagnosis has
# room to be read on a laptop without scrolling sideways.
DISPLAY_COLUMNS = [*LINE_COLUMNS[:3], Column("tier_context", "Tier, context"), *LINE_COLUMNS[5:]]


def line_dict(line: Line) -> dict:
    k = line.key
    ctx = k.get("context_window")
    return {"date": k["date"], "model": k.get("model"), "token_type": k.get("token_type"),
            "service_tier": k.get("service_tier"), "context_window": CONTEXT_WINDOW_NAMES.get(ctx, ctx),
            "workspace": k.get("workspace"), "expected_usd": line.expected, "billed_usd": line.billed,
            "residual_usd": line.residual, "residual_percent": line.residual_percent,
            "within_tolerance": line.within, "diagnosis": line.diagnosis, "tokens": line.tokens,
            "list_price_usd": line.list_price, "rows_summed": line.rows, "tolerance_usd": line.tolerance}


@dataclass
class ReconcileReport(Report):
    result: Optional[ReconcileResult] = None

    def payload(self) -> dict:
        r = self.result
        c = r.contract
        return {
            "totals": {"expected_usd": r.expected_total, "billed_usd": r.billed_total,
                       "residual_usd": r.residual_total},
            "lines_outside_tolerance": len(r.outside),
            "level": list(r.level),
            "tolerance": {"absolute_usd": r.tolerance.absolute, "relative_percent": r.tolerance.relative_percent},
            "contract": None if c is None else {"path": c.path, "discount_percent": c.discount_percent,
                                                "models": c.models, "effective_from": c.effective_from,
                                                "effective_to": c.effective_to},
            "constant_ratio": r.constant_ratio,
            "model_ratios": r.model_ratios,
            "usage_rows": r.usage_rows,
            "cost_lines": r.cost_lines,
            "usage_rows_skipped": r.usage_rows_skipped,
            "cost_lines_skipped": r.cost_lines_skipped,
            "lines": [line_dict(l) for l in r.lines],
            "unmatched": {"usage": [line_dict(l) for l in r.unmatched_usage],
                          "costs": [line_dict(l) for l in r.unmatched_costs]},
            "not_reconciled": [line_dict(l) for l in r.not_reconciled],
        }

    def tables(self) -> list[Table]:
        r = self.result
        out = []
        bad = [display_line(l) for l in r.outside]
        if bad:
            out.append(Table("outside_tolerance", f"Outside tolerance ({len(bad)})", DISPLAY_COLUMNS, bad,
                             caption="Query these lines with Anthropic: the diagnosis says what the bill "
                                     "seems to have applied.", cards=True))
        out.append(Table("lines", "Matched lines", DISPLAY_COLUMNS, [display_line(l) for l in r.lines]))
        if r.unmatched_usage:
            out.append(Table("unmatched_usage", "Usage with no bill line", DISPLAY_COLUMNS,
                             [display_line(l) for l in r.unmatched_usage]))
        if r.unmatched_costs:
            out.append(Table("unmatched_costs", "Bill lines with no usage", DISPLAY_COLUMNS,
                             [display_line(l) for l in r.unmatched_costs]))
        if r.not_reconciled:
            out.append(Table("not_reconciled", "Listed, not reconciled", DISPLAY_COLUMNS,
                             [display_line(l) for l in r.not_reconciled]))
        return out

    def long_table(self) -> Table:
        r = self.result
        rows = []
        for match, ls in (("matched", r.lines), ("usage_only", r.unmatched_usage), ("costs_only", r.unmatched_costs),
                          ("not_reconciled", r.not_reconciled)):
            rows += [{"match": match, **line_dict(l)} for l in ls]
        cols = [Column("match", "Match"), *LINE_COLUMNS[:5], Column("workspace", "Workspace"),
                *LINE_COLUMNS[5:9], Column("within_tolerance", "Within tolerance"), LINE_COLUMNS[9],
                Column("tokens", "Quantity", "int"), Column("list_price_usd", "List price", "money")]
        return Table("reconciliation", "Reconciliation, every line", cols, rows)

    # -- presentation hooks (HTML page) ---------------------------------------------------------
    def headline(self) -> Headline:
        r = self.result
        outside = r.outside
        figures = [
            Figure("Expected", r.expected_total, detail="the usage at the published rates"
                   + (" less the contract discount" if r.contract else "")),
            Figure("Billed", r.billed_total, detail=f"{r.cost_lines:,} cost lines"),
            Figure("Residual", r.residual_total, tone="bad" if outside else "good",
                   detail="billed minus expected"),
            Figure("Lines outside tolerance", len(outside), kind="int", tone="bad" if outside else "good",
                   detail=f"tolerance {usd(r.tolerance.absolute)} per line"
                          + (f" or {r.tolerance.relative_percent}%" if r.tolerance.relative_percent else "")),
        ]
        rec = "The bill matches the published rates." if not outside else ""
        if outside:
            worst = max(outside, key=lambda l: abs(l.residual or 0))
            rec = (f"Query the bill: {len(outside)} line(s) outside tolerance; the largest, "
                   f"{worst.key.get('model') or ''} {worst.key.get('token_type')} on {worst.key['date']}, "
                   f"is off by {usd(worst.residual)}" + (f": {worst.diagnosis}." if worst.diagnosis else "."))
        res = r.residual_total
        brief = Brief("Invoice check", (
            f"{len(outside)} line{'s' if len(outside) != 1 else ''} outside tolerance, {usd(abs(res))} "
            f"{'over' if res > 0 else 'under'} (billed {usd(r.billed_total)} against {usd(r.expected_total)} expected)."
            if outside else f"the bill matches the published rates (billed {usd(r.billed_total)}, expected "
                            f"{usd(r.expected_total)})."), tone="bad" if outside else "good")
        return Headline(figures, rec, "Joined on " + " x ".join(r.level) + ".", brief=brief)

    def charts(self) -> list[Chart]:
        r = self.result
        days: dict = {}
        for l in (*r.lines, *r.unmatched_usage, *r.unmatched_costs):
            e, b, bad = days.get(l.key["date"], (Decimal(0), Decimal(0), False))
            days[l.key["date"]] = (e + (l.expected or 0) if l.exp is None or not l.exp.unpriced else e,
                                   b + (l.billed if l.exp is None or not l.exp.unpriced else 0), bad or not l.within)
        if not days:
            return []
        order = sorted(days)
        return [Chart("expected_vs_billed", "Expected vs billed by day", "line", [d.isoformat() for d in order],
                      [Series("Expected", [days[d][0] for d in order], role="expected"),
                       Series("Billed", [days[d][1] for d in order], role="billed")],
                      caption="Days with a line outside tolerance are flagged.",
                      flagged=[i for i, d in enumerate(order) if days[d][2]])]

    @property
    def exit_code(self) -> int:
        return 3 if self.result.outside else 0


def build_reconcile_report(result: ReconcileResult) -> ReconcileReport:
    outside = result.outside
    summary = [
        ("Expected (catalogue rates)", usd(result.expected_total)),
        ("Billed", usd(result.billed_total)),
        ("Residual", usd(result.residual_total) + (" (exact: " + str(result.residual_total) + ")"
                                                    if result.residual_total and abs(result.residual_total) < 1 else "")),
        ("Lines", f"{len(result.lines):,} matched, {len(result.unmatched_usage):,} usage only, "
                  f"{len(result.unmatched_costs):,} bill only"),
        ("Outside tolerance", f"{len(outside):,}" + (" (exit code 3)" if outside else "")),
    ]
    return ReconcileReport(kind="reconcile", title="Invoice reconciliation: expected vs billed",
                           catalogue_version=result.catalogue_version, summary=summary,
                           assumptions=result.assumptions, warnings=result.warnings, result=result)


def report_section(inputs: dict, options) -> "ReconcileReport":
    """`batchcalc report` section builder: the cost reports given, against the usage exports given."""
    from calculator.contract import load_contract
    from calculator.engine import UsageOptions
    from calculator.errors import InputError
    from calculator.reconciling import Tolerance, reconcile_inputs

    costs = [str(p) for kind in ("admin_cost", "console_cost") for p in inputs.get(kind, [])]
    usage = [str(p) for kind in ("batch_results", "admin_usage", "console_usage") for p in inputs.get(kind, [])]
    if not usage:
        kinds = " and ".join(k for k, key in (("an Admin API cost report (JSON)", "admin_cost"),
                                              ("a Console cost export (CSV)", "console_cost")) if inputs.get(key))
        raise InputError(f"{kinds} is reconciled against the usage it bills: give the usage export too",
                         path=costs[0])
    tol = options.extra.get("tolerance") or Tolerance()
    contract = options.extra.get("contract")
    if contract is not None and not hasattr(contract, "factor"):
        contract = load_contract(contract, options.catalogue)
    usage_options = UsageOptions(catalogue=options.catalogue, on=options.on, strict=options.strict,
                                 skip_invalid=bool(options.extra.get("skip_invalid")),
                                 since=options.extra.get("since"), until=options.extra.get("until"))
    return build_reconcile_report(reconcile_inputs(usage, costs, usage_options, tolerance=tol, contract=contract))
