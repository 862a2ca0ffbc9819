"""The Report as plain, versioned data: what every command produces and every renderer lays out.

A Report is computed once, by one builder per kind (``calculator/report/<kind>.py``), and holds
everything a renderer needs: figures (the kind's JSON contract, exact), the headline text, tables
with typed exact cells, chart series, the price sources with the rates used, warnings, the exit
code. Renderers (``reports/``) format and arrange; they compute nothing. Because it is plain
data, ``Report.from_dict(r.to_dict()) == r`` for every kind: a saved JSON report can be rendered
again, composed with others on one page, or compared with a later run.

The JSON layout (``schema_version`` 1.x: fields are added, never renamed)::

    {"schema_version", "kind", "catalogue_version",
     ...figures (the kind's own keys, money as exact decimal strings),
     "assumptions": [...], "warnings": [...],
     "presentation": {"title", "meta", "headline", "tables", "charts", "price_sources",
                      "exit_code"},
     "reports": [...]}          # only a page of several parts (kind "composite")

The long form CSV and FOCUS write is the table named ``LONG_TABLE`` (not shown on a page or a
terminal; ``Report.long_table()``), FOCUS's charge defaults are ``meta["charge_context"]``. Saved
reports are read back by ``calculator/report/saved.py`` and compared by ``compare.py``.

Cells are typed by their column's ``kind``: ``money``/``rate``/``number`` hold a Decimal,
``percent`` a Decimal *fraction* (0.5 is 50%), ``int``/``tokens`` an int, ``date`` a date or
datetime (ISO text in JSON), ``text`` a str. A row may hold keys that are not columns (a flag,
an id): they travel as plain JSON values.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Optional

SCHEMA_VERSION = "1.1"

ColumnKind = Literal["text", "int", "tokens", "money", "rate", "percent", "number", "date"]
Tone = Literal["neutral", "good", "bad", "muted"]

DECIMAL_KINDS = ("money", "rate", "percent", "number")
INT_KINDS = ("int", "tokens")
NUMERIC_KINDS = DECIMAL_KINDS + INT_KINDS
# The table holding the long form (CSV, FOCUS): not shown on a page or a terminal.
LONG_TABLE = "long"
# The table FOCUS writes (one row per day x charge; reports/focus_format.py lists its columns).
CHARGES_TABLE = "charges"
# Machine tables: written by CSV, FOCUS and XLSX's data sheet, never shown on a page or a terminal.
DATA_TABLES = (LONG_TABLE, CHARGES_TABLE)
# ``meta`` key of the charge defaults for FOCUS rows (period_start/period_end as ISO dates,
# inference_geo, context_window, estimate_source), for the rows of the long form that lack them.
CHARGE_CONTEXT = "charge_context"
# The top-level JSON keys the Report itself owns: a kind's figures may not use them.
RESERVED_KEYS = ("schema_version", "kind", "catalogue_version", "assumptions", "warnings",
                 "presentation", "reports")


# Values JSON holds as they are (exact types: a subclass, such as an IntEnum, takes the general path).
_PLAIN = frozenset({str, int, float, bool, type(None)})
_STR_ONLY = frozenset({str})


def to_json(value: Any) -> Any:
    """Decimals become exact decimal strings (no exponent), dates ISO text; containers walked.

    Dispatched on the exact type first: a report of a million lines walks tens of millions of
    values here, nearly all of them plain. A dict already in JSON form (string keys, plain values:
    a line of a contract built as JSON) is copied without a walk."""
    t = type(value)
    if t in _PLAIN:
        return value
    if t is Decimal:
        return exact_str(value)
    if t is dict:
        if _PLAIN.issuperset(map(type, value.values())) and _STR_ONLY.issuperset(map(type, value)):
            return dict(value)
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else to_json(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [v if type(v) in _PLAIN else to_json(v) for v in value]
    if t is dt.date or t is dt.datetime:
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return exact_str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def _exact_text(value: Decimal) -> Optional[str]:
    """``str(value)`` when it already is ``exact_str(value)`` (nearly always, for money read from
    JSON), else None: plain notation (``str`` writes an exponent only where ``exact_str`` would
    differ), no trailing zero after the point ("0.00"), not "-0", and no more digits than the
    context's precision (``normalize`` rounds to it)."""
    if type(value) is not Decimal or not value.is_finite():
        return None
    text = str(value)
    if "E" in text or (text[-1] == "0" and ("." in text or text == "-0")):
        return None
    digits = text.lstrip("-0.")  # the coefficient's digits, and the point if it is among them
    if len(digits) - ("." in digits) > decimal.getcontext().prec:
        return None
    return text


