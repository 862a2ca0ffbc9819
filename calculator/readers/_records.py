"""Turning row-level records (JSON sources) into chunks of the Usage frame."""

from __future__ import annotations

from calculator.readers.frame import COUNTS, DIMENSIONS, Chunk

CHUNK_ROWS = 100_000


class RecordBuffer:
    """Collects records (dicts with canonical keys) and their locations; flushes chunks."""

    def __init__(self, path: str, buckets: bool = True):
        self.path = path
        self.buckets = buckets
        self.rows: dict[str, list] = {k: [] for k in (*DIMENSIONS, *COUNTS)}
        self.where: list[str] = []

    def add(self, record: dict, where: str) -> None:
        for k, values in self.rows.items():
            v = record.get(k)
            values.append((0 if v is None else v) if k in COUNTS else ("" if v is None else str(v)))
        self.where.append(where)

    def __len__(self):
        return len(self.where)

    def flush(self) -> Chunk | None:
        import pyarrow as pa

        if not self.where:
            return None
        table = pa.table({k: pa.array(v, pa.int64() if k in COUNTS else pa.string())
                          for k, v in self.rows.items()})
        where = self.where
        self.rows = {k: [] for k in self.rows}
        self.where = []
        return Chunk(table, self.path, lambda i, _w=where: _w[i], line_based=False, buckets=self.buckets)


INT64_MAX = (1 << 63) - 1


def count_problem(value) -> str:
    """Why ``whole`` refused a count, in words."""
    w = whole(value, "", bounded=False)
    return "is not a whole number" if w is None else "is too large (more than 2^63 - 1)"


def whole(value, key: str, bounded: bool = True):
    """A JSON count as an int (negatives are left to the engine), or None if it is not a whole
    number or (``bounded``) does not fit in int64."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value) if len(value) < 4000 else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if not bounded or abs(value) <= INT64_MAX else None
    return None
