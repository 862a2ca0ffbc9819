"""Invoice reconciliation: usage at catalogue rates (expected) against the bill, line by line.

Lines are joined on day x model x token type x service tier x context window, and workspace when
both sides carry it. When the cost report lacks a dimension (no token types, no tiers: totals
only), both sides are summed over it and the report says at which level it reconciled.

For each line: expected, billed, residual (billed - expected), residual percent, whether it is
within tolerance (|residual| <= max(absolute, relative x |expected|)), and, outside it, a diagnosis
(``diagnosis.py``) from the same usage priced the wrong-but-plausible ways, kept beside the price.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Optional

from calculator.reconcile.contract import Contract
from calculator.reconcile.diagnosis import diagnose, ratio_warnings, ratios
from calculator.readers.cost_lines import NOT_RECONCILABLE, BilledLine
from calculator.costing import ADMIN_TOKEN_TYPES, Cost, CostLine, TokenCounts, price_usage
from calculator.errors import InputError, InvalidUsageError, ModelError
from calculator.money import CONTEXT, per_mtok
from calculator.engine.pipeline import TOKEN_COUNTS
from calculator.engine.rates import NOT_GROUPED, epoch_bounds, epoch_of

JOIN_DIMS = ("date", "model", "token_type", "service_tier", "context_window", "workspace")
ALL = "all"  # a dimension summed over (the cost report does not split by it)
DEFAULT_ABS_TOLERANCE = Decimal("0.01")  # USD per line: ignores sub-cent rounding
DEFAULT_REL_TOLERANCE = Decimal(0)  # percent of expected; off unless asked
CENT_ROUNDING = Decimal("0.005")  # per row of a bill rounded to cents (the Console cost CSV)


@dataclass
class Tolerance:
    """How far a billed line may be from its expected amount and still match: within
    max(``absolute`` dollars, ``relative_percent`` of the expected amount) per line, and never
    less than the half cent of rounding per row of a bill rounded to cents."""

    absolute: Decimal = DEFAULT_ABS_TOLERANCE
    relative_percent: Decimal = DEFAULT_REL_TOLERANCE

    def allows(self, residual: Decimal, expected: Decimal, rounded_rows: int = 0) -> bool:
        return abs(residual) <= self.limit(expected, rounded_rows)

    def limit(self, expected: Decimal, rounded_rows: int = 0) -> Decimal:
        """The line's tolerance in USD: a bill rounded to cents per row carries up to half a cent
        of rounding per row summed into the line."""
        return max(self.absolute, rounded_rows * CENT_ROUNDING, abs(expected) * self.relative_percent / 100)


@dataclass
class Expected:
    """The usage side of one line, with the wrong-but-plausible ways to price it.

    Variants: as_standard (batch usage priced at the standard tier), as_5m (1h writes at the 5m
    rate), other_context (the other context tier), other_geo (the other inference_geo). Each is
    kept as its difference from ``amount`` over the parts of the line where it exists.
    """

    amount: Decimal = Decimal(0)
    tokens: int = 0
    unpriced: Optional[str] = None
    geos: set = field(default_factory=set)
    contexts: set = field(default_factory=set)
    deltas: dict = field(default_factory=dict)
    list_amount: Decimal = Decimal(0)  # at the catalogue's published price, before any --contract
    rate_cards: set = field(default_factory=set)  # (price source, checked date) of the rates used

    def add_variant(self, name: str, value: Optional[Decimal], base: Decimal) -> None:
        if value is not None:
            self.deltas[name] = self.deltas.get(name, Decimal(0)) + (value - base)

    def variant(self, name: str) -> Optional[Decimal]:
        return self.amount + self.deltas[name] if name in self.deltas else None


@dataclass
class Line:
    key: dict
    expected: Optional[Decimal]
    billed: Decimal
    tokens: int
    list_price: Optional[Decimal]
    residual: Optional[Decimal] = None
    residual_percent: Optional[Decimal] = None
    within: bool = True
    diagnosis: Optional[str] = None
    exp: Optional[Expected] = None
    rows: int = 0  # bill rows summed into the line
    rounded_rows: int = 0  # of which rounded to cents per row
    tolerance: Optional[Decimal] = None  # the line's tolerance in USD


@dataclass
class ReconcileResult:
    catalogue_version: str
    level: tuple[str, ...]
    lines: list[Line]
    unmatched_usage: list[Line]
    unmatched_costs: list[Line]
    not_reconciled: list[Line]
    expected_total: Decimal
    billed_total: Decimal
    tolerance: Tolerance
    contract: Optional[Contract]
    constant_ratio: Optional[Decimal]
    model_ratios: dict[str, Decimal]
    warnings: list[str]
    assumptions: list[str]
    usage_rows: int
    cost_lines: int
    usage_rows_skipped: int = 0  # --skip-invalid: bad usage rows, counted (never silently dropped)
    cost_lines_skipped: int = 0  # --skip-invalid: bad cost lines, counted

    @property
    def residual_total(self) -> Decimal:
        return self.billed_total - self.expected_total

    @property
    def outside(self) -> list[Line]:
        return [l for l in (*self.lines, *self.unmatched_usage, *self.unmatched_costs) if not l.within]


def _line_cost(token_type: str, quantity: int, unit_price: Decimal) -> Decimal:
    """The cost of one line from its unit price, as ``price_usage`` computes it: tokens at a rate per
    million, searches at a fee each."""
    if token_type == "web_search":
        return CONTEXT.multiply(unit_price, Decimal(quantity))
    return per_mtok(quantity, unit_price)


class _Unit(NamedTuple):
    """The price of one of each unit under one pricing key and rate epoch."""

    cost: Cost  # ``price_usage`` of one token of each type (and one search)
    rates: dict[str, Decimal]  # its unit price per line
    card: tuple[str, dt.date]  # (price source, checked date) of its rate card


class _Prices:
    """``price_usage`` for many lines of few pricing keys: the catalogue is resolved once per pricing
    key and rate epoch (a span of days over which none of its prices change), and each line's costs
    are built from those unit prices as ``price_usage`` builds them (a property test keeps the two
    equal to the last digit)."""

    def __init__(self, catalogue):
        self.catalogue = catalogue
        self._bounds: dict[str, list[dt.date]] = {}
        self._units: dict[tuple, _Unit] = {}

    def unit(self, model: str, day: dt.date, *, service_tier: str, long_context: bool, inference_geo: str,
             speed: Optional[str], searches: bool) -> _Unit:
        """The unit prices on ``day``, from ``price_usage`` of one of each unit (one token of each
        type, and one search when ``searches``); raises what ``price_usage`` raises."""
        bounds = self._bounds.get(model)
        if bounds is None:
            bounds = self._bounds[model] = epoch_bounds(self.catalogue, model)
        searches = 1 if searches else 0  # the fee is looked up only when there are searches
        key = (model, epoch_of(bounds, day), service_tier, long_context, inference_geo, speed, searches)
        unit = self._units.get(key)
        if unit is None:
            # An error names the day asked for, so it is not kept.
            cost = price_usage(self.catalogue, model, day, TokenCounts(1, 1, 1, 1, 1, searches),
                               service_tier=service_tier, long_context=long_context, inference_geo=inference_geo,
                               speed=speed)
            unit = self._units[key] = _Unit(cost, {l.token_type: l.unit_price for l in cost.lines},
                                            (cost.source, cost.checked))
        return unit

    def price(self, model: str, day: dt.date, tokens: TokenCounts, *, service_tier: str, long_context: bool,
              inference_geo: str, speed: Optional[str]) -> Cost:
        """What ``price_usage`` gives (raises what it raises)."""
        unit = self.unit(model, day, service_tier=service_tier, long_context=long_context,
                         inference_geo=inference_geo, speed=speed, searches=bool(tokens.web_search_requests)).cost
        lines = []
        for line in unit.lines:
            qty = tokens.web_search_requests if line.token_type == "web_search" else getattr(tokens, line.token_type)
            lines.append(CostLine(line.token_type, qty, line.unit_price,
                                  _line_cost(line.token_type, qty, line.unit_price)))
        return Cost(unit.model, day, unit.service_tier, unit.long_context, unit.multiplier, tuple(lines),
                    unit.source, unit.status, unit.checked)


# An entry's cost line -> the usage count it prices (the token columns, then web search), in entry order.
ENTRY_COUNTS = {**{c: c for c in TOKEN_COUNTS}, "web_search": "web_search_requests"}


class _UsageSide:
    """The expected cost of each usage entry; with ``what_if``, also its variants (the re-pricings a
    diagnosis compares the bill with), which cost three more prices per group."""

    def __init__(self, catalogue, contract: Optional[Contract], what_if: bool = False):
        self.catalogue = catalogue
        self.contract = contract
        self.what_if = what_if
        self.entries: dict[tuple, Expected] = {}
        self.prices = _Prices(catalogue)
        self._factors: dict[tuple, Decimal] = {}

    def factor(self, model, day) -> Decimal:
        if not self.contract:
            return Decimal(1)
        f = self._factors.get((model, day))
        if f is None:
            f = self._factors[(model, day)] = self.contract.factor(model, day)
        return f

    def _price(self, model, day, tokens, tier, long, geo, speed):
        try:
            return self.prices.price(model, day, tokens, service_tier=tier, long_context=long,
                                     inference_geo=geo, speed=None if speed == "standard" else speed)
        except (ModelError, InvalidUsageError):
            return None

    def _variants(self, day, model, tier, ctx, geo, speed, counts) -> dict[str, dict[str, Decimal]]:
        """The costs per line of the usage priced as the variants a diagnosis looks for."""
        tokens = TokenCounts(**{c: int(counts[c]) for c in ENTRY_COUNTS.values()})
        base = self._price(model, day, tokens, tier, ctx == "long", geo, speed)
        std = ctxv = geov = None
        if tier == "batch":
            std = self._price(model, day, tokens, "standard", ctx == "long", geo, speed)
        other = self._price(model, day, tokens, tier, ctx != "long", geo, speed)
        ctxv = other if other is not None and other.total != base.total else None
        og = "global" if geo == "us" else "us"
        other = self._price(model, day, tokens, tier, ctx == "long", og, speed)
        geov = other if other is not None and other.total != base.total else None
        return {name: {} if v is None else {l.token_type: l.cost for l in v.lines}
                for name, v in (("as_standard", std), ("other_context", ctxv), ("other_geo", geov))}

    def add_group(self, day: dt.date, model: str, tier: str, ctx: str, geo: str, speed: str,
                  workspace: str, counts: dict[str, int]) -> None:
        reason = None
        unit = None
        if model == NOT_GROUPED or tier == NOT_GROUPED:
            reason = "the usage export is not grouped by model and service tier"
        else:
            try:
                unit = self.prices.unit(model, day, service_tier=tier, long_context=ctx == "long", inference_geo=geo,
                                        speed=None if speed == "standard" else speed,
                                        searches=bool(counts["web_search_requests"]))
            except (ModelError, InvalidUsageError) as exc:
                reason = str(exc)
        f = self.factor(model, day)
        variants = self._variants(day, model, tier, ctx, geo, speed, counts) \
            if unit is not None and self.what_if else None
        for col, qty, key in entry_keys(day, model, tier, ctx, workspace, counts):
            e = self.entries.get(key)
            if e is None:
                e = self.entries[key] = Expected()
            e.tokens += qty
            e.geos.add(geo)
            e.contexts.add(ctx)
            if unit is None:
                e.unpriced = reason
                continue
            cost = _line_cost(col, qty, unit.rates[col])
            amount = cost * f
            if variants is not None:
                for name, variant in variants.items():
                    e.add_variant(name, variant[col] * f if col in variant else None, amount)
                as5 = None
                if col == "cache_write_1h":
                    as5 = per_mtok(qty, unit.rates["cache_write_5m"]) * f
                e.add_variant("as_5m", as5, amount)
            e.amount += amount
            e.list_amount += cost
            e.rate_cards.add(unit.card)


def entry_keys(day: dt.date, model: str, tier: str, ctx: str, workspace: str, counts: dict[str, int]):
    """(cost line, quantity, entry key) of each token type (and web search) a usage group has."""
    for col, count in ENTRY_COUNTS.items():
        qty = counts[count]
        if qty:
            yield col, qty, ((day, None, "web_search", None, None, workspace) if col == "web_search"
                             else (day, model, ADMIN_TOKEN_TYPES[col], tier, ctx, workspace))


def _expected(side: "_UsageSide", project) -> dict[tuple, Expected]:
    """The usage side's entries summed at the reconciliation level (``project``: ``_projection``)."""
    expected: dict[tuple, Expected] = {}
    for key, e in side.entries.items():
        k = project(key)
        expected[k] = _merge(expected[k], e) if k in expected else e
    return expected


