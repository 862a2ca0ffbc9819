"""The resubmission file: the original requests whose results errored with a transient error
(``overloaded_error``, ``api_error``, ``rate_limit_error``, ``timeout_error``) or expired.

Other errors (``invalid_request_error``, ``authentication_error``, ...) would fail again as they
are: they are listed for a person, not resubmitted. Canceled requests were stopped on purpose:
counted, not resubmitted.

Each resubmitted request gets a fresh custom_id, unique in the new batch and different from
the originals seen: ``r1-<original>`` (``r2-`` for a request that was itself a retry ``r1-...``, and
so on); an id that would pass 64 characters becomes ``rN-`` and a 20-character digest of the
original. The mapping back is a JSONL file next to the retry file (``retry.jsonl`` ->
``retry.map.jsonl``), one line per request::

    {"custom_id": "r1-ticket-00042", "original_custom_id": "ticket-00042",
     "batch_id": "msgbatch_...", "reason": "overloaded_error"}

The retry file itself holds only what the Batches API accepts: ``{"custom_id", "params"}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Optional

from calculator.errors import InputError

MAX_CUSTOM_ID = 64
_RETRY_PREFIX = re.compile(r"^r(\d+)-(.+)$")


def map_path(retry_path: str) -> str:
    p = Path(retry_path)
    name = p.name[:-len(".jsonl")] if p.name.endswith(".jsonl") else p.name
    return str(p.with_name(name + ".map.jsonl"))


def fresh_id(original: str, taken: set[str]) -> str:
    m = _RETRY_PREFIX.match(original)
    n, base = (int(m.group(1)) + 1, m.group(2)) if m else (1, original)
    while True:
        candidate = f"r{n}-{base}"
        if len(candidate) > MAX_CUSTOM_ID:
            candidate = f"r{n}-" + hashlib.blake2b(original.encode("utf-8", "surrogatepass"),
                                                   digest_size=10).hexdigest()
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        n += 1


@dataclass
class RetryResult:
    path: str
    map_path: str
    requests: int  # written
    by_reason: dict[str, int]
    missing: int  # to resubmit, but not in the original requests file
    missing_examples: list[str] = field(default_factory=list)
    worst_usd: Optional[Decimal] = None  # the retry priced like `check` does
    expected_usd: Optional[Decimal] = None


def _open(path: str):
    from calculator.io import OutputFile

    try:
        return OutputFile(path)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror})", path=path) from None


def write_retry(requests_path: str, retry_path: str, to_retry: dict[str, tuple[str, str]],
                originals_taken: Optional[set[str]] = None) -> RetryResult:
    """Write the requests of ``requests_path`` whose custom_id is in ``to_retry``
    (custom_id -> (batch id, reason)) to ``retry_path`` with fresh ids, and the mapping file."""
    from calculator.readers.requests import read_requests

    if requests_path != "-" and Path(retry_path).resolve() == Path(requests_path).resolve():
        raise InputError("--retry-to would overwrite the original requests", path=retry_path)
    taken = set(originals_taken or ()) | set(to_retry)
    out = _open(retry_path)
    try:
        mapping = _open(map_path(retry_path))
    except BaseException:
        out.discard()
        raise
    written: set[str] = set()
    by_reason: dict[str, int] = {}
    try:
        for r in read_requests([requests_path]):
            taken.add(r.custom_id)
            hit = to_retry.get(r.custom_id)
            if hit is None or r.custom_id in written:
                continue
            written.add(r.custom_id)
            new = fresh_id(r.custom_id, taken)
            out.write((json.dumps({"custom_id": new, "params": r.params}, ensure_ascii=False,
                                     separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass"))
            batch_id, reason = hit
            mapping.write((json.dumps({"custom_id": new, "original_custom_id": r.custom_id,
                                          "batch_id": batch_id, "reason": reason}) + "\n").encode("utf-8"))
            by_reason[reason] = by_reason.get(reason, 0) + 1
    except BaseException:
        out.discard()
        mapping.discard()
        raise
    missing = [cid for cid in to_retry if cid not in written]
    if not written:
        out.discard()
        mapping.discard()
        raise InputError(f"none of the {len(to_retry):,} requests to resubmit is in this file "
                         f"(joined on custom_id): is it the batch's original request file?",
                         path=requests_path)
    out.commit()
    mapping.commit()
    return RetryResult(retry_path, map_path(retry_path), len(written), dict(sorted(by_reason.items())),
                       len(missing), missing[:20])
