"""Small CSV files (cost reports, invoices) read row by row with the csv module."""

from __future__ import annotations

import csv
import io
import re
from typing import Iterator

from calculator.errors import InputError
from calculator.io import DATA_LIMIT, EXPORT, read_text

_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def rows(path: str, policy=None) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The header and (line number, {lower-case column: value}) per row.

    A row with more or fewer fields than the header is a bad row (through ``policy``): an
    unquoted "1,234.56" splits an amount in two, and taking the first half would be a wrong
    number, never an error. Line numbers are physical lines (a quoted newline counts)."""
    from calculator.readers._policy import InvalidRows

    policy = policy or InvalidRows()
    text = read_text(path, limit=DATA_LIMIT, what=EXPORT, errors="surrogateescape")
    if not text.strip():
        raise InputError("file is empty (expected a CSV header line)", path=path)
    csv.field_size_limit(max(csv.field_size_limit(), 256_000_000))  # a long description is not an error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"not a readable CSV header ({exc})", path=path, line=1) from None
    if _NOT_UTF8.search(",".join(header)):
        raise InputError("not UTF-8 text in the header line; export the file as UTF-8", path=path, line=1)
    lowered = [h.lower() for h in header]
    for i, h in enumerate(lowered):
        if h and h in lowered[:i]:
            raise InputError(f"column {header[i]!r} appears twice (columns {lowered.index(h) + 1} and {i + 1}): "
                             f"which one holds the values is ambiguous", path=path, line=1)
    if len(header) < 2:
        raise InputError(f"not a CSV file: the first line has no comma-separated columns "
                         f"({text.splitlines()[0][:60]!r})", path=path, line=1)

    def gen():
        n = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                policy.bad(path, f"line {reader.line_num}", f"not a readable CSV row ({exc})", "malformed row")
                n = reader.line_num + 1
                continue
            start, n = n, reader.line_num + 1
            if not any(c.strip() for c in row):
                continue
            if _NOT_UTF8.search(",".join(row)):
                policy.bad(path, f"line {start}", "not UTF-8 text (a Latin-1 or Windows-1252 export?); "
                           "export the file as UTF-8", "not UTF-8")
                continue
            if len(row) != len(header):
                hint = "; an amount with a thousands separator must be quoted" if len(row) > len(header) else ""
                policy.bad(path, f"line {start}", f"expected {len(header)} fields, found {len(row)} "
                           f"({','.join(row)[:80]!r}){hint}", "malformed row")
                continue
            yield start, {h.lower(): row[i].strip() for i, h in enumerate(header)}

    return header, gen()


def require(path: str, header: list[str], required: list[str], optional: list[str], what: str):
    lower = {h.lower() for h in header}
    missing = [c for c in required if c.lower() not in lower]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(repr(m) for m in missing)}; expected "
                         f"{', '.join(required)} (required) and optionally {', '.join(optional)}; found "
                         f"{', '.join(repr(h) for h in header)}", path=path, line=1)
