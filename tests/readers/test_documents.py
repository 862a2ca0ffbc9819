"""Hostile documents: deep JSON and YAML, billion laughs, duplicate keys, reversed dates,
overlapping cards, NaN factors, wrong token counts, trailing garbage, lone surrogates, huge names,
concurrent calibration. Each ends in a one-line error (exit 1) or the correct result."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import CORPUS, EXAMPLES, one_line_error, request_line

COUNT = ["-O", "10", "--on", "2026-11-02", "-f", "json"]
USAGE_FOR_COSTS = CORPUS / "admin_usage" / "for_costs.json"
ADMIN_COST = CORPUS / "admin_cost" / "ok.json"
DEEP_JSON = "[" * 200_000 + "]" * 200_000


def _result(cid: str, inp: int = 100, out: int = 20, **usage) -> str:
    u = {"input_tokens": inp, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
         "output_tokens": out, **usage}
    return json.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "model": "claude-haiku-4-5", "usage": u}}}) + "\n"


@pytest.fixture
def sample(tmp_path):
    f = tmp_path / "requests.jsonl"
    f.write_text("".join(request_line(f"words number {i} here", f"r{i}") for i in range(3)))
    return f


@pytest.fixture(autouse=True)
def calibration_file(tmp_path, monkeypatch):
    path = tmp_path / "calibration.yaml"
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(path))
    return path


# -- JSON depth ---------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--output-from", "--calibrate"])
def test_deep_json_in_batch_results(cli, sample, tmp_path, option):
    results = tmp_path / "results.jsonl"
    results.write_text(_result("r0") + DEEP_JSON + "\n")
    line = one_line_error(cli("count", sample, option, results, "--on", "2026-11-02"), 1, "nested deeper")
    assert f"{results}:2:" in line


def test_deep_json_as_a_request_line_and_in_a_body(cli, tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(request_line() + DEEP_JSON + "\n")
    assert f"{f}:2:" in one_line_error(cli("count", f, *COUNT), 1, "nested too deeply")
    body = tmp_path / "body.json"
    body.write_text('{"requests": [' + request_line().strip() + ", " + DEEP_JSON + "]}")
    assert f"{body}:1:" in one_line_error(cli("count", body, *COUNT), 1, "nested deeper")


def test_deep_json_as_compare_to_and_as_a_saved_report(cli, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP_JSON)
    one_line_error(cli("plan", EXAMPLES / "workloads.yaml", "--compare-to", deep, "--on", "2026-11-02"), 1, "nested deeper")
    saved = tmp_path / "saved.json"
    saved.write_text('{"schema_version": "1.0", "kind": "estimate", "x": ' + DEEP_JSON + "}")
    one_line_error(cli("report", saved, "--on", "2026-11-02"), 1, "nested deeper")


# -- the {"requests": [...]} body ---------------------------------------------------------------

def test_the_body_takes_the_top_level_requests_only(cli, tmp_path):
    """A nested meta.requests comes first in the file: the real list (2 requests) is priced."""
    meta = [json.loads(request_line("decoy", f"d{i}")) for i in range(5)]
    real = [json.loads(request_line("real", f"r{i}")) for i in range(2)]
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"meta": {"requests": meta, "note": "]"}, "requests": real}, indent=2))
    r = cli("count", body, *COUNT)
    assert r.code == 0, r.err
    assert r.json()["requests"] == 2


@pytest.mark.parametrize("text,says", [
    ('{"requests": [%s]} trailing garbage', "data after the end of the JSON object"),
    ('{"requests": [%s]}{"requests": []}', "data after the end of the JSON object"),
    ('{"requests": [%s], "requests": []}', "a second \"requests\" key"),
    ('{"meta": {"requests": [%s]}}', "no \"requests\" list in the top-level JSON object"),
    ('{"requests": [%s] "x": 1}', "expected ',' or '}' in the top-level object"),
])
def test_the_body_refuses_ambiguity(cli, tmp_path, text, says):
    body = tmp_path / "body.json"
    body.write_text("{\n" + (text % request_line().strip())[1:])
    one_line_error(cli("count", body, *COUNT), 1, says)


# -- batch results values -----------------------------------------------------------------------

@pytest.mark.parametrize("usage", [{"output_tokens": "abc"}, {"output_tokens": 1.5}, {"cache_read_input_tokens": -3},
                                   {"output_tokens": True}])
def test_a_token_count_that_is_not_a_whole_number(cli, sample, tmp_path, usage):
    results = tmp_path / "results.jsonl"
    results.write_text(_result("r0") + _result("r1", **usage))
    line = one_line_error(cli("count", sample, "--output-from", results, "--on", "2026-11-02"), 1,
                          "expected a whole number of tokens")
    assert f"{results}:2:" in line


def test_skip_invalid_counts_the_results_lines_it_skips(cli, sample, tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text(_result("r0", out=2) + "{not json\n" + _result("r1", output_tokens="abc") + _result("r2", out=4))
    r = cli("count", sample, "--output-from", results, "--skip-invalid", "--on", "2026-11-02", "-f", "json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["skipped"]["total"] == 2
    assert d["skipped"]["by_reason"] == {"bad results line": 2}
    # r0 and r2 have results (2 and 4 output tokens); r1's line was skipped: it takes the mean
    # of the found ones, (2 + 4) / 2 = 3, so 2 + 3 + 4 = 9.
    assert d["output_tokens"] == 9


# -- YAML: workloads, contracts, calibration, prices ---------------------------------------------

def _deep_yaml(depth: int) -> str:
    return "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: 1\n"


LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'lol'}]\n" for i in range(10))


@pytest.mark.parametrize("what", ["plan", "contract", "calibration", "prices"])
@pytest.mark.parametrize("text,says", [
    ("- " * 50_000 + "x\n", "nesting depth"),
    (_deep_yaml(100), "nested more than 64 levels deep"),
    (LAUGHS, "through its aliases"),
    ("models: {}\nnote: a\nnote: b\n", "note: duplicate key (first on line 2)"),
])
def test_hostile_yaml_in_every_loader(cli, tmp_path, calibration_file, sample, what, text, says):
    f = tmp_path / "hostile.yaml"
    f.write_text(text)
    args = {
        "plan": ["plan", f, "--on", "2026-11-02"],
        "contract": ["reconcile", USAGE_FOR_COSTS, ADMIN_COST, "--contract", f],
        "calibration": ["count", sample, *COUNT, "--calibration", f],
        "prices": ["prices", "--prices", f, "--on", "2026-11-02"],
    }[what]
    line = one_line_error(cli(*args), 1, says)
    assert str(f) in line


def test_a_yaml_file_from_dev_zero_stops_at_its_bound(cli, sample):
    line = one_line_error(cli("count", sample, *COUNT, "--calibration", "/dev/zero"), 1,
                          "larger than 10 MB, the bound for a calibration file")
    assert line.startswith("batchcalc: error: /dev/zero:")


def test_duplicate_rate_in_a_price_file(cli, tmp_path):
    """A second `input:` under standard would have priced sync at $0.01 without a word."""
    f = tmp_path / "prices.yaml"
    f.write_text(textwrap.dedent("""\
        models:
          - id: claude-haiku-4-5
            rate_cards:
              - effective_from: 2026-01-01
                source: contract
                checked: 2026-01-01
                status: confirmed
                standard: {input: 1, output: 5, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1}
                batch: {input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05,
                        input: 0.01}
        """))
    line = one_line_error(cli("prices", "--prices", f, "--on", "2026-11-02"), 1, "input: duplicate key")
    assert f"{f}:10:" in line


def test_overlapping_rate_cards_in_a_price_file(cli, tmp_path):
    card = ("      - effective_from: {start}\n"
            "        effective_to: {end}\n"
            "        source: contract\n"
            "        checked: 2026-01-01\n"
            "        status: confirmed\n"
            "        standard: {{input: 1, output: 5, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1}}\n"
            "        batch: {{input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05}}\n")
    f = tmp_path / "prices.yaml"
    f.write_text("models:\n  - id: claude-haiku-4-5\n    rate_cards:\n"
                 + card.format(start="2026-01-01", end="2026-07-01") + card.format(start="2026-06-01", end="2027-01-01"))
    line = one_line_error(cli("prices", "--prices", f, "--on", "2026-11-02"), 1, "overlaps rate_cards[0]")
    assert f"{f}:11:" in line


def test_a_rate_card_with_reversed_dates(cli, tmp_path):
    f = tmp_path / "prices.yaml"
    f.write_text("models:\n  - id: claude-haiku-4-5\n    rate_cards:\n"
                 "      - effective_from: 2026-06-01\n        effective_to: 2026-01-01\n"
                 "        source: contract\n        checked: 2026-01-01\n        status: confirmed\n"
                 "        standard: {input: 1, output: 5, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1}\n"
                 "        batch: {input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05}\n")
    line = one_line_error(cli("prices", "--prices", f), 1, "effective_to must be after effective_from")
    assert f"{f}:4: models[0].rate_cards[0]" in line


def test_a_contract_with_reversed_dates(cli, tmp_path):
    f = tmp_path / "contract.yaml"
    f.write_text("discount_percent: 10\neffective_from: 2026-06-01\neffective_to: 2026-01-01\n")
    line = one_line_error(cli("reconcile", USAGE_FOR_COSTS, ADMIN_COST, "--contract", f), 1,
                          "the contract would never apply")
    assert f"{f}:3:" in line


@pytest.mark.parametrize("factor", [".nan", "NaN", "inf", "-1"])
def test_a_calibration_factor_that_is_not_a_factor(cli, sample, calibration_file, factor):
    calibration_file.write_text(textwrap.dedent(f"""\
        schema_version: 1
        models:
          claude-haiku-4-5:
            factor: {factor}
            low: 1
            high: 1.2
            requests: 10
            mean_abs_error_percent: 1
            max_abs_error_percent: 2
            fitted: 2026-10-01
        """))
    line = one_line_error(cli("count", sample, *COUNT), 1, "models.claude-haiku-4-5")
    assert f"{calibration_file}:3:" in line


def test_two_calibrations_at_once_keep_both_models(tmp_path, calibration_file):
    """Two processes saving different models into one file at the same time, 20 rounds: both
    models are always there at the end (the read-merge-write runs under a lock)."""
    script = textwrap.dedent("""\
        import datetime as dt, sys
        from decimal import Decimal
        from pathlib import Path
        from calculator.calibration import Calibration, save_calibration
        for i in range(20):
            save_calibration(Path(sys.argv[1]), [Calibration(sys.argv[2], Decimal("1.1"), Decimal(1), Decimal("1.2"),
                             i, Decimal(1), Decimal(2), dt.date(2026, 10, 1), "r.jsonl")])
        """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(calibration_file), model])
             for model in ("claude-haiku-4-5", "claude-sonnet-4-6")]
    assert all(p.wait(60) == 0 for p in procs)
    from calculator.calibration import load_calibration

    assert sorted(load_calibration(calibration_file)) == ["claude-haiku-4-5", "claude-sonnet-4-6"]


# -- names and dates ----------------------------------------------------------------------------

def test_lone_surrogates_in_a_model_name(cli, tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(request_line().replace("claude-haiku-4-5", "claude-\\ud800"))
    line = one_line_error(cli("count", f, *COUNT), 1, "not valid Unicode")
    assert f"{f}:1:" in line and "\\ud800" in line


def test_a_10_mb_model_name_is_a_short_error_line(cli, tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(request_line().replace("claude-haiku-4-5", "m" * 10_000_000))
    line = one_line_error(cli("count", f, *COUNT), 1, "unknown model")
    assert len(line) < 1200 and f"{f}:1:" in line


@pytest.mark.parametrize("args", [
    ["estimate", "-m", "claude-haiku-4-5", "-n", "1", "-i", "1", "-O", "1", "--on", "9999-12-31", "-f", "focus"],
    ["usage", str(EXAMPLES / "usage_report.json"), "--until", "9999-12-31"],
    ["usage", str(EXAMPLES / "usage_report.json"), "--since", "0001-01-01"],
])
def test_dates_at_the_end_of_the_calendar(cli, args):
    one_line_error(cli(*args), 1, "expected a date from 1970-01-01 to 2999-12-31")
