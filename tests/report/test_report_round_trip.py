"""Every kind of report is plain data: ``Report.from_dict(r.to_dict()) == r``, built from the
real inputs in examples/, and its JSON keeps the kind's contract keys."""

from __future__ import annotations

from conftest import EXAMPLES, run_cli
import datetime as dt
import json
from decimal import Decimal

import pytest

from calculator.report.model import LONG_TABLE, Report

DAY = "2026-11-21"

# One command line per kind, on the example inputs (exit code 3: a line outside tolerance).
COMMANDS = {
    "estimate": (["estimate", "-m", "claude-sonnet-4-6", "-n", "10000", "-i", "2500", "-O", "200",
                  "-p", "2000", "--cache-ttl", "1h", "--on", DAY], 0),
    "prices": (["prices", "--on", DAY], 0),
    "prices-model": (["prices", "claude-sonnet-4-6", "--on", DAY], 0),
    "count": (["count", EXAMPLES / "requests.jsonl", "-O", "60", "--scale-to", "300000", "--on", DAY], 0),
    "plan": (["plan", EXAMPLES / "workloads.yaml", "--try-model", "claude-haiku-4-5", "--on", DAY], 0),
    "usage": (["usage", EXAMPLES / "usage_report.json", "-g", "day,model"], 0),
    "usage-console": (["usage", EXAMPLES / "console_usage.csv"], 0),
    "reconcile": (["reconcile", EXAMPLES / "usage_report.json", EXAMPLES / "cost_report.json"], 3),
    "composite": (["report", EXAMPLES / "workloads.yaml", EXAMPLES / "requests.jsonl",
                   EXAMPLES / "usage_report.json", EXAMPLES / "cost_report.json", "-O", "60", "--on", DAY], 3),
}
# The top-level keys of each kind's JSON contract (before the Report was plain data), which a
# saved report must still carry.
CONTRACT_KEYS = {
    "estimate": {"model", "model_display_name", "on", "workload", "scenarios", "prices"},
    "prices": {"on", "models", "modifiers"},
    "count": {"model", "on", "inputs", "requests", "input_tokens", "output_tokens", "cacheable_prefix_tokens",
              "estimator", "workload", "scenarios", "scaled", "models", "largest_requests", "batches",
              "skipped", "calibration", "calibration_file", "prices"},
    "plan": {"on", "workload_file", "month", "try_models", "workloads", "totals"},
    "usage": {"totals", "rows_read", "rows_unpriced", "rows_used", "rows_skipped", "rows_filtered",
              "duplicate_rows", "period", "inputs", "tokens", "shared_prefix", "by_model", "by_month",
              "by_service_tier", "by_workspace", "by_api_key", "top_spenders", "unpriced"},
    "reconcile": {"totals", "lines_outside_tolerance", "level", "tolerance", "contract", "constant_ratio",
                  "model_ratios", "usage_rows", "cost_lines", "usage_rows_skipped", "cost_lines_skipped",
                  "lines", "unmatched", "not_reconciled"},
    "composite": {"title", "reports"},
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each command's JSON, written with -o as a user would."""
    
    out = {}
    d = tmp_path_factory.mktemp("saved")
    for name, (args, code) in COMMANDS.items():
        path = d / f"{name}.json"
        assert run_cli("--quiet", *map(str, args), "-f", "json", "-o", str(path)).code == code, name
        out[name] = path
    return out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_saved_json_reads_back_to_the_same_report(saved, name):
    doc = json.loads(saved[name].read_text(encoding="utf-8"))
    report = Report.from_dict(doc)
    assert report.to_dict() == doc
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report
    kind = doc["kind"]
    assert CONTRACT_KEYS[kind] <= set(doc), CONTRACT_KEYS[kind] - set(doc)
    assert doc["schema_version"].startswith("1.")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_kind_carries_what_the_renderers_lay_out(saved, name):
    report = Report.from_dict(json.loads(saved[name].read_text(encoding="utf-8")))
    for part in report.all_parts():
        assert part.tables, part.kind
        if part.kind != "prices":
            assert part.headline is not None and part.headline.figures, part.kind
            assert part.long_table().name == LONG_TABLE, part.kind
        for table in part.tables:
            keys = {c.key for c in table.columns}
            for row in table.rows:
                # Cells are typed by their column: money as Decimal, never text or float.
                for c in table.columns:
                    v = row.get(c.key)
                    if v is None:
                        continue
                    if c.kind in ("money", "rate", "percent"):
                        assert isinstance(v, Decimal), (part.kind, table.name, c.key, v)
                    elif c.kind in ("int", "tokens"):
                        assert isinstance(v, int) and not isinstance(v, bool), (part.kind, table.name, c.key, v)
                    elif c.kind == "date":
                        assert isinstance(v, (dt.date, dt.datetime)), (part.kind, table.name, c.key, v)
                extra = set(row) - keys
                # Keys that are not columns hold plain JSON values only (a flag, an id).
                assert all(not isinstance(row[k], (Decimal, dt.date)) for k in extra)
    assert report.exit_code == COMMANDS[name][1]


def test_library_reports_equal_their_round_trip(catalogue, demo_report):
    """In memory too: the Report a builder returns equals the one read back from its JSON."""
    from calculator.report.prices import build_prices_report
    from calculator.report.plan import build_plan_report

    for r in (demo_report, build_prices_report(catalogue, dt.date(2026, 11, 21)),
              build_prices_report(catalogue, dt.date(2026, 11, 21), "claude-opus-4-1"),
              build_plan_report(catalogue, EXAMPLES / "workloads.yaml", dt.date(2026, 11, 21),
                                try_models=("claude-haiku-4-5",))):
        assert Report.from_dict(json.loads(json.dumps(r.to_dict()))) == r, r.kind


def test_percent_cells_are_fractions(saved):
    """The estimate's batch saving is 50% of the sync cost: $52.50 of $105.00 (10,000 x (2,500 x $3 +
    200 x $15) / 1M = $105; batch is half price), stored as 0.5, not 50."""
    report = Report.from_dict(json.loads(saved["estimate"].read_text(encoding="utf-8")))
    rows = {r["scenario"]: r for r in report.table("scenarios").rows}
    assert rows["sync"]["total_usd"] == Decimal("105")
    assert rows["batch"]["savings_percent"] == Decimal("0.5")


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("fmt", ["markdown", "csv", "html"])
def test_report_renders_any_saved_report_as_the_command_did(saved, name, fmt, tmp_path):
    """`batchcalc report saved.json` shows what the command showed when it ran, in every format:
    nothing is priced again."""
    
    args, code = COMMANDS[name]
    first, again = tmp_path / f"first.{fmt}", tmp_path / f"again.{fmt}"
    assert run_cli("--quiet", *map(str, args), "-f", fmt, "-o", str(first)).code == code
    assert run_cli(*["--quiet", "report", str(saved[name]), "-f", fmt, "-o", str(again)]).code == code
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_several_saved_reports_compose_one_page(saved, tmp_path):
    
    page = tmp_path / "page.json"
    assert run_cli("--quiet", "report", saved["plan"], saved["usage"], saved["reconcile"],
                   "-f", "json", "-o", page).code == 3  # the reconciliation's line outside tolerance
    doc = json.loads(page.read_text(encoding="utf-8"))
    assert doc["kind"] == "composite" and [p["kind"] for p in doc["reports"]] == ["plan", "usage", "reconcile"]
    lead = doc["presentation"]["headline"]
    assert lead["figures"] == doc["reports"][0]["presentation"]["headline"]["figures"]
    assert [b["topic"] for b in lead["others"]] == ["Actual usage", "Invoice check"]


@pytest.mark.parametrize("content, words", [
    ('{"schema_version": "1.1", "kind": "plan", "catalogue_version": ', "not valid JSON"),
    ('{"schema_version": "1.1", "kind": "plan", "catalogue_version": "x"}',
     "not a complete saved 'plan' report (missing 'presentation')"),
    ('{"schema_version": "1.1", "kind": "usage", "catalogue_version": "x", "presentation": '
     '{"title": "t", "tables": [{"name": "by_month"}]}}', "not a complete saved 'usage' report (missing 'columns')"),
    ('{"schema_version": "2.0", "kind": "plan"}', "report schema '2.0' is not supported"),
])
def test_a_malformed_saved_report_is_one_line_naming_it(tmp_path, content, words):
    
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run_cli("report", bad, "-f", "json")
    assert code == 1
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert str(bad) in err and words in err, err


@pytest.mark.parametrize("name, build", [("usage", "calculator.report.usage:build_usage_report"),
                                         ("usage-console", "calculator.report.usage:build_usage_report"),
                                         ("reconcile", "calculator.report.reconcile:build_reconcile_report")])
def test_usage_and_reconcile_reports_need_only_their_figures(saved, name, build):
    """The seam for the engine: the contract's JSON alone gives the same headline, tables shown,
    charts and exit code as the computation the command ran."""
    import importlib

    module, _, func = build.partition(":")
    doc = json.loads(saved[name].read_text(encoding="utf-8"))
    report = getattr(importlib.import_module(module), func)(doc)
    was = Report.from_dict(doc)
    assert report.figures == was.figures
    assert report.headline == was.headline
    assert report.shown_tables() == was.shown_tables()
    assert report.charts == was.charts
    assert (report.assumptions, report.warnings) == (was.assumptions, was.warnings)
    assert report.exit_code == was.exit_code == COMMANDS[name][1]
