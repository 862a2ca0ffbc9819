"""Reports saved with ``--format json``, read back as they were: nothing is priced again.

Any kind reads back (``Report.from_dict``), a page of several parts too; a file that is not a
saved report is one error line naming it.
"""

from __future__ import annotations

from pathlib import Path

from calculator.errors import InputError
from calculator.report.model import SCHEMA_VERSION, Report


def from_dict(d: dict, where: str | None = None) -> Report:
    major = str(d.get("schema_version", "")).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"report schema {d.get('schema_version')!r} is not supported "
                         f"(this batchcalc reads schema {SCHEMA_VERSION})", path=where)
    try:
        return Report.from_dict(d)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise InputError(f"not a complete saved {d.get('kind', 'batchcalc')!r} report ({what}); "
                         f"save one with --format json", path=where) from None


def load(path: str | Path) -> Report:
    """A saved report from its file: one error line naming the file when it is not one."""
    from calculator.io import DOCUMENT_LIMIT, parse_json, read_text

    data = parse_json(read_text(path, limit=DOCUMENT_LIMIT, what="saved report"), path=str(path))
    if not isinstance(data, dict) or "kind" not in data:
        raise InputError("expected a JSON object with a \"kind\" (a report saved with --format json)",
                         path=str(path))
    return from_dict(data, str(path))


def report_section(inputs: dict, options) -> list[Report]:
    """Section builder for `batchcalc report` (see calculator/report/inputs.py): each saved report given."""
    return [load(p) for p in inputs.get("report_json", [])]
