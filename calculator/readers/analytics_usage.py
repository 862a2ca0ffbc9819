"""Usage and Cost Analytics API usage pages (saved with ``--save-responses``, or fetched with
``--from-api``) as chunks for the engine. The pages are parsed into the canonical relation by
``calculator.readers.analytics`` (every field name in one place); this module hands its rows to
the engine as one source, so pages of one run split across files are not taken for two files
holding the same usage."""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from calculator.engine.normalise import parse_period
from calculator.engine.rates import NOT_GROUPED
from calculator.readers.frame import Chunk, ReaderInfo
from calculator.readers._records import CHUNK_ROWS, RecordBuffer

NOT_GROUPED_NOTES = {
    "context_window": "not grouped by context_window: priced at base (≤200K) rates; long-context usage "
                      "would be under-priced (group by context_window)",
    "model": "not grouped by model: those rows cannot be priced (group by model)",
    "service_tier": "not grouped by service_tier: those rows cannot be priced (group by service_tier)",
}


def where_of(row: dict, name: str) -> str:
    """Where a row came from, for messages about ``name`` (one file, or the files of a run)."""
    return f"row {row['line']}" if row["source"] == name else f"row {row['line']} of {row['source']}"


def name_of(paths: list[str]) -> str:
    """One name for the files of a saved run: the file, or the directory holding them."""
    if len(paths) == 1:
        return paths[0]
    try:
        return os.path.commonpath(paths) or paths[0]
    except ValueError:
        return paths[0]


def read(paths: Iterable[str], info: ReaderInfo) -> Iterator[Chunk]:
    """The usage pages among ``paths`` (files already told to be Analytics usage pages)."""
    import pyarrow as pa

    from calculator.readers.analytics import load_pages, usage_table

    paths = list(paths)
    tables = [usage_table(load_pages(p), p) for p in paths]
    yield from chunks(pa.concat_tables(tables), name_of(paths), info)


def chunks(table, name: str, info: ReaderInfo) -> Iterator[Chunk]:
    """The rows of an Analytics usage relation (``readers.analytics.usage_table``) as chunks."""
    from calculator.readers.analytics import USAGE_COUNTS

    buf = RecordBuffer(name)
    ungrouped = set()
    without_requests = 0
    for row in table.to_pylist():
        without_requests += row["requests"] is None
        for dim in NOT_GROUPED_NOTES:
            if row[dim] is None:
                ungrouped.add(dim)
        rec = {**{c: row[c] for c in USAGE_COUNTS}, "requests": row["requests"] or 0,
               "period": parse_period(row["period"].isoformat()), "source": "analytics_usage",
               "model": row["model"] or NOT_GROUPED, "service_tier": row["service_tier"] or NOT_GROUPED,
               "context_tier": row["context_window"] or "", "inference_geo": row["inference_geo"] or "global",
               "speed": row["speed"] or "standard", "workspace": row["workspace"] or "",
               "api_key": row["api_key"] or ""}
        buf.add(rec, where_of(row, name))
        if len(buf) >= CHUNK_ROWS:
            yield buf.flush()
    chunk = buf.flush()
    if chunk is not None:
        yield chunk
    info.warnings += [note for note in (f"{name}: {NOT_GROUPED_NOTES[d]}" for d in sorted(ungrouped))
                      if note not in info.warnings]
    info.stats["rows"] = info.stats.get("rows", 0) + table.num_rows
    if without_requests:
        info.stats["rows_without_requests"] = info.stats.get("rows_without_requests", 0) + without_requests
        info.warnings.append(f"{name}: {without_requests:,} row(s) without a request count (null): no "
                             f"per-request figures")
