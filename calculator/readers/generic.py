"""Any CSV, with a column mapping: ``--map uncached_input="Input Tokens" --map output="Output Tokens"``.

Canonical names that can be mapped: period (a date), model, service_tier, context_tier,
inference_geo, speed, workspace, api_key, and the counts uncached_input, cache_write_5m,
cache_write_1h, cache_read, output, web_search_requests, requests. ``model`` and at least one
token count are required; unmapped counts are zero; with no ``period`` column the rows are
dated by --on; with no ``service_tier`` column every row is standard (synchronous) usage.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from calculator.errors import InputError
from calculator.readers.frame import COUNTS, DIMENSIONS, TOKEN_COUNTS, Chunk, ReaderInfo
from calculator.readers._csv import CsvBlocks, find_columns, read_chunks
from calculator.readers._policy import InvalidRows

MAPPABLE = tuple(d for d in DIMENSIONS if d != "source") + COUNTS


def parse_mapping(items: list[str] | None, *, option: str = "--map", names: tuple[str, ...] = MAPPABLE,
                  example: str = 'output="Output Tokens"') -> dict[str, str]:
    """``["output=Output Tokens", ...]`` -> {"output": "Output Tokens"}; names are checked."""
    mapping: dict[str, str] = {}
    for item in items or []:
        name, sep, column = item.partition("=")
        name, column = name.strip(), column.strip().strip('"').strip("'")
        if not sep or not name or not column:
            raise InputError(f"{option} {item!r}: expected NAME=COLUMN, e.g. {example}")
        if name not in names:
            raise InputError(f"{option} {item!r}: unknown name {name!r}; expected one of {', '.join(names)}")
        mapping[name] = column
    return mapping


def read(path: str, info: ReaderInfo, policy: InvalidRows, mapping: dict[str, str],
         on: dt.date) -> Iterator[Chunk]:
    if not mapping:
        raise InputError("a generic CSV needs a column mapping: --map model=COLUMN --map "
                         "uncached_input=COLUMN --map output=COLUMN ... (see batchcalc usage --help)",
                         path=path)
    if "model" not in mapping:
        raise InputError("--map model=COLUMN is required for a generic CSV", path=path)
    if not any(c in mapping for c in TOKEN_COUNTS):
        raise InputError(f"--map needs at least one token column ({', '.join(TOKEN_COUNTS)})", path=path)
    blocks = CsvBlocks(path)
    try:
        cols = find_columns(path, blocks.header, mapping, set(mapping), "CSV with --map")
    except Exception:
        blocks.close()
        raise
    constants = {"source": "generic_csv"}
    if "period" not in cols:
        constants["period"] = on.isoformat()
        info.assumptions.append(f"{path}: no period column mapped: rows dated {on.isoformat()} (--on)")
    if "service_tier" not in cols:
        constants["service_tier"] = "standard"
        info.assumptions.append(f"{path}: no service_tier column mapped: every row is standard (synchronous) usage")
    yield from read_chunks(blocks, cols, policy, constants)
