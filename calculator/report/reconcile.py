"""`batchcalc reconcile` as a Report: expected against billed, line by line (exit code 3 beyond tolerance).

``build_reconcile_report(figures)`` writes the report from the kind's JSON contract alone (a
saved JSON is rendered again the same way); ``report_from_reconciliation`` turns the result of
``calculator.reconcile.reconcile`` into those figures.

JSON contract (``kind: "reconcile"``), money as exact decimal strings, ``token_type`` in the Admin
API's names (uncached_input_tokens, output_tokens, cache_read_input_tokens,
cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens; web_search;
"all" when the bill has no token types)::

    {"schema_version", "catalogue_version",
     "totals": {"expected_usd", "billed_usd", "residual_usd"},
     "lines": [{"date", "model", "token_type", "service_tier", "context_window", "workspace",
                "expected_usd", "billed_usd", "residual_usd", "residual_percent",
                "within_tolerance", "diagnosis", "tokens", "list_price_usd"}],
     "unmatched": {"usage": [...], "costs": [...]}, "not_reconciled": [...],
     "lines_outside_tolerance", "level", "tolerance", "contract", "constant_ratio", "warnings",
     "usage_rows", "cost_lines", "usage_rows_skipped", "cost_lines_skipped"}

With --skip-invalid, skipped usage rows and cost lines are counted (``*_skipped``) and listed in
``warnings``: a bad line never disappears from the bill without a trace.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from calculator.costing import ADMIN_TOKEN_TYPES
from calculator.money import CONTEXT, usd
from calculator.report.charges import charges_table
from calculator.reconcile.reconcile import JOIN_DIMS, Line, ReconcileResult
from calculator.report.model import (LONG_TABLE, RESERVED_KEYS, Brief, Chart, Column, Figure, Headline, Report,
                                     Series, Table, cell_from_json, exact_str, to_json)
from calculator.engine.normalise import CONTEXT_WINDOW_NAMES

# Display names of the Admin API token types in the tables people read (JSON, CSV and FOCUS keep
# the Admin API names).
TOKEN_TYPE_LABELS = {"uncached_input_tokens": "input (uncached)", "output_tokens": "output",
                     "cache_read_input_tokens": "cache read",
                     "cache_creation.ephemeral_5m_input_tokens": "cache write 5m",
                     "cache_creation.ephemeral_1h_input_tokens": "cache write 1h", "web_search": "web search"}
MATCH_LABELS = {"matched": "matched", "usage_only": "usage, no bill line", "costs_only": "bill line, no usage",
                "not_reconciled": "listed, not reconciled"}
KEY_COLUMNS = [Column("date", "Date", "date"), Column("model", "Model"), Column("token_type", "Token type"),
               Column("service_tier", "Tier"), Column("context_window", "Context")]
MONEY_COLUMNS = [Column("expected_usd", "Expected", "money"), Column("billed_usd", "Billed", "money"),
                 Column("residual_usd", "Residual", "money"), Column("residual_percent", "Residual %", "percent")]
# Who spent it, when the data says: shown only when a line has one.
WHO_COLUMNS = [Column("workspace", "Workspace"), Column("api_key", "API key")]
EXCEPTION = "exception"
# Beyond this many lines, a table people read (terminal, page, sheet) keeps the lines that need a
# look and sums the others into one row per day: a million-line bill stays a page a browser opens.
# Every line stays in the JSON contract, the long form (CSV, XLSX) and the FOCUS charges.
READABLE_LINES = 5_000


def _fraction(value: Decimal) -> Decimal:
    """A ratio to six places (0.000001 = 0.0001%): shown as a percent, never used as money."""
    return value.quantize(Decimal("0.000001"), context=CONTEXT)


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _lines(f: dict) -> list[tuple[str, dict]]:
    """Every line of the contract with how it matched, in the contract's order."""
    return [*(("matched", l) for l in f["lines"]), *(("usage_only", l) for l in f["unmatched"]["usage"]),
            *(("costs_only", l) for l in f["unmatched"]["costs"]),
            *(("not_reconciled", l) for l in f["not_reconciled"])]


def _shown_row(row: dict, keys: list[str]) -> dict:
    """A row of the long form (typed already) as a row people read: the token type and how it matched
    named for people; flagged when it is outside tolerance or has no counterpart."""
    shown = {k: row[k] for k in keys}
    shown["token_type"] = TOKEN_TYPE_LABELS.get(row["token_type"], row["token_type"])
    shown["match"] = MATCH_LABELS[row["match"]]
    shown[EXCEPTION] = row["match"] in ("usage_only", "costs_only") or not row["within_tolerance"]
    return shown


