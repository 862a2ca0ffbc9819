"""What a user sees from `prices` and `estimate`: formats, contracts, errors, help."""

import csv
import io
from decimal import Decimal as D


from calculator.cli.app import app

ESTIMATE = ["estimate", "--model", "claude-opus-4-7", "--requests", "5000", "--input-tokens", "20000",
            "--output-tokens", "5000", "--on", "2026-11-21"]


def test_estimate_json_contract(cli):
    r = cli(*ESTIMATE, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["schema_version"] and doc["catalogue_version"] == "2026-11-21"
    assert doc["model"] == "claude-opus-4-7"
    names = [s["name"] for s in doc["scenarios"]]
    assert names == ["sync", "sync+cache", "batch", "batch+cache"]
    by = {s["name"]: s for s in doc["scenarios"]}
    # money is an exact decimal string, never a float
    assert isinstance(by["sync"]["total_usd"], str)
    assert D(by["sync"]["total_usd"]) == D("1125")
    assert D(by["batch"]["total_usd"]) == D("562.5")
    assert D(by["batch"]["savings_vs_sync_usd"]) == D("562.5")
    assert D(by["batch"]["breakdown"]["output"]["cost_usd"]) == D("312.5")  # 25M x $12.50
    assert "warnings" in doc


def test_estimate_table_shows_totals_and_savings(cli):
    r = cli(*ESTIMATE)
    assert r.code == 0
    for text in ("$1,125.00", "$562.50", "50.0%", "Catalogue 2026-11-21"):
        assert text in r.out


def test_estimate_csv_is_long_form_and_exact(cli):
    r = cli(*ESTIMATE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    batch_in = next(x for x in rows if x["scenario"] == "batch" and x["token_type"] == "uncached_input")
    assert (batch_in["quantity"], D(batch_in["unit_price_usd"]), D(batch_in["cost_usd"])) == \
        ("100000000", D("2.5"), D("250"))


def test_markdown_and_output_file(cli, tmp_path):
    out = tmp_path / "est.md"
    r = cli(*ESTIMATE, "--format", "markdown", "-o", out)
    assert r.code == 0 and r.out == ""
    text = out.read_text()
    assert "| sync |" in text and "$1,125.00" in text and "2026-11-21" in text
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temporary file


def test_unknown_model_one_line_with_suggestion_no_traceback(cli_process):
    r = cli_process("estimate", "-m", "claude-sonet-4-6", "-n", "1", "-i", "1", "-O", "1")
    assert r.code == 1
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert "claude-sonet-4-6" in lines[0] and "claude-sonnet-4-6" in lines[0]
    assert "Traceback" not in r.err


def test_unpriced_model_is_an_error_not_zero(cli):
    r = cli("estimate", "-m", "claude-mythos-preview", "-n", "1", "-i", "1", "-O", "1")
    assert r.code == 1 and "unpriced" in r.err and "$0" not in r.out


def test_date_before_the_first_price_and_bad_dates(cli):
    r = cli(*ESTIMATE[:-1], "2025-01-01")
    assert r.code == 1 and "no price before 2026-04-16" in r.err
    r = cli(*ESTIMATE[:-1], "21/11/2026")
    assert r.code == 1 and "YYYY-MM-DD" in r.err


def test_fast_mode_warning_and_usage_errors(cli):
    r = cli(*ESTIMATE, "--cache-hit-rate", "2")
    assert r.code == 1 and "between 0 and 1" in r.err
    r = cli("estimate", "--model", "claude-opus-4-7")
    assert r.code == 2  # typer's own usage error: missing options


def test_prices_lists_every_model_and_marks_unpriced(cli, catalogue):
    r = cli("prices", "--on", "2026-11-21", "--format", "json")
    doc = r.json()
    assert len(doc["models"]) == len(catalogue.models)
    preview = next(m for m in doc["models"] if m["id"] == "claude-mythos-preview")
    assert preview["priced"] is False and preview["unpriced_reason"]
    sonnet = next(m for m in doc["models"] if m["id"] == "claude-sonnet-4-6")
    assert sonnet["in_effect"]["standard"]["input"] == "3"
    assert sonnet["in_effect"]["batch"]["cache_read"] == "0.15"
    table = cli("prices", "--on", "2026-11-21").out
    assert "claude-mythos-preview" in table and "unpriced" in table


def test_prices_one_model_rate_cards(cli):
    r = cli("prices", "claude-3-5-haiku-20241022", "--format", "json")
    cards = r.json()["models"][0]["rate_cards"]
    assert [c["standard"]["input"] for c in cards] == ["1", "0.8"]
    assert cards[0]["effective_to"] == "2024-12-03"


def test_prices_override_changes_catalogue_version(cli, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("models:\n  - id: claude-haiku-4-5\n    note: negotiated\n")
    r = cli("prices", "claude-haiku-4-5", "--prices", f, "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["catalogue_version"] == "2026-11-21+custom"


def test_catalogue_version_in_every_format(cli):
    for fmt in ("table", "json", "markdown", "csv"):
        assert "2026-11-21" in cli(*ESTIMATE, "--format", fmt).out


def test_every_command_has_help_with_examples(cli):
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert command.help, name
        r = cli(name, "--help")
        assert r.code == 0 and "Example" in r.out, name