def _projection(level: tuple[str, ...]):
    """The function taking a key to the reconciliation level: dimensions the bill does not split by
    become ALL (web search stays its own cost type). At the finest level it is the key itself."""
    kept = tuple(dim in level for dim in JOIN_DIMS)
    if all(kept):
        return lambda key: key

    def project(key: tuple) -> tuple:
        return tuple(v if keep or (dim == "token_type" and v == "web_search") else ALL
                     for dim, keep, v in zip(JOIN_DIMS, kept, key))
    return project


class _Texts(dict):
    """The text of each dimension value, made once per distinct value: lines are ordered by the texts
    of their key (None first)."""

    def __missing__(self, value) -> str:
        text = self[value] = "" if value is None else str(value)
        return text

    def order(self, key: tuple) -> tuple:
        return tuple(map(self.__getitem__, key))


class _Billed:
    """The bill side of one line: the rows summed into it."""

    __slots__ = ("amount", "list_price", "rows", "rounded_rows")

    def __init__(self, listed: bool = True):
        self.amount = Decimal(0)
        self.list_price: Optional[Decimal] = Decimal(0) if listed else None  # None once a row has none
        self.rows = 0
        self.rounded_rows = 0  # of which rounded to cents per row

    def add(self, c: BilledLine) -> None:
        self.amount += c.amount
        self.list_price = None if self.list_price is None or c.list_price is None else self.list_price + c.list_price
        self.rows += c.rows
        if c.cent_rounded:
            self.rounded_rows += c.rows


