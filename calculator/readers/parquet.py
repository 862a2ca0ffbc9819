"""Parquet usage (a file, or a directory of files): the Console usage CSV's columns or the canonical
names, read in record batches. DuckDB reads correct Parquet in one scan (``engine/scan.py``);
this reader is the exact path that names a bad row ("row N", counted from 1 across the file).
"""

from __future__ import annotations

from typing import Iterator

from calculator.errors import InputError
from calculator.readers.frame import COUNTS, DIMENSIONS, Chunk, ReaderInfo
from calculator.readers._policy import InvalidRows

BATCH_ROWS = 1 << 20


def read(path: str, info: ReaderInfo, policy: InvalidRows) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from calculator.engine.scan import CONSOLE_COLUMNS, REQUIRED

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", path=path) from None
    names = {}
    for name in pf.schema_arrow.names:
        low = name.lower()
        canon = CONSOLE_COLUMNS.get(low, low if low in (*DIMENSIONS, *COUNTS) else None)
        if canon is not None:
            names.setdefault(canon, name)
    missing = sorted(REQUIRED - set(names))
    if missing:
        raise InputError(f"Parquet usage: missing column(s) {', '.join(missing)} (canonical names or the Console "
                         f"usage CSV's); found {', '.join(pf.schema_arrow.names)}", path=path)
    start = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=list(names.values())):
        table = pa.Table.from_batches([batch]).rename_columns(
            [next(c for c, n in names.items() if n == col) for col in batch.schema.names])
        for c in DIMENSIONS:
            if c in table.column_names:
                table = table.set_column(table.column_names.index(c), c, table[c].cast(pa.string()))
        first = start + 1
        start += table.num_rows
        rows = list(range(first, first + table.num_rows))
        table, rows = _whole_counts(table, rows, path, policy)
        yield Chunk(table, path, lambda i, _r=rows: f"row {_r[i]}", line_based=False)


def _whole_counts(table, rows: list[int], path: str, policy: InvalidRows):
    """``table`` with every count column as int64: a column of another type (double, decimal,
    text) is checked value by value, and a row whose count is not a whole number that fits in
    int64 is named (or skipped and counted), never rounded."""
    import pyarrow as pa

    from calculator.readers._records import count_problem, whole

    keep = [True] * table.num_rows
    columns = {}
    for c in COUNTS:
        if c not in table.column_names or pa.types.is_integer(table[c].type):
            continue
        values = []
        for i, v in enumerate(table[c].to_pylist()):
            w = whole(v, c)
            if w is None and keep[i]:
                what = "requests" if c == "requests" else "searches" if "web" in c else "tokens"
                policy.bad(path, f"row {rows[i]}", f"column {c!r}: {v!r} {count_problem(v)} (expected a whole "
                           f"number of {what} >= 0)", "non-integer count")
                keep[i] = False
            values.append(w or 0)
        columns[c] = pa.array(values, pa.int64())
    for c, col in columns.items():
        table = table.set_column(table.column_names.index(c), c, col)
    if not all(keep):
        table = table.filter(pa.array(keep))
        rows = [r for r, k in zip(rows, keep) if k]
    return table, rows