def _columns(lines: list[tuple[str, dict]], lead: list[Column], tail: list[Column]) -> list[Column]:
    who = [c for c in WHO_COLUMNS if any(l.get(c.key) for _, l in lines)]
    return [*lead, *who, *MONEY_COLUMNS, *tail]


def _tables(f: dict, lines: list[tuple[str, dict]], long_rows: list[dict]) -> list[Table]:
    """The tables people read, from the rows of the long form."""
    out = []
    shown = _columns(lines, KEY_COLUMNS, [Column("diagnosis", "Diagnosis"), Column("match", "Match")])
    keys = [c.key for c in shown]
    checked = [r for r in long_rows if r["match"] != "not_reconciled"]
    rows = [_shown_row(r, keys) for r in checked]
    bad = [row for row, r in zip(rows, checked) if not r["within_tolerance"]]
    if bad:
        out.append(Table("outside_tolerance", f"Outside tolerance ({len(bad)})", shown, bad,
                         caption="Query these lines with Anthropic: the diagnosis says what the bill "
                                 "seems to have applied.", cards=True, flag=EXCEPTION))
    n_bad = sum(1 for r in rows if r[EXCEPTION])
    rows, summed = _readable(rows, shown)
    out.append(Table("lines", "Every line, expected against billed", shown, rows,
                     caption=f"{n_bad:,} of {len(checked):,} lines outside tolerance or without a counterpart "
                             f"come first{summed or '; the others are folded by day'}.",
                     flag=EXCEPTION, fold_by=None if summed else "date"))
    if f["not_reconciled"]:
        out.append(Table("not_reconciled", "Listed, not reconciled", shown,
                         [_shown_row(r, keys) for r in long_rows if r["match"] == "not_reconciled"]))
    return out + _list_price_tables(f)


def _list_price_tables(f: dict) -> list[Table]:
    """The discount line by line and the catalogue check, when the bill gives list prices."""
    out = []
    d = f.get("discount_by_line")
    if d:
        columns = [*KEY_COLUMNS, Column("list_amount_usd", "List", "money"), Column("amount_usd", "Billed", "money"),
                   Column("discount", "Discount", "percent"), Column("contract_discount", "Contract", "percent"),
                   Column("difference_usd", "Off contract", "money")]
        rows = [{**typed_row(r, columns), "token_type": TOKEN_TYPE_LABELS.get(r["token_type"], r["token_type"]),
                 EXCEPTION: not r["within_tolerance"]} for r in d["lines"]]
        contract = f"the contract {d['contract']}" if d["contract"] else "no contract (--contract): list price expected"
        shown, summed = _readable(rows, columns)
        out.append(Table("discount_by_line", "Discount line by line (list price against billed)", columns, shown,
                         caption=f"Checked against {contract}; {d['lines_outside_tolerance']:,} of "
                                 f"{len(rows):,} lines off it{summed}.", flag=EXCEPTION, fold_by=None if summed else "date"))
    c = f.get("catalogue_check")
    if c and c["lines"]:
        columns = [*KEY_COLUMNS, Column("list_amount_usd", "Bill's list price", "money"),
                   Column("catalogue_usd", "Catalogue", "money"), Column("difference_usd", "Difference", "money"),
                   Column("rate_card", "Rate card")]
        rows = [{**typed_row(r, columns), "token_type": TOKEN_TYPE_LABELS.get(r["token_type"], r["token_type"]),
                 "rate_card": "; ".join(f"{rc['source']} (checked {rc['checked']})" for rc in r["rate_cards"]),
                 EXCEPTION: not r["within_tolerance"]} for r in c["lines"]]
        shown, summed = _readable(rows, columns)
        out.append(Table("catalogue_check", "The bill's list prices against the catalogue", columns, shown,
                         caption=f"Catalogue {c['catalogue_version']}: {c['lines_differing']:,} of {len(rows):,} "
                                 f"lines differ (a difference names the rate card and the date it was checked)"
                                 f"{summed}.", flag=EXCEPTION, fold_by=None if summed else "date"))
    return out


