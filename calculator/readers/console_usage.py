"""The Console usage CSV (Console > Usage > Export).

Columns as seen in public importers (not an official spec): usage_date_utc, model_version,
api_key, workspace, usage_type, context_window, usage_input_tokens_no_cache,
usage_input_tokens_cache_write_5m, usage_input_tokens_cache_write_1h,
usage_input_tokens_cache_read, usage_output_tokens, web_search_count, inference_geo, speed.
``usage_input_tokens_no_cache`` excludes cached tokens, like the API's ``input_tokens``.
"""

from __future__ import annotations

from typing import Iterator

from calculator.readers.frame import Chunk, ReaderInfo
from calculator.readers._csv import CsvBlocks, find_columns, read_chunks
from calculator.readers._policy import InvalidRows

COLUMNS = {
    "period": "usage_date_utc",
    "model": "model_version",
    "api_key": "api_key",
    "workspace": "workspace",
    "service_tier": "usage_type",
    "context_tier": "context_window",
    "uncached_input": "usage_input_tokens_no_cache",
    "cache_write_5m": "usage_input_tokens_cache_write_5m",
    "cache_write_1h": "usage_input_tokens_cache_write_1h",
    "cache_read": "usage_input_tokens_cache_read",
    "output": "usage_output_tokens",
    "web_search_requests": "web_search_count",
    "inference_geo": "inference_geo",
    "speed": "speed",
}
REQUIRED = {"period", "model", "uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output"}


def read(path: str, info: ReaderInfo, policy: InvalidRows) -> Iterator[Chunk]:
    blocks = CsvBlocks(path)
    try:
        cols = find_columns(path, blocks.header, COLUMNS, REQUIRED, "Console usage CSV")
    except Exception:
        blocks.close()
        raise
    constants = {"source": "console_csv"}
    if "service_tier" not in cols:
        constants["service_tier"] = "standard"
        note = f"{path}: no usage_type column: every row is taken as standard (synchronous) usage"
        if note not in info.assumptions:
            info.assumptions.append(note)
    yield from read_chunks(blocks, cols, policy, constants)
