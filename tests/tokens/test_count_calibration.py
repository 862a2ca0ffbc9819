"""--calibrate: the factor fitted by hand from batch results, saved, and used by later runs."""

from __future__ import annotations

import json

import yaml
from conftest import request, write_jsonl


def hw(pairs):
    return " ".join(["hello world"] * pairs)


def results_file(path, rows):
    lines = []
    for cid, usage in rows:
        lines.append({"custom_id": cid, "result": {"type": "succeeded", "message": {
            "model": "claude-sonnet-4-6", "usage": usage}}})
    lines.append({"custom_id": "gone", "result": {"type": "expired"}})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_calibrate_fits_saves_and_is_used(cli, tmp_path, monkeypatch):
    # Requests: a = hw(500) (1000 raw), b = hw(250) (500 raw).
    # Real prompt sizes: a 300 input + 1000 cache read = 1300 (cache tokens are added: input_tokens
    # excludes them); b 700. Factor = (1300 + 700) / (1000 + 500) = 1.3333...
    # At that factor: a -> 1333 (error 33/1300 = 2.538%), b -> 667 (33/700 = 4.714%): mean 3.63%.
    # At the catalogue's 1.2: a -> 1200 (7.692%), b -> 600 (14.286%): mean 10.99%.
    cal = tmp_path / "cal" / "calibration.yaml"
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", hw(500)), request("b", hw(250))])
    res = results_file(tmp_path / "results.jsonl", [
        ("a", {"input_tokens": 300, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 0,
               "output_tokens": 50}),
        ("b", {"input_tokens": 700, "output_tokens": 30})])
    r = cli("count", f, "--calibrate", res, "--calibration", cal, "-f", "json", "--on", "2026-11-21")
    assert r.code == 0, r.err
    d = r.json()
    fit = d["calibration"][0]
    assert fit["model"] == "claude-sonnet-4-6" and fit["requests"] == 2
    assert fit["factor"].startswith("1.3333")
    assert fit["previous_factor"] == "1.2"
    assert round(float(fit["mean_abs_error_percent"]), 2) == 3.63
    assert round(float(fit["previous_mean_abs_error_percent"]), 2) == 10.99
    # This run already uses the fit: 1333 + 667; outputs come from the results (no other assumption).
    assert d["input_tokens"] == 2000
    assert d["output_tokens"] == 80
    assert any("not 'succeeded'" in w for w in d["warnings"])
    saved = yaml.safe_load(cal.read_text())
    assert saved["models"]["claude-sonnet-4-6"]["factor"] == "1.3333"
    assert saved["models"]["claude-sonnet-4-6"]["requests"] == 2

    # A later run picks the file up (here through the environment variable): 1000 x 1.3333 = 1333.3.
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(cal))
    g = write_jsonl(tmp_path / "g.jsonl", [request("x", hw(500))])
    d2 = cli("count", g, "-O", "0", "-f", "json").json()
    assert d2["input_tokens"] == 1333
    assert "calibrated" in d2["estimator"]["models"][0]["factor_source"]
    assert d2["estimator"]["calibration_file"] == str(cal)


def test_calibrate_without_matches_is_an_error(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a")])
    res = results_file(tmp_path / "results.jsonl", [("zzz", {"input_tokens": 5, "output_tokens": 1})])
    r = cli("count", f, "--calibrate", res, "-O", "1")
    assert r.code == 1 and "no succeeded result matches" in r.err


def test_broken_calibration_file_is_one_line(cli, tmp_path, monkeypatch):
    cal = tmp_path / "calibration.yaml"
    cal.write_text("models: [not, a, mapping\n")
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(cal))
    f = write_jsonl(tmp_path / "r.jsonl", [request("a")])
    r = cli("count", f, "-O", "1")
    assert r.code == 1 and "calibration.yaml" in r.err and len(r.err.strip().splitlines()) == 1


def test_tests_never_touch_the_user_calibration_file(tmp_path):
    import os

    # The autouse fixture of count_helpers points the calibration file into tmp_path.
    assert os.environ["BATCHCALC_CALIBRATION"].startswith(str(tmp_path))
    assert "ANTHROPIC_API_KEY" not in os.environ