def exact_str(value: Decimal) -> str:
    """The JSON text of a Decimal: plain notation, no trailing zeros after the point, 0 as "0"."""
    text = _exact_text(value)
    if text is not None:
        return text
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _same_decimal(value: Any) -> Any:
    """A Decimal as its JSON text reads back (the same value, trailing zeros dropped). A Decimal
    whose ``str`` is its exact text reads back as itself (same digits, same exponent)."""
    if not isinstance(value, Decimal):
        return value
    if _exact_text(value) is not None:
        return value
    return Decimal(exact_str(value))


def cell_from_json(value: Any, kind: str) -> Any:
    """The inverse of ``to_json`` for one cell of a column of ``kind``."""
    if value is None:
        return None
    if kind in DECIMAL_KINDS and isinstance(value, str):
        return Decimal(value)
    if kind == "date" and isinstance(value, str):
        return (dt.datetime.fromisoformat(value) if "T" in value or " " in value
                else dt.date.fromisoformat(value))
    return value


def _number_from_json(value: Any) -> Any:
    """Chart values: numbers travel as exact strings (Decimal) or ints."""
    if isinstance(value, str):
        return Decimal(value)
    if isinstance(value, list):
        return [_number_from_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "kind": self.kind}

    @classmethod
    def from_dict(cls, d: dict) -> "Column":
        return cls(d["key"], d["label"], d.get("kind", "text"))


@dataclass
class Table:
    """A table with exact typed cells.

    ``flag`` names a row key (a column or not) whose truthy value marks the row as an exception
    (a line outside tolerance, an unmatched line): renderers put flagged rows first, the HTML
    page folds the others (grouped by ``fold_by`` when set), ``--only-exceptions`` keeps only
    them. ``total`` names a row key whose truthy value marks a total row: renderers list it
    last and the HTML page never folds it (a total is read with the rows it sums, not opened);
    ``--only-exceptions`` drops it (it sums every row, not the exceptions). ``cards``: on a
    phone each row is a card of label: value lines.
    """

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    caption: Optional[str] = None
    cards: bool = False
    flag: Optional[str] = None
    fold_by: Optional[str] = None
    total: Optional[str] = None

    def __post_init__(self) -> None:
        # Cells as they read back from JSON: decimals without trailing zeros (1724.0 is 1724), and
        # keys that are not columns as plain JSON values.
        keys = {c.key for c in self.columns}
        self.rows = [{k: v if type(v) in _PLAIN else _same_decimal(v) if k in keys else to_json(v)
                      for k, v in r.items()} for r in self.rows]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def flagged(self, row: dict) -> bool:
        return bool(self.flag and row.get(self.flag))

    def is_total(self, row: dict) -> bool:
        return bool(self.total and row.get(self.total))

    def frame(self):
        """The rows as a pandas DataFrame, a column per column key, the values exact (money and
        rates stay Decimal, in object columns; token counts are int64)."""
        import pandas as pd

        keys = [c.key for c in self.columns]
        return pd.DataFrame([[row.get(k) for k in keys] for row in self.rows], columns=keys)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title,
                "columns": [c.to_dict() for c in self.columns],
                "rows": [to_json(r) for r in self.rows], "caption": self.caption,
                "cards": self.cards, "flag": self.flag, "fold_by": self.fold_by,
                # Only when set, so the JSON of a table without a total row is unchanged.
                **({"total": self.total} if self.total else {})}

    @classmethod
    def from_dict(cls, d: dict) -> "Table":
        columns = [Column.from_dict(c) for c in d["columns"]]
        kinds = {c.key: c.kind for c in columns}
        rows = [{k: cell_from_json(v, kinds.get(k, "json")) for k, v in r.items()} for r in d["rows"]]
        return cls(d["name"], d["title"], columns, rows, d.get("caption"), d.get("cards", False),
                   d.get("flag"), d.get("fold_by"), d.get("total"))


@dataclass(frozen=True)
class Figure:
    """One headline number: a label, a value typed by ``kind`` like a cell, a detail line."""

    label: str
    value: Any
    kind: ColumnKind = "money"
    detail: str = ""
    tone: Tone = "neutral"

    def to_dict(self) -> dict:
        return {"label": self.label, "value": to_json(self.value), "kind": self.kind,
                "detail": self.detail, "tone": self.tone}

    @classmethod
    def from_dict(cls, d: dict) -> "Figure":
        return cls(d["label"], cell_from_json(d["value"], d.get("kind", "money")), d.get("kind", "money"),
                   d.get("detail", ""), d.get("tone", "neutral"))


