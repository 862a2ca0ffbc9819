"""`--compare-to OLD.json` on every command: the figures that changed (old, new, exact difference)
and the table lines added and removed, as a "comparison" part after the command's own report."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal

import pytest

from conftest import EXAMPLES, PORTFOLIO, run_cli


def comparison(out: str) -> dict:
    doc = json.loads(out)
    assert doc["kind"] == "composite"
    *own, diff = doc["reports"]
    assert diff["kind"] == "comparison"
    return diff


def changed(diff: dict) -> dict:
    return {c["path"]: c for c in diff["changed"]}


def test_plan_after_a_price_change(tmp_path):
    wl = tmp_path / "w.yaml"
    wl.write_text(textwrap.dedent(PORTFOLIO))
    previous = tmp_path / "previous.json"
    assert run_cli("--quiet", "plan", wl, "--on", "2026-10-01", "-f", "json", "-o", previous)[0] == 0
    code, out, err = run_cli("--quiet", "plan", wl, "--on", "2026-10-08", "--compare-to", previous, "-f", "json")
    assert code == 0, err
    diff = comparison(out)
    assert diff["previous"]["on"] == "2026-10-01" and diff["previous"]["kind"] == "plan"
    c = changed(diff)
    # 1,001 requests at hit rate 1: 1,000 read the 1,000-token prefix, 1,000,000 batch cache-read
    # tokens at $0.10 then $0.05 per MTok: $0.10 -> $0.05, so the plan costs $0.05 less.
    assert c["workloads[cached].recommended_usd"] == {
        "path": "workloads[cached].recommended_usd", "previous": "1.6035", "current": "1.5535", "difference": "-0.05"}
    assert c["totals.recommended_usd"]["difference"] == "-0.05"
    assert c["totals.savings_usd"]["difference"] == "0.05"
    assert c["on"]["previous"] == "2026-10-01" and c["on"]["difference"] is None
    # Sync without cache did not change, nor did the other workload.
    assert "workloads[cached].current_usd" not in c and "totals.current_usd" not in c
    assert not [p for p in c if p.startswith("workloads[steady]")]
    assert diff["lines_added"] == [] and diff["lines_removed"] == []

    code, out, err = run_cli("--quiet", "plan", wl, "--on", "2026-10-08", "--compare-to", previous)
    assert code == 0, err
    assert "Changes since previous.json" in out and "totals.recommended_usd" in out and "-$0.05" in out


def test_plan_workloads_added_and_removed(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(textwrap.dedent(PORTFOLIO))
    new.write_text(textwrap.dedent(PORTFOLIO).replace("name: steady", "name: fresh"))
    previous = tmp_path / "previous.json"
    assert run_cli("--quiet", "plan", old, "--on", "2026-10-01", "-f", "json", "-o", previous)[0] == 0
    code, out, err = run_cli("--quiet", "plan", new, "--on", "2026-10-01", "--compare-to", previous, "-f", "json")
    assert code == 0, err
    diff = comparison(out)
    c = changed(diff)
    # steady and fresh: 1,000 requests of 1,000 input and 100 output tokens on Sonnet 4.6, on batch:
    # 1,000 x (1,000 x $1.50 + 100 x $7.50) / 1M = $2.25 a month.
    assert c["workloads[steady].recommended_usd"]["previous"] == "2.25"
    assert c["workloads[steady].recommended_usd"]["current"] is None
    assert c["workloads[fresh].recommended_usd"]["current"] == "2.25"
    assert "totals.recommended_usd" not in c  # the same money, under another name
    main_table = "Monthly cost per workload, priced on 2026-10-01"
    assert {"table": main_table, "line": "fresh · Sonnet 4.6"} in diff["lines_added"]
    assert {"table": main_table, "line": "steady · Sonnet 4.6"} in diff["lines_removed"]
    assert {"table": "Why", "line": "fresh · batch candidate · nobody waits, no deadline · "
                                    "batch: no shared prefix to cache"} in diff["lines_added"]


def test_estimate_for_twice_the_requests(tmp_path):
    args = ["estimate", "-m", "claude-sonnet-4-6", "-i", "500", "-O", "200", "--on", "2026-11-21"]
    previous = tmp_path / "e.json"
    assert run_cli("--quiet", *args, "-n", "10000", "-f", "json", "-o", previous)[0] == 0
    code, out, err = run_cli("--quiet", *args, "-n", "20000", "--compare-to", previous, "-f", "json")
    assert code == 0, err
    c = changed(comparison(out))
    # Sync: 10,000 x (500 x $3 + 200 x $15) / 1M = $45; batch is half: $22.50. Twice the requests
    # cost twice as much.
    assert (c["scenarios[sync].total_usd"]["previous"], c["scenarios[sync].total_usd"]["current"],
            c["scenarios[sync].total_usd"]["difference"]) == ("45", "90", "45")
    assert c["scenarios[batch].total_usd"]["difference"] == "22.5"
    assert c["workload.requests"]["difference"] == "10000"
    # The percent saved does not change: not listed.
    assert "scenarios[batch].savings_vs_sync_percent" not in c


def test_reconcile_with_a_wider_tolerance(tmp_path):
    files = [EXAMPLES / "usage_report.json", EXAMPLES / "cost_report.json"]
    previous = tmp_path / "r.json"
    assert run_cli("--quiet", "reconcile", *files, "-f", "json", "-o", previous)[0] == 3
    # With $20 of tolerance per line the $15.00 residual of the batch line billed at the
    # standard rate is within it: nothing to query, exit 0.
    code, out, err = run_cli("--quiet", "reconcile", *files, "-t", "20", "--compare-to", previous, "-f", "json")
    assert code == 0, err
    diff = comparison(out)
    c = changed(diff)
    assert c["lines_outside_tolerance"]["difference"] == "-1"
    assert c["tolerance.absolute_usd"]["previous"] == "0.01" and c["tolerance.absolute_usd"]["current"] == "20"
    flipped = [p for p, v in c.items() if p.endswith(".within_tolerance")]
    assert len(flipped) == 1 and c[flipped[0]]["previous"] is False and c[flipped[0]]["current"] is True
    assert [r["table"] for r in diff["lines_removed"]] == ["Outside tolerance (1)"]
    assert diff["lines_removed"][0]["line"].startswith("2026-10-01 · claude-sonnet-4-6")
    assert "totals.billed_usd" not in c and "totals.expected_usd" not in c


def test_usage_of_one_export_against_another(tmp_path):
    previous = tmp_path / "u.json"
    assert run_cli("--quiet", "usage", EXAMPLES / "usage_report.json", "-f", "json", "-o", previous)[0] == 0
    code, out, err = run_cli("--quiet", "usage", EXAMPLES / "usage_report.json", "--since", "2026-10-02",
                             "--compare-to", previous, "-f", "json")
    assert code == 0, err
    c = changed(comparison(out))
    assert Decimal(c["totals.cost_usd"]["difference"]) < 0
    assert Decimal(c["totals.cost_usd"]["current"]) - Decimal(c["totals.cost_usd"]["previous"]) \
        == Decimal(c["totals.cost_usd"]["difference"])


def test_every_command_takes_compare_to(tmp_path):
    """The same run against itself: the page adds a comparison that says nothing changed."""
    commands = {
        "prices": ["prices", "--on", "2026-11-21"],
        "count": ["count", EXAMPLES / "requests.jsonl", "-O", "60", "--on", "2026-11-21"],
        "report": ["report", EXAMPLES / "workloads.yaml", EXAMPLES / "usage_report.json", "--on", "2026-11-21"],
    }
    for name, args in commands.items():
        saved = tmp_path / f"{name}.json"
        assert run_cli("--quiet", *args, "-f", "json", "-o", saved)[0] == 0
        code, out, err = run_cli("--quiet", *args, "--compare-to", saved, "-f", "json")
        assert code == 0, (name, err)
        diff = comparison(out)
        assert diff["changed"] == [] and diff["lines_added"] == [] and diff["lines_removed"] == [], name
        assert "Nothing changed since" in diff["presentation"]["headline"]["scope"]


@pytest.mark.parametrize("content, words", [
    (None, "file not found"),
    ("{not json", "not valid JSON"),
    ('["a list"]', "expected a JSON object with a \"kind\""),
    ('{"schema_version": "1.1", "kind": "plan", "workloads": []}', "not a complete saved 'plan' report"),
])
def test_compare_to_a_bad_file_is_one_line(tmp_path, content, words):
    wl = tmp_path / "w.yaml"
    wl.write_text(textwrap.dedent(PORTFOLIO))
    previous = tmp_path / "previous.json"
    if content is not None:
        previous.write_text(content, encoding="utf-8")
    code, out, err = run_cli("--quiet", "plan", wl, "--compare-to", previous)
    assert code == 1 and out == ""
    assert "Traceback" not in err and err.count("\n") == 1
    assert str(previous) in err and words in err, err


def test_compare_to_another_kind_is_refused(tmp_path):
    saved = tmp_path / "e.json"
    assert run_cli("--quiet", "estimate", "-m", "claude-haiku-4-5", "-n", "1", "-i", "1", "-O", "1", "-f", "json",
                   "-o", saved)[0] == 0
    wl = tmp_path / "w.yaml"
    wl.write_text(textwrap.dedent(PORTFOLIO))
    code, out, err = run_cli("--quiet", "plan", wl, "--compare-to", saved)
    assert code == 1 and err.count("\n") == 1
    assert "a saved 'estimate' report cannot be compared with a 'plan' one" in err