def _readable(rows: list[dict], columns: list[Column]) -> tuple[list[dict], str]:
    """``rows`` as people can read them: all of them up to READABLE_LINES; beyond, the flagged
    rows and, per day, one row summing the money of the others (a table that is then not folded
    by day: each day is one row already). Also the caption's note, empty when nothing was summed."""
    if len(rows) <= READABLE_LINES:
        return rows, ""
    money = [c.key for c in columns if c.kind == "money"]
    label = next(c.key for c in columns if c.key not in ("date", *money) and c.kind != "date")
    days: dict = {}
    for r in rows:
        if r[EXCEPTION]:
            continue
        day = days.get(r["date"])
        if day is None:
            day = days[r["date"]] = {"date": r["date"], EXCEPTION: False, "_lines": 0,
                                     **{k: Decimal(0) for k in money}}
        day["_lines"] += 1
        for k in money:
            day[k] += r.get(k) or 0
    folded = [{**{k: v for k, v in d.items() if k != "_lines"}, label: f"{d['_lines']:,} lines, summed"}
              for d in days.values()]
    flagged = [r for r in rows if r[EXCEPTION]]
    return flagged + folded, (f"; past {READABLE_LINES:,} lines the others are summed per day here (every line "
                              f"is in --format json, csv and focus)")


def typed_row(row: dict, columns: list[Column]) -> dict:
    return {c.key: cell_from_json(row.get(c.key), c.kind) for c in columns}


def _long_table(lines: list[tuple[str, dict]]) -> Table:
    """Every line, its cells typed once (each money string read once): the long form, whose rows
    the tables people read and the FOCUS charges are made from."""
    # A line's own tolerance and how many bill rows it sums, when the reconciliation gives them.
    per_line = [c for c in (Column("tolerance_usd", "Tolerance", "money"), Column("rows_summed", "Bill rows", "int"))
                if any(c.key in l for _, l in lines)]
    columns = [Column("match", "Match"), *KEY_COLUMNS, *WHO_COLUMNS, *MONEY_COLUMNS,
               Column("within_tolerance", "Within tolerance"), Column("diagnosis", "Diagnosis"),
               Column("tokens", "Quantity", "tokens"), Column("list_price_usd", "List price", "money"), *per_line]
    rows = []
    for match, line in lines:
        row = typed_row(line, columns)
        row["match"] = match  # the machine-readable name in the long form
        if row["residual_percent"] is not None:
            row["residual_percent"] = row["residual_percent"] / 100
        rows.append(row)
    return Table(LONG_TABLE, "Reconciliation, every line", columns, rows)


# The canonical token types of the charges table, from the Admin API names the lines carry.
CANONICAL_TOKEN_TYPES = {admin: canonical for canonical, admin in ADMIN_TOKEN_TYPES.items()}
FOCUS_EXTRA = [Column("x_ExpectedCost", "Expected", "money"), Column("x_Residual", "Residual", "money"),
               Column("x_WithinTolerance", "Within tolerance"), Column("x_Diagnosis", "Diagnosis")]


def _charges(long_rows: list[dict]) -> Table:
    """The billed lines as FOCUS charges: BilledCost is the bill; EffectiveCost the usage at the
    published (or contract) rates, i.e. the expected cost; ListCost the bill's list price when it
    has one (a Console cost CSV's list_price_usd), else the expected cost. A bill line with no
    usage behind it has no expected cost: its EffectiveCost is what was billed. The expected cost,
    residual and diagnosis ride in ``x_`` columns."""
    charges = []
    for row in long_rows:
        billed = row["billed_usd"]
        if billed is None or row["match"] == "not_reconciled":
            continue
        expected = row["expected_usd"]
        charges.append({
            "period_start": row["date"],
            "model": row["model"] or ("web search" if row["token_type"] == "web_search" else "all models"),
            "service_tier": row["service_tier"], "context_window": row["context_window"],
            "token_type": CANONICAL_TOKEN_TYPES.get(row["token_type"], row["token_type"]),
            "quantity": row["tokens"] or 0, "cost_usd": expected if expected is not None else billed,
            "billed_cost": billed, "workspace": row["workspace"], "api_key": row["api_key"],
            "x_ExpectedCost": expected, "x_Residual": row["residual_usd"],
            "x_WithinTolerance": row["within_tolerance"], "x_Diagnosis": row["diagnosis"]})
        if row["list_price_usd"] is not None:
            charges[-1]["list_cost"] = row["list_price_usd"]
    return charges_table(charges, FOCUS_EXTRA)


def _outside(lines: list[tuple[str, dict]]) -> list[dict]:
    return [l for m, l in lines if m != "not_reconciled" and not l["within_tolerance"]]