@dataclass(frozen=True)
class Brief:
    """A report in one line for a page of several: a topic ("Invoice check") and a sentence.
    ``part``: on a page of several, the 1-based position of the part it sums up (0: alone)."""

    topic: str
    text: str
    tone: Tone = "neutral"
    part: int = 0

    def to_dict(self) -> dict:
        return {"topic": self.topic, "text": self.text, "tone": self.tone, "part": self.part}

    @classmethod
    def from_dict(cls, d: dict) -> "Brief":
        return cls(d["topic"], d["text"], d.get("tone", "neutral"), int(d.get("part", 0)))


@dataclass
class Headline:
    """The executive summary: a few figures, the one recommendation, what they cover, and the
    report's one-line brief for a page it shares with others. A page of several parts leads with
    one part's headline and lists the other parts' briefs in ``others``."""

    figures: list[Figure] = field(default_factory=list)
    recommendation: str = ""
    scope: str = ""
    brief: Optional[Brief] = None
    others: list[Brief] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"figures": [f.to_dict() for f in self.figures], "recommendation": self.recommendation,
                "scope": self.scope, "brief": self.brief.to_dict() if self.brief else None,
                "others": [b.to_dict() for b in self.others]}

    @classmethod
    def from_dict(cls, d: dict) -> "Headline":
        return cls([Figure.from_dict(f) for f in d.get("figures", [])], d.get("recommendation", ""),
                   d.get("scope", ""), Brief.from_dict(d["brief"]) if d.get("brief") else None,
                   [Brief.from_dict(b) for b in d.get("others", [])])


@dataclass
class Series:
    """One series of a chart: one value per category (None: no point). ``low``/``high`` draw a
    range around each value (e.g. the cost at the low and high cache hit rate)."""

    label: str
    values: list[Any]
    low: Optional[list[Any]] = None
    high: Optional[list[Any]] = None
    role: str = ""

    def to_dict(self) -> dict:
        return {"label": self.label, "values": to_json(self.values), "low": to_json(self.low),
                "high": to_json(self.high), "role": self.role}

    @classmethod
    def from_dict(cls, d: dict) -> "Series":
        return cls(d["label"], _number_from_json(d["values"]), _number_from_json(d.get("low")),
                   _number_from_json(d.get("high")), d.get("role", ""))


@dataclass
class Chart:
    """A chart as data: ``bar`` (grouped), ``stacked_bar``, ``hbar`` or ``line``; ``flagged``
    marks category indices that need attention."""

    name: str
    title: str
    kind: Literal["bar", "stacked_bar", "hbar", "line"]
    categories: list[str]
    series: list[Series]
    unit: Literal["usd", "tokens", "count", "seconds", "percent"] = "usd"
    caption: str = ""
    category_roles: Optional[list[str]] = None
    flagged: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "kind": self.kind,
                "categories": list(self.categories), "series": [s.to_dict() for s in self.series],
                "unit": self.unit, "caption": self.caption, "category_roles": self.category_roles,
                "flagged": list(self.flagged)}

    @classmethod
    def from_dict(cls, d: dict) -> "Chart":
        return cls(d["name"], d["title"], d["kind"], list(d["categories"]),
                   [Series.from_dict(s) for s in d["series"]], d.get("unit", "usd"),
                   d.get("caption", ""), d.get("category_roles"), list(d.get("flagged", [])))


@dataclass
class PriceSource:
    """A rate card the report's numbers rest on, with the rates actually used (USD per MTok,
    per search for ``web_search``)."""

    model: str
    display_name: str
    service_tier: str
    source: str
    checked: Optional[dt.date]
    status: str  # confirmed | unconfirmed | custom
    note: str = ""
    rates: dict[str, Decimal] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"model": self.model, "display_name": self.display_name,
                "service_tier": self.service_tier, "source": self.source,
                "checked": to_json(self.checked), "status": self.status, "note": self.note,
                "rates": to_json(self.rates)}

    @classmethod
    def from_dict(cls, d: dict) -> "PriceSource":
        checked = dt.date.fromisoformat(d["checked"]) if d.get("checked") else None
        return cls(d["model"], d["display_name"], d["service_tier"], d["source"], checked,
                   d["status"], d.get("note", ""), {k: Decimal(v) for k, v in (d.get("rates") or {}).items()})


