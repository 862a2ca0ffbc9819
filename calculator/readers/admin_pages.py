"""The envelope both Admin API reports share: pages of ``{"data": [buckets], "has_more", ...}``,
each bucket ``{"starting_at", "ending_at", "results": [...]}``.

The usage reader and the cost reader walk it the same way, so the walk lives here: malformed
buckets are reported through the reader's policy (an error, or a counted skip) and never
dropped silently.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from calculator.engine.normalise import parse_period as normalise_period


def results(pages: Iterable[dict], path: str, policy) -> Iterator[tuple[str, str, object]]:
    """Every result item of every well-formed bucket, as (where, period, item)."""
    for p, page in enumerate(pages):
        for b, bucket in enumerate(page.get("data") or []):
            where_b = f"page {p + 1} data[{b}]"
            if not isinstance(bucket, dict):
                policy.bad(path, where_b, f"expected a bucket object, found {type(bucket).__name__}",
                           "malformed bucket")
                continue
            items = bucket.get("results")
            if items is not None and not isinstance(items, list):
                policy.bad(path, where_b, f"\"results\" is a {type(items).__name__}, expected a list",
                           "malformed bucket")
                continue
            period = normalise_period(str(bucket.get("starting_at") or ""))
            if period is None:
                policy.bad(path, where_b, f"starting_at {bucket.get('starting_at')!r} is not a timestamp",
                           "bad date")
                continue
            for r, item in enumerate(items or []):
                yield f"{where_b}.results[{r}]", period, item


def incomplete(pages: list, path: str) -> str | None:
    """A warning when a file's last page says more pages follow (an export cut short)."""
    if pages and isinstance(pages[-1], dict) and pages[-1].get("has_more") is True:
        return (f"{path}: incomplete export: the last page says has_more: true (more pages follow); "
                f"the usage after it is missing from these figures")
    return None
