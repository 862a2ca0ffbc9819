"""The Report object: what every output format renders, and nothing renders anything else.

A report holds computed results only. ``to_dict()`` is the versioned JSON contract (money as
exact decimal strings); ``tables()`` is the same content as display tables, which the table,
markdown and HTML renderers lay out; ``long_table()`` is the one long-form table CSV writes.
No renderer does arithmetic.
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
