"""Which kind of export a file is, from its first bytes."""

from __future__ import annotations

import csv
import io

from calculator.errors import InputError
from calculator.readers._io import head

# --source names (CLI) -> reader kinds.
USAGE_SOURCES = ("batch-results", "admin-usage", "analytics-usage", "console-csv", "generic-csv", "parquet")
COST_SOURCES = ("admin-cost", "analytics-cost", "console-cost-csv", "generic-invoice-csv")
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
    "empty": "an empty file",
    "unknown": "an unrecognised file",
}


def csv_header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(first)))]
    except (StopIteration, csv.Error):
        return []


def detect_bytes(data: bytes) -> str:
    if data[:4] == b"PAR1":
        return "parquet"
    text = data.lstrip()
    if not text:
        return "empty"
    if text[:1] in (b"{", b"["):
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
