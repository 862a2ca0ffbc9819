"""Markdown: summary, tables, assumptions and warnings, for PRs, wikis and chat."""

from calculator.report.model import Column, Report
from reports.cells import display, is_numeric


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    out = [f"# {_escape(report.title)}", ""]
    if report.headline:
        out += [f"- **{_escape(f.label)}**: {_escape(display(f.value, Column('', '', f.kind)))}"
                for f in report.headline.figures] + [""]
        if report.headline.recommendation:
            out += [_escape(report.headline.recommendation), ""]
    parts = report.all_parts()
    for part, table in [(p, t) for p in parts for t in p.shown_tables()]:
        title = f"{part.title}: {table.title}" if len(parts) > 1 else table.title
        out += [f"## {_escape(title)}", ""]
        out.append("| " + " | ".join(_escape(c.label) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if is_numeric(c) else "---" for c in table.columns) + "|")
        for row in table.rows:
            out.append("| " + " | ".join(_escape(display(row.get(c.key), c)) for c in table.columns) + " |")
        if table.caption:
            out += ["", f"_{_escape(table.caption)}_"]
        out.append("")
    if report.assumptions:
        out += ["## Assumptions", ""] + [f"- {_escape(a)}" for a in report.assumptions] + [""]
    if report.warnings:
        out += ["## Warnings", ""] + [f"- ⚠ {_escape(w)}" for w in report.warnings] + [""]
    out.append(f"_Catalogue {report.catalogue_version} · batchcalc report schema {report.to_dict()['schema_version']}_")
    return "\n".join(out) + "\n"
