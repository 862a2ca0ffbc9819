"""Small CSV files (cost reports, invoices) read row by row with the csv module."""

from __future__ import annotations

import csv
import io
from typing import Iterator

from calculator.errors import InputError
from calculator.usage_readers._io import read_text


def rows(path: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    text = read_text(path)
    if not text.strip():
        raise InputError("file is empty (expected a CSV header line)", path=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]

    def gen():
        for n, row in enumerate(reader, 2):
            if not any(c.strip() for c in row):
                continue
            yield n, {h.lower(): (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}

    return header, gen()


def require(path: str, header: list[str], required: list[str], optional: list[str], what: str):
    lower = {h.lower() for h in header}
    missing = [c for c in required if c.lower() not in lower]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(repr(m) for m in missing)}; expected "
                         f"{', '.join(required)} (required) and optionally {', '.join(optional)}; found "
                         f"{', '.join(repr(h) for h in header)}", path=path, line=1)