def _headline(f: dict, lines: list[tuple[str, dict]]) -> Headline:
    t = {k: Decimal(v) for k, v in f["totals"].items()}
    outside = _outside(lines)
    tol = f["tolerance"]
    figures = [
        Figure("Expected", t["expected_usd"], detail="the usage at the published rates"
               + (" less the contract discount" if f["contract"] else "")),
        Figure("Billed", t["billed_usd"], detail=f"{f['cost_lines']:,} cost lines"),
        Figure("Residual", t["residual_usd"], tone="bad" if outside else "good", detail="billed minus expected"),
        Figure("Lines outside tolerance", len(outside), kind="int", tone="bad" if outside else "good",
               detail=f"tolerance {usd(Decimal(tol['absolute_usd']))} per line"
                      + (f" or {tol['relative_percent']}%" if _d(tol["relative_percent"]) else "")
                      + (", more on cent-rounded Console lines (rows summed x $0.005)"
                         if any((_d(l.get("tolerance_usd")) or 0) > _d(tol["absolute_usd"])
                                for _, l in lines) else "")),
    ]
    rec = "The bill matches the published rates." if not outside else ""
    if outside:
        worst = max(outside, key=lambda l: abs(_d(l["residual_usd"]) or 0))
        rec = (f"Query the bill: {len(outside)} line(s) outside tolerance; the largest, "
               f"{worst['model'] or ''} {worst['token_type']} on {worst['date']}, "
               f"is off by {usd(_d(worst['residual_usd']))}"
               + (f": {worst['diagnosis']}." if worst["diagnosis"] else "."))
    res = t["residual_usd"]
    brief = Brief("Invoice check", (
        f"{len(outside)} line{'s' if len(outside) != 1 else ''} outside tolerance, {usd(abs(res))} "
        f"{'over' if res > 0 else 'under'} (billed {usd(t['billed_usd'])} against {usd(t['expected_usd'])} expected)."
        if outside else f"the bill matches the published rates (billed {usd(t['billed_usd'])}, expected "
                        f"{usd(t['expected_usd'])})."), tone="bad" if outside else "good")
    return Headline(figures, rec, "Joined on " + " x ".join(f["level"]) + ".", brief=brief)


def _charts(lines: list[tuple[str, dict]]) -> list[Chart]:
    days: dict[str, list] = {}
    for match, l in lines:
        if match == "not_reconciled":
            continue
        # A matched line with no expected cost is unpriced usage: not checked, so neither side counts.
        unpriced = match == "matched" and l["expected_usd"] is None
        day = days.setdefault(l["date"], [Decimal(0), Decimal(0), False])
        if not unpriced:
            day[0] += _d(l["expected_usd"]) or 0
            day[1] += _d(l["billed_usd"]) or 0
        day[2] = day[2] or not l["within_tolerance"]
    if not days:
        return []
    order = sorted(days)
    return [Chart("expected_vs_billed", "Expected vs billed by day", "line", order,
                  [Series("Expected", [days[d][0] for d in order], role="expected"),
                   Series("Billed", [days[d][1] for d in order], role="billed")],
                  caption="Days with a line outside tolerance are flagged.",
                  flagged=[i for i, d in enumerate(order) if days[d][2]])]


def build_reconcile_report(figures: dict) -> Report:
    """The reconciliation Report from its figures: the kind's JSON contract (``totals``, ``lines``,
    ``unmatched``, ``not_reconciled``, ``tolerance``, ... plus ``catalogue_version``, and the
    ``assumptions`` and ``warnings``). Exit code 3 when a line is outside tolerance."""
    f = {k: v for k, v in figures.items() if k not in RESERVED_KEYS}
    lines = _lines(f)
    long = _long_table(lines)
    return Report(kind="reconcile", title="Invoice reconciliation: expected vs billed",
                  catalogue_version=figures["catalogue_version"], figures=f, headline=_headline(f, lines),
                  tables=[*_tables(f, lines, long.rows), long, _charges(long.rows)], charts=_charts(lines),
                  assumptions=list(figures.get("assumptions", [])), warnings=list(figures.get("warnings", [])),
                  exit_code=3 if f["lines_outside_tolerance"] else 0)


# -- the figures, from calculator.reconcile.reconcile -----------------------------------------------------

# A bill has hundreds of thousands of lines: they are written in JSON form directly (money as exact
# decimal strings), not built with Decimals and walked again by ``to_json``.

