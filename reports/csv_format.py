"""CSV: the report's long-form table with exact values, for spreadsheets and scripts.

Every row also carries the catalogue version, so a CSV pasted into a spreadsheet still says
which prices it was computed with. A page of several parts stacks the parts' long tables with a
leading ``report`` column (the part's title)."""

import csv
import io

from calculator.report.model import Report
from reports.cells import exact, ordered_rows


def render(report: Report, *, only_exceptions: bool = False) -> str:
    parts = report.all_parts()
    several = len(parts) > 1
    tables = [(p, p.long_table()) for p in parts]
    keys: list[str] = ["report"] if several else []
    for _, t in tables:
        keys += [c.key for c in t.columns if c.key not in keys]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys + ["catalogue_version"])
    for part, table in tables:
        for row in ordered_rows(table, only_exceptions=only_exceptions):
            values = {**row, "report": part.title} if several else row
            writer.writerow([exact(values.get(k)) for k in keys] + [part.catalogue_version])
    return buf.getvalue()