def _merge(a: Expected, b: Expected) -> Expected:
    deltas = dict(a.deltas)
    for k, v in b.deltas.items():
        deltas[k] = deltas.get(k, Decimal(0)) + v
    return Expected(amount=a.amount + b.amount, tokens=a.tokens + b.tokens, unpriced=a.unpriced or b.unpriced,
                    geos=a.geos | b.geos, contexts=a.contexts | b.contexts, deltas=deltas,
                    list_amount=a.list_amount + b.list_amount, rate_cards=a.rate_cards | b.rate_cards)


def _gc_paused(fn):
    """``fn`` with the cyclic garbage collector paused: reconciling builds hundreds of thousands of
    objects that all live on, and the collector would walk the growing heap again and again to free
    nothing (reference counting still frees what is dropped)."""
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return paused


@_gc_paused
def reconcile(usage_lines, costs: list[BilledLine], catalogue, *, tolerance: Optional[Tolerance] = None,
              contract: Optional[Contract] = None, usage_warnings: list[str] | None = None,
              usage_rows: int = 0, usage_rows_skipped: int = 0,
              cost_lines_skipped: int = 0) -> ReconcileResult:
    """Reconcile usage against billed lines.

    ``usage_lines``: the engine's day-level usage (``UsageResult.breakdowns["day_lines"]``), one
    ``Slice`` per (day, model, service tier, context tier, geo, speed, workspace) with its counts."""
    usage_lines = list(usage_lines or [])
    tol = tolerance or Tolerance()
    warnings: list[str] = list(usage_warnings or [])
    assumptions: list[str] = []
    # -- the bill: one currency, no overlaps -----------------------------------------------
    currencies = sorted({c.currency for c in costs})
    if len(currencies) > 1:
        where = {cur: next(c.where for c in costs if c.currency == cur) for cur in currencies}
        raise InputError("mismatched currencies in the cost report: " + ", ".join(
            f"{cur} ({where[cur]})" for cur in currencies) + "; convert to one currency (USD) first")
    if currencies and currencies[0] != "USD":
        raise InputError(f"the costs are in {currencies[0]} ({costs[0].where}); the catalogue's prices "
                         f"are in USD: convert the bill to USD first")
    token_lines = [c for c in costs if c.cost_type == "tokens"]
    usage_ws = any(u.key[6] for u in usage_lines)
    level = ["date"]
    for dim, attr in (("model", "model"), ("token_type", "token_type"), ("service_tier", "service_tier"),
                      ("context_window", "context_tier")):
        if token_lines and all(getattr(c, attr) is not None for c in token_lines):
            level.append(dim)
        elif token_lines:
            missing = sum(1 for c in token_lines if getattr(c, attr) is None)
            what = {"token_type": "token types (only totals)", "model": "models",
                    "service_tier": "service tiers", "context_window": "context windows"}[dim]
            warnings.append(f"the cost report has no {what} on {missing:,} of {len(token_lines):,} token "
                            f"line(s): reconciled without splitting by {dim.replace('_', ' ')}")
    usage_workspaces = {u.key[6] for u in usage_lines} if usage_ws else set()
    cost_workspaces = {c.workspace or "" for c in costs}
    if costs and all(c.workspace is not None for c in costs) and usage_ws and not (usage_workspaces & cost_workspaces):
        warnings.append("the workspaces of the usage and of the costs have nothing in common (ids on one "
                        "side, names on the other?): lines are joined across workspaces")
    elif costs and all(c.workspace is not None for c in costs) and usage_ws:
        level.append("workspace")
    elif usage_ws or any(c.workspace for c in costs):
        assumptions.append("workspace is not on both sides: lines are joined across workspaces")
    level_t = tuple(level)
    # -- the usage side --------------------------------------------------------------------
    side = _UsageSide(catalogue, contract)
    keep_ws = "workspace" in level_t
    merged: dict[tuple, dict[str, int]] = {}
    for u in usage_lines:
        day, model, tier, ctx, geo, speed, workspace = u.key
        k = (day, model, tier, ctx, geo, speed, workspace if keep_ws else "")
        acc = merged.get(k)
        if acc is None:
            acc = merged[k] = dict.fromkeys(ENTRY_COUNTS.values(), 0)
        for c in acc:
            acc[c] += u.counts[c]
    groups = [(dt.date.fromisoformat(day), model, tier, ctx, geo, speed, workspace, counts)
              for (day, model, tier, ctx, geo, speed, workspace), counts in merged.items()]
    for group in groups:
        side.add_group(*group)
    project = _projection(level_t)
    expected = _expected(side, project)
    # -- the bill side ---------------------------------------------------------------------
    billed: dict[tuple, _Billed] = {}
    not_reconciled: list[Line] = []
    seen: dict[tuple, BilledLine] = {}
    day_file: dict[dt.date, BilledLine] = {}
    for c in costs:
        path = c.where.split(" ")[0]
        other = day_file.setdefault(c.date, c)
        if other.where.split(" ")[0] != path:
            raise InputError(f"overlapping date ranges: two cost sources cover {c.date.isoformat()}: "
                             f"{other.where} and {c.where}; give each day's bill once (they would be summed)")
        ident = c.identity()
        if ident in seen and not c.cent_rounded:
            first = seen[ident]
            raise InputError(f"the same cost line twice: {c.date.isoformat()} {c.model or ''} "
                             f"{c.token_type or c.cost_type} is billed in {first.where} and again in {c.where}; "
                             f"give each day once")
        seen[ident] = c
        if c.cost_type in NOT_RECONCILABLE:
            not_reconciled.append(Line({"date": c.date, "model": c.model, "token_type": c.cost_type,
                                        "service_tier": c.service_tier, "context_window": None,
                                        "workspace": c.workspace}, None, c.amount, 0, c.list_price,
                                       diagnosis=f"{c.cost_type.replace('_', ' ')}: usage exports carry no "
                                                 f"container hours, so this cost is listed, not reconciled"))
            continue
        if c.cost_type == "web_search":
            key = (c.date, None, "web_search", None, None, c.workspace or "")
        else:
            key = (c.date, c.model, c.token_type, c.service_tier, c.context_tier, c.workspace or "")
        k = project(key)
        b = billed.get(k)
        if b is None:
            b = billed[k] = _Billed()
        b.add(c)
    # -- join ------------------------------------------------------------------------------
    lines, only_usage, only_costs = [], [], []
    unchecked: dict[str, list] = {}
    nothing = _Billed(listed=False)  # the bill side of a line with no bill
    for key in sorted(expected.keys() | billed.keys(), key=_Texts().order):
        e = expected.get(key)
        b = billed.get(key)
        bill = b or nothing
        amount = bill.amount
        priced = e is not None and not e.unpriced
        line = Line(dict(zip(JOIN_DIMS, key)), e.amount if priced else None, amount, e.tokens if e else 0,
                    bill.list_price, exp=e, rows=bill.rows, rounded_rows=bill.rounded_rows)
        # The line is within tolerance when |residual| <= this (``Tolerance.allows``).
        line.tolerance = tol.limit(e.amount if priced else Decimal(0), bill.rounded_rows)
        if e is not None and e.unpriced:
            line.diagnosis = "unpriced usage: not checked"
            entry = unchecked.setdefault(e.unpriced, [Decimal(0), 0])
            entry[0] += amount
            entry[1] += 1
            (lines if b else only_usage).append(line)
            continue
        if e is not None and b is not None:
            line.residual = amount - e.amount
            line.residual_percent = (line.residual * 100 / e.amount) if e.amount else None
            lines.append(line)
        elif e is not None:
            line.residual = -e.amount
            line.diagnosis = "usage with no bill line"
            only_usage.append(line)
        else:
            line.residual = amount
            line.diagnosis = "billed with no usage"
            only_costs.append(line)
        line.within = abs(line.residual) <= line.tolerance
    for reason, (amount, n) in unchecked.items():
        warnings.append(f"{n} line(s) billed {amount.normalize():f} USD in all are not checked: {reason}")
    # -- diagnoses ---------------------------------------------------------------------------
    outside = [line for line in lines if not line.within]
    if outside:
        # The what-if prices, only for the usage behind lines outside tolerance (few, or none).
        keys = {tuple(line.key[d] for d in JOIN_DIMS): line for line in outside}
        what_if = _UsageSide(catalogue, contract, what_if=True)
        for group in groups:
            day, model, tier, ctx, _, _, workspace, counts = group
            if any(project(k) in keys for _, _, k in entry_keys(day, model, tier, ctx, workspace, counts)):
                what_if.add_group(*group)
        for key, e in _expected(what_if, project).items():
            if key in keys:
                keys[key].exp = e
    constant, per_model = ratios(lines, sorted({l.key["model"] for l in lines} - {None, ALL}))
    for line in outside:
        line.diagnosis = diagnose(line, tol.absolute, constant, per_model)
    warnings.extend(ratio_warnings(constant, per_model))
    expected_total = sum((l.expected for l in (*lines, *only_usage) if l.expected is not None), Decimal(0))
    # Lines whose usage cannot be priced are not checked: their bill is outside both totals.
    billed_total = sum((l.billed for l in (*lines, *only_costs) if l.exp is None or not l.exp.unpriced), Decimal(0))
    if not_reconciled:
        total = sum((l.billed for l in not_reconciled), Decimal(0))
        warnings.append(f"{len(not_reconciled)} cost line(s) of {total} USD (code execution, sessions) are "
                        f"listed but not reconciled: usage exports carry no container hours")
    usage_days = {k[0] for k in expected}
    cost_days = {k[0] for k in billed}
    for side_name, days in (("the usage", usage_days - cost_days), ("the costs", cost_days - usage_days)):
        if days and usage_days and cost_days:
            warnings.append(f"days only in {side_name}: {', '.join(sorted(d.isoformat() for d in days)[:5])}"
                            f"{' ...' if len(days) > 5 else ''} (different date ranges?)")
    if contract is not None:
        assumptions.append(f"contract {contract.describe()}: expected = published price x (1 - discount)")
    assumptions.append(f"tolerance per line: |residual| <= max(${tol.absolute}, {tol.relative_percent}% of "
                       f"expected); the default $0.01 ignores sub-cent rounding")
    if any(c.cent_rounded for c in costs):
        assumptions.append(f"the Console cost CSV rounds every row to the cent: a line's tolerance is at least "
                           f"rows summed x ${CENT_ROUNDING} (max(${tol.absolute}, rows x ${CENT_ROUNDING}) by "
                           f"default; each line's tolerance_usd and rows_summed say it)")
    assumptions.append("level: " + " x ".join(level_t))
    return ReconcileResult(catalogue.version, level_t, lines, only_usage, only_costs, not_reconciled,
                           expected_total, billed_total, tol, contract, constant, per_model, warnings,
                           assumptions, usage_rows, sum(c.rows for c in costs), usage_rows_skipped, cost_lines_skipped)


