"""What an input is, from its first bytes: the one detector for every kind batchcalc reads (usage
and cost exports, sample requests, batch objects, workloads files, saved reports)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Callable, Optional

from calculator.errors import InputError
from calculator.io import head

# --source names (CLI) -> reader kinds.
USAGE_SOURCES = ("batch-results", "admin-usage", "analytics-usage", "console-csv", "generic-csv", "parquet")
COST_SOURCES = ("admin-cost", "analytics-cost", "console-cost-csv", "generic-invoice-csv")
# Kinds that are neither usage nor cost: the inputs of count/plan/check/batches and saved reports.
OTHER_KINDS = ("batch-requests", "batch-objects", "workloads", "report-json")
# The kinds detection names on its own (a CSV with other columns needs --map or --cost-map).
DETECTED_USAGE_KINDS = tuple(k for k in USAGE_SOURCES if k != "generic-csv")
DETECTED_COST_KINDS = tuple(k for k in COST_SOURCES if k != "generic-invoice-csv")
DESCRIPTIONS = {
    "batch-results": "a Message Batches results JSONL file",
    "admin-usage": "an Admin API usage report (JSON)",
    "console-csv": "a Console usage CSV",
    "generic-csv": "a CSV with a --map column mapping",
    "parquet": "Parquet usage (the Console usage CSV's columns or the canonical names)",
    "admin-cost": "an Admin API cost report (JSON)",
    "analytics-usage": "Usage and Cost Analytics API usage pages (JSON)",
    "analytics-cost": "Usage and Cost Analytics API cost pages (JSON)",
    "console-cost-csv": "a Console cost CSV",
    "generic-invoice-csv": "an invoice CSV with a --map column mapping",
    "batch-requests": "a Message Batches request file (sample requests)",
    "batch-objects": "Message Batch objects (JSON)",
    "workloads": "a workloads file (YAML)",
    "report-json": "a report saved with --format json",
    "empty": "an empty file",
    "unknown": "an unrecognised file",
}

# A saved report opens with its schema version and kind (and may quote custom_ids later).
_REPORT_START = re.compile(rb'\{\s*"schema_version"\s*:\s*"[^"]*"\s*,\s*"kind"\s*:')
# No results line, usage or cost report holds this type (a results line's is "succeeded").
_BATCH_OBJECT = re.compile(rb'"type"\s*:\s*"message_batch"')
_WORKLOADS = re.compile(rb"^workloads\s*:", re.M)


def csv_header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(first)))]
    except (StopIteration, csv.Error):
        return []


def looks_like_requests(data: bytes) -> bool:
    """Whether the first bytes of a (decompressed, BOM-less) file are a Message Batches request
    file: a JSONL line with "custom_id" and "params", or the {"requests": [...]} body (prompt
    files and prompt CSVs need --model and are told by the requests reader itself)."""
    text = data.lstrip()
    if not text.startswith(b"{"):
        return False
    if re.match(rb'\{\s*"requests"\s*:\s*\[', text):
        return True
    first, newline, _ = text.partition(b"\n")
    try:
        obj = json.loads(first)
    except RecursionError:
        return False  # nested too deeply for any request: the reader of its kind says so
    except ValueError:
        # A first request longer than the head: its keys are still at its start.
        return not newline and b'"custom_id"' in first and b'"params"' in first
    return isinstance(obj, dict) and "custom_id" in obj and "params" in obj


def detect_bytes(data: bytes) -> str:
    """The kind of input whose first bytes (decompressed, BOM-less) are ``data``: a key of
    DESCRIPTIONS ("empty" and "unknown" included)."""
    if data[:4] == b"PAR1":
        return "parquet"
    text = data.lstrip()
    if not text:
        return "empty"
    if text[:1] in (b"{", b"["):
        if _REPORT_START.match(text):
            return "report-json"
        if looks_like_requests(text):
            return "batch-requests"
        if _BATCH_OBJECT.search(text):
            return "batch-objects"
        if re.search(rb'"schema_version"\s*:', text) and re.search(rb'"kind"\s*:', text):
            return "report-json"
        from calculator.readers.analytics import looks_like_analytics

        # Before the Admin API checks: an Analytics cost page also has "amount".
        analytics = looks_like_analytics(text)
        if analytics:
            return analytics.replace("_", "-")
        if b'"custom_id"' in text[:65536]:
            return "batch-results"
        if b'"amount"' in text or b'"cost_type"' in text:
            return "admin-cost"
        if b'"results"' in text or b'"data"' in text:
            return "admin-usage"
        return "unknown"
    if _WORKLOADS.search(text):
        return "workloads"
    cols = {c.lower() for c in csv_header(text)}
    if "usage_input_tokens_no_cache" in cols or "usage_output_tokens" in cols:
        return "console-csv"
    if ("token_type" in cols or "usage_date_utc" in cols) and ("cost_usd" in cols or "list_price_usd" in cols):
        return "console-cost-csv"
    if len(cols) >= 2:
        return "generic-csv"
    return "unknown"


def detect(path: str) -> str:
    """The kind of ``path`` ("empty" and "unknown" included)."""
    return detect_bytes(head(path))


def kind_of(path: str, source: Optional[str] = None,
            judge: Optional[Callable[[str, str], str]] = None) -> str:
    """What ``path`` is: ``source`` (--source) when given, checked against the file; else the kind
    detected, as ``judge(path, kind)`` accepts it (it raises for a kind the caller cannot read).
    An empty file is an error either way."""
    if source is not None:
        check_kind(path, source)
        return source
    kind = detect(path)
    if kind == "empty":
        raise InputError("file is empty", path=path)
    return judge(path, kind) if judge is not None else kind


def check_kind(path: str, expected: str, found: str | None = None) -> None:
    """Raise SourceMismatchError when a file is not what --source (or the command) says."""
    from calculator.errors import SourceMismatchError

    found = found or detect(path)
    if found == "empty":
        raise InputError("file is empty", path=path)
    compatible = {expected}
    if expected == "generic-csv":
        compatible |= {"console-csv", "console-cost-csv", "generic-csv"}
    if expected == "generic-invoice-csv":
        compatible |= {"console-cost-csv", "console-csv", "generic-csv"}
    if found not in compatible:
        raise SourceMismatchError(
            f"--source {expected} expects {DESCRIPTIONS[expected]}, but this looks like "
            f"{DESCRIPTIONS.get(found, found)}", path=path)
