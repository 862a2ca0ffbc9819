"""Costs: what was billed, line by line, in US dollars (``CostSource``: which cost reader reads
each file). The cost readers beside it in calculator/readers/:

    cost_lines.py            BilledLine, the spellings of every cost export, exact amounts
    analytics_cost.py        saved Analytics API cost pages
    admin_cost.py            Admin API cost report JSON (``amount`` is a decimal string in CENTS)
    console_cost_csv.py      the Console cost CSV (``cost_usd`` in dollars, display-name models)
    console_cost_scan.py     the same file read by DuckDB and summed per line (the exact reader
                             above names a bad row when it cannot)
    generic_invoice_csv.py   any invoice CSV with a --cost-map column mapping

Every reader yields ``BilledLine``s: a day, a model (catalogue id), the Admin API token type, the
cost type, service tier, context tier and workspace where the source has them (None where it
does not), and the amount in dollars. Amounts in cents are converted here and only here.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from calculator.errors import InputError, SourceMismatchError
from calculator.io import expand
from calculator.readers._policy import InvalidRows
from calculator.readers.detect import COST_SOURCES, DESCRIPTIONS, DETECTED_COST_KINDS, detect, kind_of

from calculator.readers.cost_lines import BilledLine, LineMaker  # noqa: F401 (BilledLine is public)


class CostSource:
    """Cost files (or API pages) to read."""

    def __init__(self, paths: Iterable[str] = (), *, source: Optional[str] = None,
                 mapping: Optional[dict[str, str]] = None, catalogue=None,
                 policy: Optional[InvalidRows] = None, pages=None, tier_map: Optional[dict[str, str]] = None,
                 pages_from: str = "admin"):
        if source is not None and source not in COST_SOURCES:
            raise InputError(f"--cost-source {source!r}: expected one of {', '.join(COST_SOURCES)}")
        paths = [str(p) for p in paths]
        self.paths = expand(paths) if pages is None else []
        # Files found in a directory (not named): a saved Analytics run there holds usage pages too.
        self.in_directory = set(self.paths) - set(paths) if pages is None else set()
        self.source, self.mapping, self.pages = source, mapping or {}, pages
        self.pages_from = pages_from  # "admin" (Admin API report pages) or "analytics"
        if catalogue is None:
            from pricing import load_catalogue

            catalogue = load_catalogue()
        self.catalogue = catalogue
        # Cost lines are skipped and counted apart from usage rows (a policy shared with the usage
        # reader would have had its warnings taken before the costs were read: a silent drop).
        self.policy = InvalidRows(policy.skip if policy is not None else False, noun="cost line")
        self.warnings: list[str] = []
        self.kinds: dict[str, str] = {}
        self.tier_map = tier_map or {}

    @property
    def skipped(self) -> int:
        """Cost lines skipped with --skip-invalid (bad rows and exact duplicates)."""
        return self.policy.count

    def _cost_kind(self, path: str, kind: str) -> str:
        """A detected kind that this reads as costs; any other is an error saying what the file is."""
        if kind in DETECTED_COST_KINDS:
            return kind
        if kind == "generic-csv" and self.mapping:
            return "generic-invoice-csv"
        raise SourceMismatchError(f"expected a cost report (an Admin API cost report, a Console cost "
                                  f"CSV, or an invoice CSV with --cost-map), but this looks like "
                                  f"{DESCRIPTIONS.get(kind, kind)}", path=path)

    def lines(self) -> Iterator[BilledLine]:
        """Every billed line; once exhausted, ``warnings`` includes the skipped lines."""
        for line in self._dedup(self._read()):
            yield line
        self.warnings.extend(self.policy.warnings())

    def _read(self) -> Iterator[BilledLine]:
        from calculator.readers import (admin_cost, analytics_cost, console_cost_csv, console_cost_scan,
                                             generic_invoice_csv)

        maker = LineMaker(self.catalogue, self.policy, self.tier_map)
        if self.pages is not None and self.pages_from == "analytics":
            from calculator.readers.analytics import cost_table

            yield from analytics_cost.lines(cost_table(self.pages, "Analytics API cost"), "Analytics API cost", maker)
            return
        if self.pages is not None:
            yield from admin_cost.parse_pages(self.pages, "Admin API cost report", maker, self.policy, self.warnings)
            return
        analytics = []
        for path in self.paths:
            if path in self.in_directory and detect(path) == "analytics-usage":
                continue  # the usage pages of a saved run, beside its cost pages: the usage side reads them
            kind = kind_of(path, self.source, self._cost_kind)
            self.kinds[path] = kind
            if kind == "analytics-cost":
                analytics.append(path)  # the pages of one run are read together, as one source
            elif kind == "admin-cost":
                yield from admin_cost.read(path, maker, self.policy, self.warnings)
            elif kind == "console-cost-csv":
                summed = console_cost_scan.read(path, maker)
                yield from summed if summed is not None else console_cost_csv.read(path, maker, self.policy,
                                                                                  self.warnings)
            else:
                yield from generic_invoice_csv.read(path, maker, self.policy, self.mapping, self.warnings)
        if analytics:
            yield from analytics_cost.read(analytics, maker)

    def _dedup(self, lines: Iterator[BilledLine]) -> Iterator[BilledLine]:
        """A line repeated within one file (every field, amount included) is a bad row: an error,
        or a counted skip. Repeats across files (overlapping date ranges) are left to
        ``calculator.reconcile.reconcile``, which refuses them. The Console cost CSV is not deduplicated:
        its repeated rows are separate charges."""
        seen: dict[tuple, str] = {}
        for c in lines:
            if c.cent_rounded:
                yield c
                continue
            path, _, where = c.where.partition(" ")
            ident = (path, *c.identity(), c.amount, c.list_price, c.currency)
            first = seen.get(ident)
            if first is not None:
                self.policy.bad(path, where, f"the same cost line as {first} (date, model, token type, "
                                f"tiers, workspace and amount): it would be billed twice", "duplicate line")
                continue
            seen[ident] = where
            yield c