@dataclass
class Report:
    """One command's result as data. ``figures`` is the kind's JSON contract, already in JSON
    form (money as exact decimal strings), so it round-trips as it is; ``parts`` holds the
    reports of a page of several (kind ``composite``)."""

    kind: str
    title: str
    catalogue_version: str
    figures: dict[str, Any] = field(default_factory=dict)
    headline: Optional[Headline] = None
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    price_sources: list[PriceSource] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    parts: list["Report"] = field(default_factory=list)

    def __post_init__(self) -> None:
        clash = set(self.figures) & set(RESERVED_KEYS)
        if clash:
            raise ValueError(f"figures of a {self.kind!r} report use reserved keys: {sorted(clash)}")
        self.figures = to_json(self.figures)

    def table(self, name: str) -> Table:
        found = next((t for t in self.tables if t.name == name), None)
        if found is None:
            raise KeyError(f"a {self.kind!r} report has no table {name!r} (it has: "
                           f"{', '.join(t.name for t in self.tables)})")
        return found

    def frame(self, table: Optional[str] = None):
        """A table as a pandas DataFrame of exact values (``Table.frame``): the one named, else the
        long form (one row per period x model x token type x tier for usage)."""
        return (self.table(table) if table else self.long_table()).frame()

    def long_table(self) -> Table:
        """The long form CSV and FOCUS write (one row per period x model x token type x tier): the
        table named ``LONG_TABLE``, else the first table. A page of several parts stacks its parts'
        long forms under a leading ``report`` column (the part's title)."""
        if self.parts:
            columns: list[Column] = [Column("report", "Report")]
            rows: list[dict] = []
            for part in self.parts:
                t = part.long_table()
                columns += [c for c in t.columns if all(c.key != have.key for have in columns)]
                rows += [{"report": part.title, **r} for r in t.rows]
            return Table(LONG_TABLE, "All reports, long form", columns, rows)
        shown = self.shown_tables()
        return next((t for t in self.tables if t.name == LONG_TABLE), shown[0] if shown else
                    Table(LONG_TABLE, self.title, [], []))

    def shown_tables(self) -> list[Table]:
        """The tables a page or a terminal shows: all but the machine tables (CSV/FOCUS/XLSX data)."""
        return [t for t in self.tables if t.name not in DATA_TABLES]

    def all_parts(self) -> list["Report"]:
        """The reports a page is made of: the parts of a page of several, else the report itself."""
        return list(self.parts) if self.parts else [self]

    def to_dict(self) -> dict:
        out = {"schema_version": SCHEMA_VERSION, "kind": self.kind,
               "catalogue_version": self.catalogue_version, **self.figures,
               "assumptions": list(self.assumptions), "warnings": list(self.warnings),
               "presentation": {
                   "title": self.title, "meta": to_json(self.meta),
                   "headline": self.headline.to_dict() if self.headline else None,
                   "tables": [t.to_dict() for t in self.tables],
                   "charts": [c.to_dict() for c in self.charts],
                   "price_sources": [p.to_dict() for p in self.price_sources],
                   "exit_code": self.exit_code}}
        if self.parts:
            out["reports"] = [p.to_dict() for p in self.parts]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Report":
        """A report from its JSON. Raises KeyError/ValueError/TypeError on a malformed one; the
        caller (``calculator/report/saved.py``) turns that into a one-line InputError."""
        p = d["presentation"]
        figures = {k: v for k, v in d.items() if k not in RESERVED_KEYS}
        return cls(
            kind=d["kind"], title=p["title"], catalogue_version=d["catalogue_version"],
            figures=figures,
            headline=Headline.from_dict(p["headline"]) if p.get("headline") else None,
            tables=[Table.from_dict(t) for t in p.get("tables", [])],
            charts=[Chart.from_dict(c) for c in p.get("charts", [])],
            price_sources=[PriceSource.from_dict(s) for s in p.get("price_sources", [])],
            assumptions=list(d.get("assumptions", [])), warnings=list(d.get("warnings", [])),
            exit_code=int(p.get("exit_code", 0)), meta=dict(p.get("meta") or {}),
            parts=[cls.from_dict(r) for r in d.get("reports", [])])


__all__ = [
    "SCHEMA_VERSION", "LONG_TABLE", "CHARGES_TABLE", "DATA_TABLES", "CHARGE_CONTEXT", "Brief", "Chart", "Column", "ColumnKind", "Figure", "Headline", "PriceSource",
    "Report", "Series", "Table", "to_json", "cell_from_json", "NUMERIC_KINDS", "DECIMAL_KINDS",
    "INT_KINDS"]
