"""The seam the report builders use: the figures dict of usage and reconcile is exactly what the
JSON contract carries (the CLI adds only the envelope: schema_version, kind, catalogue version,
assumptions, warnings)."""

from __future__ import annotations

from decimal import Decimal

from calculator.engine import UsageOptions, usage_result
from calculator.reconcile.reconcile import reconcile_inputs
from calculator.report.reconcile import reconcile_figures
from calculator.report.usage import usage_figures
from conftest import EXAMPLES

USAGE = EXAMPLES / "claude_api_tokens_2026_02_10_to_2026_02_11.csv"
COSTS = EXAMPLES / "claude_api_cost_2026_02_10_to_2026_02_11.csv"
ENVELOPE = {"schema_version", "kind", "catalogue_version", "assumptions", "warnings", "presentation"}


def test_usage_figures_are_the_json_contract(cli):
    figures = usage_figures(usage_result([USAGE], UsageOptions()))
    js = cli("usage", USAGE, "-f", "json").json()
    assert set(js) - ENVELOPE == set(figures)
    assert figures["totals"]["cost_usd"] == Decimal(js["totals"]["cost_usd"]) == Decimal("50.10")


def test_reconcile_figures_are_the_json_contract(cli):
    figures = reconcile_figures(reconcile_inputs([USAGE], [COSTS], UsageOptions()))
    js = cli("reconcile", USAGE, COSTS, "-f", "json").json()
    # the figures are the contract as the JSON carries it (money as exact decimal strings)
    assert figures == {k: v for k, v in js.items() if k not in ENVELOPE}
    # the planted line: $8.00 billed for $4.00 of Haiku batch input
    assert Decimal(figures["totals"]["residual_usd"]) == Decimal("4.00") and figures["lines_outside_tolerance"] == 1