def _text(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else exact_str(value)


def line_dict(line: Line) -> dict:
    k = line.key
    ctx = k.get("context_window")
    return {"date": to_json(k["date"]), "model": k.get("model"), "token_type": k.get("token_type"),
            "service_tier": k.get("service_tier"), "context_window": CONTEXT_WINDOW_NAMES.get(ctx, ctx),
            "workspace": k.get("workspace"), "expected_usd": _text(line.expected), "billed_usd": _text(line.billed),
            "residual_usd": _text(line.residual), "residual_percent": _text(line.residual_percent),
            "within_tolerance": line.within, "diagnosis": line.diagnosis, "tokens": line.tokens,
            "list_price_usd": _text(line.list_price), "rows_summed": line.rows, "tolerance_usd": _text(line.tolerance)}


class _Result:
    """The reconcile contract's figures of a ``ReconcileResult``, in JSON form."""

    def __init__(self, result: ReconcileResult):
        self.result = result

    def payload(self) -> dict:
        r = self.result
        c = r.contract
        lines, costs = [line_dict(l) for l in r.lines], [line_dict(l) for l in r.unmatched_costs]
        return {**to_json({
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
            "cost_lines_skipped": r.cost_lines_skipped}),
            "lines": lines,
            "unmatched": {"usage": [line_dict(l) for l in r.unmatched_usage], "costs": costs},
            "not_reconciled": [line_dict(l) for l in r.not_reconciled],
            **self.list_price_checks([*zip(r.lines, lines), *zip(r.unmatched_costs, costs)]),
        }

    def list_price_checks(self, billed: list[tuple[Line, dict]]) -> dict:
        """When the bill gives a list price beside the amount (the Analytics API's ``list_amount``,
        the Console cost CSV's list price): the discount line by line, checked against --contract,
        and the list price against the catalogue's (a check of the catalogue itself). ``billed``:
        the bill's lines with their JSON, whose key and amounts the checks repeat."""
        listed = [(l, d) for l, d in billed if l.list_price is not None]
        if not listed:
            return {}
        r = self.result
        discounts, catalogue = [], []
        for l, d in listed:
            k, tol = l.key, l.tolerance if l.tolerance is not None else r.tolerance.absolute
            key = {dim: d[dim] for dim in JOIN_DIMS}
            model = k.get("model") if k.get("model") not in (None, "all") else None
            factor = r.contract.factor(model, k["date"]) if r.contract is not None else Decimal(1)
            contract_price = l.list_price * factor
            off_contract = l.billed - contract_price
            discounts.append({**key, "list_amount_usd": d["list_price_usd"], "amount_usd": d["billed_usd"],
                              "discount": _text(_fraction(1 - CONTEXT.divide(l.billed, l.list_price)))
                              if l.list_price else None,
                              "contract_discount": _text(1 - factor), "contract_amount_usd": _text(contract_price),
                              "difference_usd": _text(off_contract), "within_tolerance": abs(off_contract) <= tol})
            e = l.exp
            if e is None or e.unpriced or not e.rate_cards:
                continue
            difference = l.list_price - e.list_amount
            catalogue.append({**key, "list_amount_usd": d["list_price_usd"], "catalogue_usd": _text(e.list_amount),
                              "difference_usd": _text(difference), "within_tolerance": abs(difference) <= tol,
                              "rate_cards": [{"source": src, "checked": to_json(checked)}
                                             for src, checked in sorted(e.rate_cards, key=str)]})
        return {"discount_by_line": {"contract": r.contract.path if r.contract is not None else None,
                                     "lines_outside_tolerance": sum(1 for d in discounts if not d["within_tolerance"]),
                                     "lines": discounts},
                "catalogue_check": {"catalogue_version": r.catalogue_version,
                                    "lines_differing": sum(1 for c in catalogue if not c["within_tolerance"]),
                                    "lines": catalogue}}


def reconcile_figures(result: ReconcileResult) -> dict:
    """The reconcile contract's figures of a ``ReconcileResult``, as the JSON carries them (money as
    exact decimal strings)."""
    return _Result(result).payload()


def report_from_reconciliation(result: ReconcileResult) -> Report:
    """The reconciliation Report of a ``calculator.reconcile.reconcile.reconcile`` result."""
    figures = {"catalogue_version": result.catalogue_version, **reconcile_figures(result),
               "assumptions": list(result.assumptions), "warnings": list(result.warnings)}
    return build_reconcile_report(figures)


def report_section(inputs: dict, options) -> Report:
    """`batchcalc report` section builder: the cost reports given, against the usage exports given."""
    from calculator.reconcile.contract import load_contract
    from calculator.engine import UsageOptions
    from calculator.errors import InputError
    from calculator.reconcile.reconcile import Tolerance, reconcile_inputs

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
    return report_from_reconciliation(reconcile_inputs(usage, costs, usage_options, tolerance=tol,
                                                       contract=contract))
