"""Usage from any source: ``open_usage`` detects each file's kind and streams it, through the
reader of that kind, as chunks of the canonical Usage frame (``frame.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator, Optional

from calculator.errors import InputError, SourceMismatchError
from calculator.readers.frame import Chunk, ReaderInfo
from calculator.io import expand
from calculator.readers._policy import InvalidRows
from calculator.readers.detect import (DESCRIPTIONS, DETECTED_COST_KINDS, OTHER_KINDS, USAGE_SOURCES, detect,
                                       kind_of)


class UsageSource:
    """Files (or API pages) to read; ``chunks()`` streams them, ``info`` collects notes."""

    def __init__(self, paths: Iterable[str] = (), *, source: Optional[str] = None,
                 mapping: Optional[dict[str, str]] = None, on: Optional[dt.date] = None,
                 catalogue=None, policy: Optional[InvalidRows] = None, pages=None, pages_from: str = "admin"):
        if source is not None and source not in USAGE_SOURCES:
            raise InputError(f"--source {source!r}: expected one of {', '.join(USAGE_SOURCES)}")
        paths = [str(p) for p in paths]
        self.paths = expand(paths) if pages is None else []
        # Files found in a directory (not named): a saved Analytics run there holds cost pages too.
        self.in_directory = set(self.paths) - set(paths) if pages is None else set()
        self.source = source
        self.mapping = mapping or {}
        self.on = on or dt.datetime.now(dt.timezone.utc).date()
        self.catalogue = catalogue
        self.policy = policy or InvalidRows()
        self.pages = pages
        self.pages_from = pages_from  # "admin" (Admin API report pages) or "analytics"
        self.info = ReaderInfo(source=source or "auto", paths=list(self.paths))
        self.kinds: dict[str, str] = {}

    def _usage_kind(self, path: str, kind: str) -> str:
        """A detected kind that this reads as usage; any other is an error saying what the file is."""
        if kind in DETECTED_COST_KINDS:
            raise SourceMismatchError(f"this is {DESCRIPTIONS[kind]}, not usage: use "
                                      f"`batchcalc reconcile USAGE --costs {path}`", path=path)
        if kind in OTHER_KINDS:
            raise SourceMismatchError(f"this is {DESCRIPTIONS[kind]}, not a usage export", path=path)
        if kind == "unknown":
            raise InputError("not a recognised usage export (expected batch results JSONL, an Admin API "
                             "usage report, a Console usage CSV, or a CSV with --map); use --source",
                             path=path)
        if kind == "generic-csv" and not self.mapping:
            from calculator.io import head
            from calculator.readers.detect import csv_header

            found = ", ".join(repr(c) for c in csv_header(head(path)))
            raise InputError(f"a CSV that is not a Console usage export (columns {found}): map its "
                             f"columns with --map, e.g. --map model=COLUMN --map uncached_input=COLUMN "
                             f"--map output=COLUMN", path=path)
        return kind

    def chunks(self) -> Iterator[Chunk]:
        from calculator.readers import admin_usage, analytics_usage, batch_results, console_usage, generic

        if self.pages is not None and self.pages_from == "analytics":
            from calculator.readers.analytics import usage_table

            self.info.source = "analytics-api"
            yield from analytics_usage.chunks(usage_table(self.pages, "Analytics API usage"), "Analytics API usage",
                                              self.info)
            return
        if self.pages is not None:
            self.info.source = "admin-api"
            yield from admin_usage.parse_pages(self.pages, "Admin API", self.info, self.policy)
            return
        analytics = []
        for path in self.paths:
            if path in self.in_directory and detect(path) == "analytics-cost":
                self.kinds[path] = "analytics-cost"
                self.info.stats["analytics cost pages left to reconcile"] = \
                    self.info.stats.get("analytics cost pages left to reconcile", 0) + 1
                continue
            kind = kind_of(path, self.source, self._usage_kind)
            self.kinds[path] = kind
            if kind == "analytics-usage":
                analytics.append(path)  # the pages of one run are read together, as one source
            elif kind == "batch-results":
                if self.catalogue is None:
                    from pricing import load_catalogue

                    self.catalogue = load_catalogue()
                yield from batch_results.read(path, self.info, self.policy, self.on, self.catalogue)
            elif kind == "admin-usage":
                yield from admin_usage.read(path, self.info, self.policy)
            elif kind == "parquet":
                from calculator.readers import parquet

                yield from parquet.read(path, self.info, self.policy)
            elif kind == "console-csv":
                yield from console_usage.read(path, self.info, self.policy)
            else:
                yield from generic.read(path, self.info, self.policy, self.mapping, self.on)
        if analytics:
            yield from analytics_usage.read(analytics, self.info)


def open_usage(paths: Iterable[str] = (), *, source: Optional[str] = None,
               mapping: Optional[dict[str, str]] = None, on: Optional[dt.date] = None,
               catalogue=None, skip_invalid: bool = False, pages=None) -> UsageSource:
    return UsageSource(paths, source=source, mapping=mapping, on=on, catalogue=catalogue,
                       policy=InvalidRows(skip_invalid), pages=pages)