@_gc_paused
def reconcile_inputs(usage_paths, cost_paths, options, *, cost_source: Optional[str] = None,
                     cost_mapping: Optional[dict] = None, cost_pages=None, tolerance: Optional[Tolerance] = None,
                     contract: Optional[Contract] = None) -> ReconcileResult:
    """Read the usage (``calculator.engine.UsageOptions``) and the costs, and reconcile them.

    --since/--until narrow the bill to the same days as the usage."""
    from calculator.readers.costs import CostSource
    from calculator.engine import usage_result
    from calculator.readers._policy import InvalidRows

    if options.catalogue is None:
        from pricing import load_catalogue

        options.catalogue = load_catalogue()
    if options.policy is None:
        options.policy = InvalidRows(options.skip_invalid)
    options.day_lines = True
    usage = usage_result(usage_paths, options)
    costs_src = CostSource(cost_paths, source=cost_source, mapping=cost_mapping, catalogue=options.catalogue,
                           policy=options.policy, pages=cost_pages, tier_map=options.tier_map,
                           pages_from=options.pages_from)
    since, until = options.since, options.until
    costs = [c for c in costs_src.lines()
             if (since is None or c.date >= since) and (until is None or c.date <= until)]
    return reconcile(usage.breakdowns["day_lines"], costs, options.catalogue, tolerance=tolerance,
                     contract=contract, usage_warnings=usage.warnings + costs_src.warnings,
                     usage_rows=usage.rows_used, usage_rows_skipped=usage.rows_skipped,
                     cost_lines_skipped=costs_src.skipped)
