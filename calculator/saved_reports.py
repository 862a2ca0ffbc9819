"""Reports saved with ``--format json``, read back for `batchcalc report` without pricing again.

A saved report's ``kind`` names its loader in ``LOADERS`` ("module:function" taking the JSON
dict and returning the Report); kinds without a loader are an error that says so. When a branch
adds a report kind that can be read back, it adds one line here.

Only kinds whose Report can be rebuilt from the JSON alone have a loader. The plan, count, usage
and reconcile reports keep their computed results (per-group costs, rate cards, lines) and derive
their tables and charts from them, so reading one back would mean pricing again: for those,
`batchcalc report` takes the original input files.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from calculator.errors import InputError
from calculator.report_legacy import SCHEMA_VERSION

LOADERS = {
    "estimate": "calculator.estimating:estimate_report_from_dict",
    "composite": "calculator.saved_reports:composite_from_dict",
}


def from_dict(d: dict, where: str | None = None):
    kind = d.get("kind")
    major = str(d.get("schema_version", "")).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"report schema {d.get('schema_version')!r} is not supported "
                         f"(this batchcalc reads schema {SCHEMA_VERSION})", path=where)
    target = LOADERS.get(kind)
    if target is None:
        # plan, count, usage and reconcile reports hold their computed results (not only the JSON's
        # totals), so they cannot be rebuilt from their JSON without pricing again.
        readable = ", ".join(k for k in sorted(LOADERS) if k != "composite")
        raise InputError(f"a saved {kind!r} report cannot be read back: only {readable} reports (alone or "
                         f"in a saved composite) can; give `batchcalc report` the {kind} command's input "
                         f"files instead", path=where)
    module, _, func = target.partition(":")
    try:
        return getattr(importlib.import_module(module), func)(d)
    except InputError as exc:
        raise InputError(str(exc), path=where) from None


def composite_from_dict(d: dict):
    from calculator.composite import compose

    members = [from_dict(m) for m in d.get("reports", [])]
    return compose(members, d.get("title"))


def load(path: Path):
    from calculator.io import DOCUMENT_LIMIT, parse_json, read_text

    data = parse_json(read_text(path, limit=DOCUMENT_LIMIT, what="saved report"), path=str(path))
    if not isinstance(data, dict):
        raise InputError("expected a JSON object (a report saved with --format json)", path=str(path))
    return from_dict(data, str(path))


def report_section(inputs: dict, options) -> list:
    """Section builder for `batchcalc report` (see calculator/inputs.py)."""
    out = []
    for p in inputs.get("report_json", []):
        r = load(p)
        out.extend(r.parts() if r.kind == "composite" else [r])
    return out
