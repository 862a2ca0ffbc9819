"""Markdown: headline, tables, assumptions and warnings, for PRs, wikis and chat.

Text from the data (a model, workspace or custom_id) is escaped: HTML such as ``<script>`` or
``<img onerror=...>`` shows as text on a renderer that allows inline HTML, and ``|`` cannot
break the table."""

import html

from calculator.report.model import SCHEMA_VERSION, Report
from reports.cells import display, display_kind, is_numeric, ordered_rows


def _escape(text) -> str:
    text = html.escape(str(text), quote=False)
    for ch in "\\`[]|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r", " ").replace("\n", " ")


def render(report: Report, *, only_exceptions: bool = False) -> str:
    out = [f"# {_escape(report.title)}", ""]
    out += _headline(report)
    for part in report.all_parts():
        if part is not report:
            out += [f"## {_escape(part.title)}", ""]
            if part.headline and part.headline.brief:
                out += [_escape(part.headline.brief.text), ""]
        level = "###" if part is not report else "##"
        for table in part.shown_tables():
            rows = ordered_rows(table, only_exceptions=only_exceptions)
            out += [f"{level} {_escape(table.title)}", ""]
            flagged = table.flag and any(table.flagged(r) for r in rows)
            cols = table.columns
            out.append("| " + ("! | " if flagged else "") + " | ".join(_escape(c.label) for c in cols) + " |")
            out.append("|" + ("---|" if flagged else "") + "|".join("---:" if is_numeric(c) else "---" for c in cols) + "|")
            for row in rows:
                mark = ("! | " if table.flagged(row) else "  | ") if flagged else ""
                out.append("| " + mark + " | ".join(_escape(display(row.get(c.key), c)) for c in cols) + " |")
            if table.caption:
                out += ["", f"_{_escape(table.caption)}_"]
            out.append("")
    if report.assumptions:
        out += ["## Assumptions", ""] + [f"- {_escape(a)}" for a in report.assumptions] + [""]
    if report.warnings:
        out += ["## Warnings", ""] + [f"- ⚠ {_escape(w)}" for w in report.warnings] + [""]
    out.append(f"_Catalogue {_escape(report.catalogue_version)} · batchcalc report schema {SCHEMA_VERSION}_")
    return "\n".join(out) + "\n"


def _headline(report: Report) -> list[str]:
    h = report.headline
    if h is None or report.meta.get("summary"):
        pairs = report.meta.get("summary", [])
        return [f"- **{_escape(k)}**: {_escape(v)}" for k, v in pairs] + ([""] if pairs else [])
    out = [f"_{_escape(h.scope)}_", ""] if h.scope else []
    out += [f"- **{_escape(f.label)}**: {_escape(display_kind(f.value, f.kind))}"
            + (f" ({_escape(f.detail)})" if f.detail else "") for f in h.figures]
    if h.recommendation:
        out += ["", f"**Recommendation:** {_escape(h.recommendation)}"]
    return out + [""]
