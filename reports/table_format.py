"""Terminal text: what a person reads first. Nothing is ever cut.

A table keeps every figure and every header word whole at any width from 60 columns up: text
columns wrap at spaces (headers too), and when the columns still do not fit side by side the
table is stacked, one block of ``Label: value`` lines per row. Prose (headline, assumptions,
warnings) wraps at spaces. Flagged rows (exceptions) come first, marked ``!``.
"""

from __future__ import annotations

import textwrap

from calculator.report.model import SCHEMA_VERSION, Report, Table
from reports.cells import display, display_kind, is_numeric, ordered_rows

GAP = "  "
MIN_WIDTH = 60


def render(report: Report, *, color: bool = False, width: int | None = None,
           only_exceptions: bool = False) -> str:
    if width is None:
        import shutil

        # The terminal's width (or $COLUMNS); piped output gets room for wide tables.
        width = shutil.get_terminal_size((160, 24)).columns
    width = max(width, MIN_WIDTH)
    out: list[str] = []
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    out += [bold(line) for line in _wrap(report.title, width)]
    out += _headline(report, width)
    parts = report.all_parts()
    for part in parts:
        if part is not report:
            out += ["", *[bold(line) for line in _wrap(part.title, width)]]
            out += _summary(part, width) or (_wrap(part.headline.brief.text, width, "  ")
                                             if part.headline and part.headline.brief else [])
        for table in part.shown_tables():
            out += [""] + table_lines(table, width, only_exceptions=only_exceptions, bold=bold)
    if report.assumptions:
        out += ["", bold("Assumptions")]
        for a in report.assumptions:
            out += _wrap(a, width, "  • ", "    ")
    if report.warnings:
        out += ["", bold("Warnings")]
        for w in report.warnings:
            out += _wrap(w, width, "  ! ", "    ")
    out += ["", f"Catalogue {report.catalogue_version} · report schema {SCHEMA_VERSION}"]
    return "\n".join(out) + "\n"


def _headline(report: Report, width: int) -> list[str]:
    h = report.headline
    if h is None or report.meta.get("summary"):
        return _summary(report, width)
    out = []
    if h.scope:
        out += _wrap(h.scope, width, "  ")
    for f in h.figures:
        line = f"{f.label}: {display_kind(f.value, f.kind)}" + (f" ({f.detail})" if f.detail else "")
        out += _wrap(line, width, "  ", "    ")
    if h.recommendation:
        out += _wrap("Recommendation: " + h.recommendation, width, "  ", "    ")
    return out


def _summary(report: Report, width: int) -> list[str]:
    """The summary pairs of a legacy report (``meta["summary"]``), if any."""
    out = []
    for label, value in report.meta.get("summary", []):
        out += _wrap(f"{label}: {value}", width, "  ", "    ")
    return out


def _wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """Wrap at spaces only: a figure or a word is never split."""
    lines = textwrap.wrap(str(text), width, initial_indent=first,
                          subsequent_indent=first if rest is None else rest,
                          break_long_words=False, break_on_hyphens=False)
    return lines or [first.rstrip()]


def table_lines(table: Table, width: int, *, only_exceptions: bool = False, bold=lambda s: s) -> list[str]:
    rows = ordered_rows(table, only_exceptions=only_exceptions)
    title = table.title
    if only_exceptions and table.flag:
        title += f" (exceptions only: {len(rows)} of {len(table.rows)})"
    out = [bold(line) for line in _wrap(title, width)]
    columns = list(table.columns)
    cells = [[display(r.get(c.key), c) for c in columns] for r in rows]
    marks = ["!" if table.flagged(r) else "" for r in rows]
    if any(marks):
        columns = [None, *columns]
        cells = [[m, *row] for m, row in zip(marks, cells)]
    widths = _fit(columns, cells, width)
    if not rows or not columns:
        out.append("  (no rows)")
    elif widths is None:
        out += _stacked(columns, cells, width)
    else:
        out += _grid(columns, cells, widths)
    if table.caption:
        out += _wrap(table.caption, width)
    return out


def _words(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _fit(columns, cells, width: int) -> list[int] | None:
    """Column widths that fit ``width`` without cutting anything, or None (stack the rows).

    Numbers never wrap; text and headers wrap at spaces, down to their longest word."""
    natural, least = [], []
    for j, c in enumerate(columns):
        label = "" if c is None else c.label
        values = [row[j] for row in cells]
        longest = max((len(v) for v in values), default=0)
        if c is None or is_numeric(c):
            least.append(max(longest, _words(label)))
        else:
            least.append(max(max((_words(v) for v in values), default=0), _words(label)))
        natural.append(max(longest, len(label), least[-1]))
    room = width - len(GAP) * (len(columns) - 1)
    if sum(least) > room:
        return None
    widths = list(natural)
    # Shrink the widest wrappable column one character at a time until the table fits.
    while sum(widths) > room:
        j = max((k for k in range(len(widths)) if widths[k] > least[k]), key=lambda k: widths[k] - least[k])
        widths[j] -= 1
    return widths


def _grid(columns, cells, widths) -> list[str]:
    def line(parts: list[list[str]], right: list[bool]) -> list[str]:
        height = max(len(p) for p in parts)
        out = []
        for i in range(height):
            texts = []
            for p, w, r in zip(parts, widths, right):
                t = p[i] if i < len(p) else ""
                texts.append(t.rjust(w) if r else t.ljust(w))
            out.append(GAP.join(texts).rstrip())
        return out

    right = [c is not None and is_numeric(c) for c in columns]
    header = [_cell_lines("" if c is None else c.label, w) for c, w in zip(columns, widths)]
    out = line(header, right)
    out.append(GAP.join("─" * w for w in widths))
    for row in cells:
        out += line([_cell_lines(v, w) for v, w in zip(row, widths)], right)
    return out


def _cell_lines(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _stacked(columns, cells, width: int) -> list[str]:
    """One block per row: ``Label: value``, the value wrapped under itself."""
    labels = ["Exception" if c is None else c.label for c in columns]
    pad = min(max(len(label) for label in labels), width // 3)
    out = []
    for row in cells:
        out.append("")
        for c, label, value in zip(columns, labels, row):
            if not value:
                continue
            head = f"  {label}: ".ljust(pad + 4)
            out += _wrap("yes" if c is None else value, width, head, " " * len(head))
    return out
