"""CSV: the report's long-form table with exact values, for spreadsheets and scripts.

Every row also carries the catalogue version, so a CSV pasted into a spreadsheet still says
which prices it was computed with."""

import csv
import io

from calculator.report.model import Report
from reports.cells import exact


def render(report: Report) -> str:
    table = report.long_table()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.key for c in table.columns] + ["catalogue_version"])
    for row in table.rows:
        writer.writerow([exact(row.get(c.key)) for c in table.columns] + [report.catalogue_version])
    return buf.getvalue()
