"""The Admin API usage report (``GET /v1/organizations/usage_report/messages``).

A page is ``{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}``;
a file may hold one page, a JSON list of pages, or one page per line; a directory holds such
files. Each result has ``uncached_input_tokens``, ``cache_creation.ephemeral_5m_input_tokens``,
``cache_creation.ephemeral_1h_input_tokens``, ``cache_read_input_tokens``, ``output_tokens``,
``server_tool_use.web_search_requests`` and the dimensions it was grouped by (``model``,
``service_tier``, ``context_window``, ``workspace_id``, ``api_key_id``, ``inference_geo``,
``speed``); a dimension the report was not grouped by is null.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from calculator.errors import SourceMismatchError
from calculator.readers import admin_pages
from calculator.engine.rates import NOT_GROUPED
from calculator.readers.frame import Chunk, ReaderInfo
from calculator.io import DATA_LIMIT, EXPORT, json_pages, read_text
from calculator.readers._policy import InvalidRows
from calculator.readers._records import CHUNK_ROWS, RecordBuffer, count_problem, whole

COUNT_FIELDS = {
    "uncached_input": ("uncached_input_tokens",),
    "cache_write_5m": ("cache_creation", "ephemeral_5m_input_tokens"),
    "cache_write_1h": ("cache_creation", "ephemeral_1h_input_tokens"),
    "cache_read": ("cache_read_input_tokens",),
    "output": ("output_tokens",),
    "web_search_requests": ("server_tool_use", "web_search_requests"),
}
REQUIRED = ("uncached_input_tokens", "output_tokens")


def load_pages(path: str) -> list[dict]:
    """The pages in a file: one page, a list of pages, or one page per line."""
    pages = json_pages(read_text(path, limit=DATA_LIMIT, what=EXPORT), path, "an Admin API report: {\"data\": [...]}")
    for i, page in enumerate(pages):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            found = sorted(page)[:6] if isinstance(page, dict) else type(page).__name__
            raise SourceMismatchError(
                f"page {i + 1}: not an Admin API report page (expected an object with a \"data\" "
                f"list of buckets; found {found})", path=path)
    return pages


def split_problem(total, split, write_5m: int, write_1h: int) -> str | None:
    """Why a result's cache writes cannot be split into the 5m and 1h partitions (None if they can).

    The two TTLs are priced differently (1.25x and 2x input), so a total without its
    ``cache_creation`` split, or a split that does not add up to the total, cannot be priced
    without guessing."""
    if total is None or isinstance(total, bool):
        return None
    t = whole(total, "cache_creation_input_tokens")
    if t is None:
        return f"cache_creation_input_tokens = {str(total)[:40]!r} {count_problem(total)} of tokens"
    if not isinstance(split, dict):
        if t == 0:
            return None
        return (f"cache_creation_input_tokens = {t:,} without the cache_creation split "
                f"(ephemeral_5m_input_tokens, ephemeral_1h_input_tokens): 5-minute and 1-hour "
                f"cache writes are priced differently and cannot be told apart")
    if t != write_5m + write_1h:
        return (f"cache_creation_input_tokens = {t:,} but cache_creation splits it into "
                f"{write_5m:,} (5m) + {write_1h:,} (1h) = {write_5m + write_1h:,}: the token "
                f"partitions do not add up")
    return None


def _get(result: dict, keys: tuple[str, ...]):
    v = result
    for k in keys:
        if not isinstance(v, dict):
            return None
        v = v.get(k)
    return v


def _counted(pages: Iterable[dict], info: ReaderInfo) -> Iterator[dict]:
    for page in pages:
        info.stats["pages"] = info.stats.get("pages", 0) + 1
        yield page


def parse_pages(pages: Iterable[dict], path: str, info: ReaderInfo, policy: InvalidRows,
                source: str = "admin_usage") -> Iterator[Chunk]:
    buf = RecordBuffer(path)
    ungrouped: set[str] = set()
    for where, period, result in admin_pages.results(_counted(pages, info), path, policy):
        if not isinstance(result, dict):
            policy.bad(path, where, "expected a result object", "malformed result")
            continue
        if "amount" in result:
            raise SourceMismatchError(
                f"{where}: this is a cost report (results have \"amount\"), not a usage report; "
                f"use `batchcalc reconcile` for cost reports", path=path)
        missing = [k for k in REQUIRED if k not in result]
        if missing:
            policy.bad(path, where, f"missing {', '.join(missing)} (found {', '.join(sorted(result)) or 'nothing'})",
                       "missing field")
            continue
        rec = {"period": period, "source": source,
               "workspace": result.get("workspace_id") or "",
               "api_key": result.get("api_key_id") or ""}
        for dim, key in (("model", "model"), ("service_tier", "service_tier")):
            v = result.get(key)
            if v is None:
                ungrouped.add(key)
            rec[dim] = NOT_GROUPED if v is None else v
        ctx = result.get("context_window")
        if ctx is None:
            ungrouped.add("context_window")
        rec["context_tier"] = ctx or ""
        rec["inference_geo"] = result.get("inference_geo") or "global"
        rec["speed"] = result.get("speed") or "standard"
        ok = True
        for canon, keys in COUNT_FIELDS.items():
            raw = _get(result, keys)
            v = whole(raw, canon)
            if v is None:
                policy.bad(path, where, f"{'.'.join(keys)} = {str(raw)[:40]!r} {count_problem(raw)} of "
                           f"{'searches' if 'web' in canon else 'tokens'}", "non-integer count")
                ok = False
                break
            rec[canon] = v
        if not ok:
            continue
        problem = split_problem(result.get("cache_creation_input_tokens"), result.get("cache_creation"),
                                rec["cache_write_5m"], rec["cache_write_1h"])
        if problem:
            policy.bad(path, where, problem, "cache writes not split")
            continue
        buf.add(rec, where)
        if len(buf) >= CHUNK_ROWS:
            yield buf.flush()
    chunk = buf.flush()
    if chunk is not None:
        yield chunk
    for key in sorted(ungrouped):
        if key == "context_window":
            note = (f"{path}: the report is not grouped by context_window: priced at base (≤200K) "
                    f"rates; long-context usage would be under-priced (group by context_window)")
        else:
            note = (f"{path}: the report is not grouped by {key}: those rows cannot be priced "
                    f"(fetch it with group_by[]={key})")
        if note not in info.warnings:
            info.warnings.append(note)


def read(path: str, info: ReaderInfo, policy: InvalidRows) -> Iterator[Chunk]:
    pages = load_pages(path)
    note = admin_pages.incomplete(pages, path)
    if note and note not in info.warnings:
        info.warnings.append(note)
    yield from parse_pages(pages, path, info, policy)
