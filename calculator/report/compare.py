"""`--compare-to OLD.json`: what changed between a saved report and this run, as a Report.

The comparison (kind ``comparison``) reads nothing but the two reports' data:

- **figures that changed**: every number or text of the kind's JSON figures whose value differs,
  by its path (``totals.recommended_usd``, ``workloads[cached].recommended_usd``), with the old
  value, the new one and, for numbers, the exact difference (new - old). Lists of records are
  matched by their name (``name``, ``id``) or their dimensions (date, model, token type, ...),
  not by position, so an inserted workload does not shift the others.
- **lines added and removed**: the rows of each table shown, matched by their leading text and
  date cells (the row's label: workload, model, day, ...), that are in only one of the reports.

A page of several parts is compared part by part (the n-th part of a kind with the n-th part of
that kind in the other page). The command's output is then a page: its own report, then this one.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

from calculator.errors import InputError
from calculator.report.model import Brief, Column, Figure, Headline, Report, Table, to_json

# The fields that name a record of a list, in order of preference; failing a unique one, the
# dimension fields present in every record together.
NAME_KEYS = ("name", "id", "custom_id")
DIMENSION_KEYS = ("date", "month", "period", "day", "workload", "scenario", "model", "token_type",
                  "service_tier", "context_window", "inference_geo", "speed", "workspace", "api_key",
                  "role", "mode", "match")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
TEXT_KINDS = ("text", "date")


def _number(value: Any) -> Decimal | None:
    """A figure's value as a number: ints, and money or ratios written as exact decimal strings."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and NUMBER.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _identity(records: list[dict]) -> list[str] | None:
    """Labels naming each record of a list, unique within it; None when no field names them."""
    for key in NAME_KEYS:
        if all(key in r for r in records):
            labels = [str(r[key]) for r in records]
            if len(set(labels)) == len(labels):
                return labels
    dims = [k for k in DIMENSION_KEYS if all(k in r for r in records)]
    if dims:
        labels = [" ".join(str(r[k]) for k in dims if r[k] not in (None, "")) for r in records]
        if len(set(labels)) == len(labels):
            return labels
    return None


def _leaf(path: str, old: Any, new: Any) -> dict:
    a, b = _number(old), _number(new)
    return {"path": path, "previous": old, "current": new,
            "difference": (b - a) if a is not None and b is not None else None}


