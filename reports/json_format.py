"""JSON: the report's versioned contract, money as exact decimal strings."""

import json

from calculator.report.model import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
