"""The Report object: what every output format renders, and nothing renders anything else.

A report holds computed results only. ``to_dict()`` is the versioned JSON contract (money as
exact decimal strings); ``tables()`` is the same content as display tables, which the table,
markdown, HTML and XLSX renderers lay out; ``long_table()`` is the one long-form table CSV and
FOCUS write. No renderer does arithmetic.

Optional presentation hooks (all have defaults, so every report renders to HTML as it is; a
report overrides them to get a richer page):

- ``headline()`` -> ``Headline``: the executive summary's big numbers and the one
  recommendation, and a one-line ``Brief`` of the report for a page of several reports.
  Default: None, and the page shows ``summary`` as cards instead.
- ``charts()`` -> list of ``Chart``: declarative chart data (categories, series, ranges,
  flagged points); ``reports/charts.py`` draws them with matplotlib. Default: none.
- ``price_sources()`` -> list of ``PriceSource``: each rate card the numbers used, with its
  source, check date and status, for the methodology section. Default: none.
- ``charge_context()`` -> dict: defaults for the FOCUS columns that ``long_table()`` rows do not
  carry themselves (``reports/focus_format.py`` lists the keys). Default: {}.
- ``parts()`` -> the reports a page is made of: ``[self]``, or a composite's members.

A kind can also add markup of its own with a template ``reports/templates/kinds/<kind>.html.j2``
(it receives ``report`` and ``part``), included after the part's tables when it exists.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Optional

from calculator.money import money_str

SCHEMA_VERSION = "1.0"

ColumnKind = Literal["text", "int", "money", "rate", "percent", "date", "number"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    caption: Optional[str] = None
    # On a phone, show each row as a card of label: value lines instead of a wide table that
    # scrolls sideways (for a few rows whose every column matters, e.g. lines to query).
    cards: bool = False


@dataclass(frozen=True)
class Figure:
    """One headline number: a label, a value formatted by ``kind`` like a table cell, a detail line."""

    label: str
    value: Any
    kind: ColumnKind = "money"
    detail: str = ""
    tone: Literal["neutral", "good", "bad", "muted"] = "neutral"


@dataclass(frozen=True)
class Brief:
    """A report in one line, for the executive summary of a page of several reports: a topic a
    non-engineer recognises ("Invoice check") and one sentence ("1 line outside tolerance, $15.00
    over"). ``part`` is set by the composite: the 1-based position of the part it sums up."""

    topic: str
    text: str
    tone: Literal["neutral", "good", "bad", "muted"] = "neutral"
    part: int = 0


@dataclass(frozen=True)
class Headline:
    """The executive summary: a few figures, the one recommendation, what the figures cover.

    ``brief`` sums the report up in one line when it shares a page with others; a composite's
    headline is its lead part's, with the other parts' briefs in ``others``."""

    figures: list[Figure]
    recommendation: str = ""
    scope: str = ""
    brief: Optional[Brief] = None
    others: tuple[Brief, ...] = ()


@dataclass(frozen=True)
class Series:
    """One data series of a chart: one value per category (None: no bar).

    ``low``/``high`` (optional, per category, None where there is no range) draw a range as an
    error bar around the value: e.g. the cost at the high and the low cache hit rate.
    ``role`` picks the colour (see ``reports/charts.py`` ROLE_COLOURS); unknown roles cycle.
    """

    label: str
    values: list[Any]
    low: Optional[list[Any]] = None
    high: Optional[list[Any]] = None
    role: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart as data. ``kind``: ``bar`` (grouped), ``stacked_bar``, ``hbar`` (horizontal,
    one series, for long labels such as models) or ``line`` (e.g. expected vs billed by day).
    ``category_roles`` colours the bars of a one-series bar chart one by one; ``flagged`` marks
    categories (indices) that need attention, e.g. reconciliation days outside tolerance."""

    name: str
    title: str
    kind: Literal["bar", "stacked_bar", "hbar", "line"]
    categories: list[str]
    series: list[Series]
    unit: Literal["usd", "tokens", "count"] = "usd"
    caption: str = ""
    category_roles: Optional[list[str]] = None
    flagged: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PriceSource:
    """A rate card the report's numbers rest on."""

    model: str
    display_name: str
    service_tier: str
    source: str
    checked: Optional[dt.date]
    status: str  # confirmed | unconfirmed | custom
    note: str = ""


def jsonable(value: Any) -> Any:
    """Decimals become exact strings, dates ISO strings; containers are walked."""
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


@dataclass
class Report(abc.ABC):
    """Base of every command's report."""

    kind: str
    title: str
    catalogue_version: str
    summary: list[tuple[str, str]] = field(default_factory=list)  # headline label -> value text
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return jsonable({"schema_version": SCHEMA_VERSION, "kind": self.kind,
                         "catalogue_version": self.catalogue_version, **self.payload(),
                         "assumptions": self.assumptions, "warnings": self.warnings})

    @abc.abstractmethod
    def payload(self) -> dict:
        """The kind-specific keys of the JSON contract."""

    @abc.abstractmethod
    def tables(self) -> list[Table]:
        """The report as display tables, first the most important."""

    def long_table(self) -> Table:
        """The long-form table (one row per period x model x token type x tier) for CSV."""
        return self.tables()[0]

    @property
    def exit_code(self) -> int:
        return 0

    # -- optional presentation hooks (see the module docstring) --------------------------
    def headline(self) -> Optional[Headline]:
        return None

    def charts(self) -> list[Chart]:
        return []

    def price_sources(self) -> list[PriceSource]:
        return []

    def charge_context(self) -> dict[str, Any]:
        return {}

    def parts(self) -> list["Report"]:
        return [self]
