"""`batchcalc plan` end to end: every format, the JSON contract, --try-model, stdin (--compare-to:
tests/report/test_compare_to.py)."""

import csv
import io
import json
import textwrap
from decimal import Decimal

import pytest

from conftest import EXAMPLES, PORTFOLIO, ROOT, run_cli

D = Decimal


def write(tmp_path, body, name="wl.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def test_json_contract(tmp_path):
    code, out, err = run_cli("plan", write(tmp_path, PORTFOLIO), "--on", "2026-10-01", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] and doc["kind"] == "plan" and doc["catalogue_version"]
    for w in doc["workloads"]:
        for key in ("name", "classification", "current_mode", "recommended_mode", "current_usd",
                    "recommended_usd", "savings_usd", "range"):
            assert key in w
        assert set(w["range"]) >= {"low_usd", "expected_usd", "high_usd"}
        assert all(isinstance(w[k], str) for k in ("current_usd", "recommended_usd", "savings_usd"))
    assert set(doc["totals"]) >= {"current_usd", "recommended_usd", "savings_usd"}
    cached, steady = doc["workloads"]
    # cached, batch+cache on 2026-10-01 (batch: in 1, 1h write 2, read 0.10, out 5):
    #   reads floor(1 x 1000) = 1000, writes 1
    #   uncached 1001 x 1000 = 1,001,000 x 1 = 1.001; write 1000 x 2 = 0.002;
    #   read 1,000,000 x 0.10 = 0.10; output 100,100 x 5 = 0.5005       -> 1.6035
    # sync: 2,002,000 x 2 = 4.004 + 100,100 x 10 = 1.001                   -> 5.005
    assert (cached["recommended_mode"], cached["recommended_usd"], cached["current_usd"]) == \
        ("batch+cache", "1.6035", "5.005")
    assert cached["savings_usd"] == "3.4015"
    # steady, Sonnet 4.6: sync 1M x 3 + 100k x 15 = 4.5; batch 1M x 1.5 + 100k x 7.5 = 2.25
    assert (steady["recommended_mode"], steady["recommended_usd"], steady["current_usd"]) == ("batch", "2.25", "4.5")
    assert steady["range"] == {"low_usd": "2.25", "expected_usd": "2.25", "high_usd": "2.25",
                               "hit_rate_low": "0.3", "hit_rate_expected": "0.64", "hit_rate_high": "0.98"}
    assert doc["totals"]["current_usd"] == "9.505" and doc["totals"]["recommended_usd"] == "3.8535"
    assert doc["totals"]["savings_usd"] == "5.6515"
    assert doc["totals"]["stays_sync_usd"] == "0"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_example_renders_in_every_format(fmt):
    code, out, err = run_cli("plan", EXAMPLES / "workloads.yaml", "--on", "2026-11-22", "--format", fmt, "--try-model", "claude-haiku-4-5")
    assert code == 0, err
    assert "code-review-bot" in out and "chat-assistant" in out


def test_example_classifications():
    code, out, _ = run_cli("plan", EXAMPLES / "workloads.yaml", "--on", "2026-11-22", "-f", "json")
    assert code == 0
    got = {w["name"]: (w["classification"], w["recommended_mode"]) for w in json.loads(out)["workloads"]}
    assert got == {
        "nightly-doc-summaries": ("batch_candidate", "batch+cache"),
        "support-ticket-triage": ("at_risk", "batch"),          # 1,200-token prefix < Haiku 4.5's 4,096
        "chat-assistant": ("must_stay_sync", "sync+cache"),
        "weekly-evals": ("batch_candidate", "batch+cache"),
        "code-review-bot": ("at_risk", "batch+cache"),
    }


def test_csv_sums_to_the_totals():
    code, out, _ = run_cli("plan", EXAMPLES / "workloads.yaml", "--on", "2026-11-22", "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_role = {}
    for r in rows:
        by_role[r["role"]] = by_role.get(r["role"], D(0)) + D(r["cost_usd"])
    code, out, _ = run_cli("plan", EXAMPLES / "workloads.yaml", "--on", "2026-11-22", "-f", "json")
    totals = json.loads(out)["totals"]
    assert by_role["current"] == D(totals["current_usd"])
    assert by_role["recommended"] == D(totals["recommended_usd"])


def test_stdin(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(textwrap.dedent(PORTFOLIO)))
    code, out, err = run_cli("plan", "-", "--on", "2026-10-01", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["totals"]["recommended_usd"] == "3.8535"


def test_help_has_examples():
    code, out, _ = run_cli("plan", "--help")
    assert code == 0
    assert "batchcalc plan examples/workloads.yaml" in out and "--compare-to" in out and "--try-model" in out


def test_readme_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Planning a migration to batch", 1)[1]
    yaml_block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    code, out, err = run_cli("plan", write(tmp_path, yaml_block), "--on", "2026-11-22", "-f", "json")
    assert code == 0, err
    w = json.loads(out)["workloads"][0]
    assert (w["classification"], w["recommended_mode"]) == ("batch_candidate", "batch+cache")