def figure_changes(old: Any, new: Any, path: str = "") -> Iterator[dict]:
    """Every value that differs between two JSON documents, by path."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                yield _leaf(sub, old[key], None)
            elif key not in old:
                yield _leaf(sub, None, new[key])
            else:
                yield from figure_changes(old[key], new[key], sub)
        return
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(r, dict) for r in (*old, *new)):
        old_ids, new_ids = _identity(old), _identity(new)
        if old_ids is not None and new_ids is not None:
            before, after = dict(zip(old_ids, old)), dict(zip(new_ids, new))
            for label in [*old_ids, *(i for i in new_ids if i not in before)]:
                yield from figure_changes(before.get(label), after.get(label), f"{path}[{label}]")
            return
        if len(old) == len(new):
            for i, (a, b) in enumerate(zip(old, new)):
                yield from figure_changes(a, b, f"{path}[{i}]")
            return
    if isinstance(old, dict) and new is None or old is None and isinstance(new, dict):
        # A record only one side has: its numbers, each against nothing.
        for key, value in (old or new).items():
            if not isinstance(value, (dict, list)):
                yield _leaf(f"{path}.{key}", value if old else None, None if old else value)
        return
    yield _leaf(path, old, new)


def _row_label(table: Table, row: dict) -> tuple:
    """What names a row: its leading text and date cells (workload, model, day, ...)."""
    label = []
    for c in table.columns:
        if c.kind not in TEXT_KINDS:
            break
        label.append(to_json(row.get(c.key)))
    return tuple(label) or tuple(to_json(row.get(c.key)) for c in table.columns)


def line_changes(old: Report, new: Report) -> tuple[list[dict], list[dict]]:
    """The rows of the tables shown that only the new (added) or only the old (removed) report has."""
    added, removed = [], []
    old_tables = {t.name: t for t in old.shown_tables()}
    new_tables = {t.name: t for t in new.shown_tables()}
    for name in [*old_tables, *(n for n in new_tables if n not in old_tables)]:
        a, b = old_tables.get(name), new_tables.get(name)
        table = b or a
        before = Counter(_row_label(a, r) for r in a.rows) if a else Counter()
        after = Counter(_row_label(b, r) for r in b.rows) if b else Counter()
        for label, n in (after - before).items():
            added += [{"table": table.title, "line": " · ".join(str(x) for x in label if x not in (None, ""))}] * n
        for label, n in (before - after).items():
            removed += [{"table": table.title, "line": " · ".join(str(x) for x in label if x not in (None, ""))}] * n
    return added, removed


def _pairs(old: Report, new: Report) -> list[tuple[str, Report, Report]]:
    """The parts to compare: the reports themselves, or the parts of two pages matched by kind."""
    if not old.parts and not new.parts:
        return [("", old, new)]
    seen: Counter = Counter()
    olds: dict[tuple, Report] = {}
    for p in old.all_parts():
        seen[p.kind] += 1
        olds[(p.kind, seen[p.kind])] = p
    seen.clear()
    out = []
    for p in new.all_parts():
        seen[p.kind] += 1
        if (p.kind, seen[p.kind]) in olds:
            out.append((f"{p.kind}: " if len(new.all_parts()) > 1 else "", olds[(p.kind, seen[p.kind])], p))
    return out


def _side(report: Report, path: str) -> dict:
    return {"path": path, "kind": report.kind, "title": report.title,
            "catalogue_version": report.catalogue_version, "on": report.figures.get("on")}


def compare(old: Report, new: Report, old_path: str = "") -> Report:
    """The comparison of a saved report (``old``, read from ``old_path``) with this run (``new``)."""
    kinds = {p.kind for p in old.all_parts()} & {p.kind for p in new.all_parts()}
    if not kinds:
        raise InputError(f"--compare-to: a saved {old.kind!r} report cannot be compared with a {new.kind!r} one",
                         path=old_path or None)
    changes, added, removed = [], [], []
    for prefix, a, b in _pairs(old, new):
        changes += [{**c, "path": prefix + c["path"]} for c in figure_changes(a.figures, b.figures)]
        plus, minus = line_changes(a, b)
        added += [{**r, "table": prefix + r["table"]} for r in plus]
        removed += [{**r, "table": prefix + r["table"]} for r in minus]
    money = [c for c in changes if c["path"].endswith("usd") and c["difference"] is not None]
    other = [c for c in changes if c not in money]
    name = Path(old_path).name if old_path else "the saved report"
    since = name + (f" (priced on {old.figures['on']})" if isinstance(old.figures.get("on"), str) else "")
    tables = [
        Table("money_changes", f"Money that changed since {since}", [
            Column("path", "Figure"), Column("previous", "Before", "money"), Column("current", "Now", "money"),
            Column("difference", "Difference", "money")],
            [{"path": c["path"], "previous": _number(c["previous"]), "current": _number(c["current"]),
              "difference": c["difference"]} for c in money],
            caption="Difference = now - before, exact."),
        Table("figure_changes", "Other figures that changed", [
            Column("path", "Figure"), Column("previous", "Before"), Column("current", "Now"),
            Column("difference", "Difference", "number")],
            [{"path": c["path"], "previous": _text(c["previous"]), "current": _text(c["current"]),
              "difference": c["difference"]} for c in other]),
        Table("lines_added", "Lines added", [Column("table", "Table"), Column("line", "Line")], added),
        Table("lines_removed", "Lines removed", [Column("table", "Table"), Column("line", "Line")], removed),
    ]
    n = len(changes)
    text = (f"{n} figure{'s' if n != 1 else ''} changed, {len(added)} line{'s' if len(added) != 1 else ''} "
            f"added and {len(removed)} removed since {since}." if n or added or removed
            else f"Nothing changed since {since}.")
    return Report(
        kind="comparison", title=f"Changes since {name}",
        catalogue_version=new.catalogue_version,
        figures={"previous": _side(old, old_path), "current": _side(new, ""),
                 "changed": changes, "lines_added": added, "lines_removed": removed},
        headline=Headline([Figure("Figures changed", n, "int"), Figure("Money figures changed", len(money), "int"),
                           Figure("Lines added", len(added), "int"), Figure("Lines removed", len(removed), "int")],
                          scope=text, brief=Brief("Changes", text)),
        tables=[t for t in tables if t.rows],
        warnings=([f"the saved report used catalogue {old.catalogue_version}, this run {new.catalogue_version}"]
                  if old.catalogue_version != new.catalogue_version else []))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def with_comparison(report: Report, previous: str | Path) -> Report:
    """This run's report, then what changed since the saved report at ``previous``: one page."""
    from calculator.report.compose import compose
    from calculator.report.saved import load

    comparison = compare(load(previous), report, str(previous))
    page = compose([report, comparison], report.title)
    return page
