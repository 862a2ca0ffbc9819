"""Bad workload files: exit 1, one line on stderr naming the file, the line, the workload and the key."""

from conftest import run_cli
import textwrap

import pytest


GOOD = {
    "name": "triage",
    "model": "claude-haiku-4-5",
    "requests_per_day": 1000,
    "input_tokens": 1800,
    "output_tokens": 60,
    "person_waiting": "false",
}


def workload_file(tmp_path, replace=None, drop=(), add=None, name="wl.yaml"):
    """A one-workload file; keys start on line 3 (line 1 version, line 2 workloads:)."""
    keys = dict(GOOD)
    keys.update(replace or {})
    for k in drop:
        keys.pop(k)
    keys.update(add or {})
    lines = ["version: 1", "workloads:"]
    for i, (k, v) in enumerate(keys.items()):
        lines.append(f"  {'- ' if i == 0 else '  '}{k}: {v}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, {k: 3 + i for i, k in enumerate(keys)}


def assert_one_line(err, *parts):
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    for part in parts:
        assert part in err, (part, err)


@pytest.mark.parametrize("change, key, words", [
    ({"add": {"output_token": 60}}, "output_token", "unknown key; did you mean output_tokens?"),
    ({"add": {"cache_hit_rat": 0.5}}, "cache_hit_rat", "unknown key; did you mean cache_hit_rate?"),
    ({"replace": {"requests_per_day": -5}}, "requests_per_day", "greater than or equal to 1"),
    ({"replace": {"requests_per_day": 0}}, "requests_per_day", "greater than or equal to 1"),
    ({"replace": {"requests_per_day": 2.5}}, "requests_per_day", "integer"),
    ({"replace": {"input_tokens": -1}}, "input_tokens", "greater than or equal to 0"),
    ({"add": {"cache_hit_rate": 1.5}}, "cache_hit_rate", "expected a number between 0 and 1, got 1.5"),
    ({"add": {"cache_hit_rate": -0.1}}, "cache_hit_rate", "expected a number between 0 and 1, got -0.1"),
    ({"add": {"batch_cache_hit_rate": "x"}}, "batch_cache_hit_rate", "expected a number (0.8) or a percentage"),
    ({"add": {"cache_ttl": "10m"}}, "cache_ttl", "expected 5m or 1h, got '10m'"),
    ({"add": {"sync_cache_ttl": "2h"}}, "sync_cache_ttl", "expected 5m or 1h, got '2h'"),
    ({"add": {"exact": True}}, "exact", "applies to a sample:"),
    ({"add": {"deadline_hours": 0}}, "deadline_hours", "greater than 0"),
    ({"add": {"current_mode": "flex"}}, "current_mode", "expected 'sync'"),
    ({"replace": {"person_waiting": "maybe"}}, "person_waiting", "boolean"),
    ({"replace": {"model": "claude-sonet-4-6"}}, "model", "unknown model 'claude-sonet-4-6'"),
    ({"replace": {"model": "claude-mythos-preview"}}, "model", "unpriced"),
    ({"add": {"shared_prefix_tokens": 2000}}, "shared_prefix_tokens", "exceeds input_tokens (1800)"),
    ({"add": {"requests_per_week": 10}}, "requests_per_week", "exactly one of"),
    ({"add": {"sample": "x.jsonl"}}, "input_tokens", "either input_tokens or sample"),
    ({"add": {"person_waiting": "true", "current_mode": "batch"}}, "current_mode", "person_waiting is true"),
])
def test_bad_value_names_file_line_workload_key(tmp_path, change, key, words):
    path, lines = workload_file(tmp_path, **change)
    code, out, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1 and out == ""
    assert_one_line(err, f"{path}:{lines[key]}: ", "workload 'triage'", f"{key}: ", words)


@pytest.mark.parametrize("key", ["model", "person_waiting", "output_tokens", "name"])
def test_missing_required_key(tmp_path, key):
    path, lines = workload_file(tmp_path, drop=(key,))
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    label = "'triage'" if key != "name" else "'#1'"
    # A missing key has no line of its own: the workload's first line is named.
    assert_one_line(err, f"{path}:3: ", f"workload {label}", f"{key}: missing required key")


def test_missing_volume(tmp_path):
    path, _ = workload_file(tmp_path, drop=("requests_per_day",))
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:3: ", "requests_per_month: give exactly one of")


def test_unknown_model_in_alternatives_names_the_item_line(tmp_path):
    path = tmp_path / "wl.yaml"
    path.write_text(textwrap.dedent("""\
        version: 1
        workloads:
          - name: evals
            model: claude-opus-4-8
            requests_per_month: 100
            input_tokens: 100
            output_tokens: 10
            person_waiting: false
            alternatives:
              - claude-sonnet-4-6
              - claude-haiku-9
    """), encoding="utf-8")
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:11: ", "workload 'evals'", "alternatives[1]: ", "unknown model 'claude-haiku-9'")


def test_duplicate_key_and_duplicate_name(tmp_path):
    path = tmp_path / "wl.yaml"
    path.write_text(textwrap.dedent("""\
        version: 1
        workloads:
          - name: a
            model: claude-opus-4-8
            requests_per_month: 100
            input_tokens: 100
            output_tokens: 10
            input_tokens: 200
            person_waiting: false
    """), encoding="utf-8")
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:8: ", "workload 'a'", "input_tokens: duplicate key (first on line 6)")

    path.write_text(textwrap.dedent("""\
        version: 1
        workloads:
          - {name: a, model: claude-opus-4-8, requests_per_month: 1, input_tokens: 1, output_tokens: 1, person_waiting: false}
          - {name: a, model: claude-opus-4-8, requests_per_month: 1, input_tokens: 1, output_tokens: 1, person_waiting: false}
    """), encoding="utf-8")
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:4: ", "workload 'a'", "name: duplicate workload name (first on line 3)")


@pytest.mark.parametrize("text, where, words", [
    ("version: 2\nworkloads: []\n", ":1: ", "version: unsupported version 2"),
    ("workloads:\n  - {name: a}\n", ":1: ", "version: missing required key"),
    ("version: 1\nworkloads: []\n", ":2: ", "workloads: no workloads"),
    ("version: 1\nworkload: []\n", ":2: ", "workload: unknown top-level key; did you mean workloads?"),
    ("version: 1\nworkloads:\n  - [1, 2]\n", ":3: ", "workloads[0]: expected a mapping"),
    ("version: 1\nworkloads: [\n", ":", "not valid YAML"),
    ("", "", "empty workload file"),
    ("- just a list\n", ":1: ", "expected a mapping with `version: 1`"),
])
def test_bad_file_structure(tmp_path, text, where, words):
    path = tmp_path / "wl.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1 and out == ""
    assert_one_line(err, f"{path}{where}", words)


def test_missing_workload_file(tmp_path):
    code, _, err = run_cli("plan", tmp_path / "nope.yaml", "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, "nope.yaml: workload file not found")


def test_unknown_try_model(tmp_path):
    path, _ = workload_file(tmp_path)
    code, _, err = run_cli("plan", path, "--try-model", "claude-haiku-9", "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, "--try-model claude-haiku-9: unknown model")


def test_missing_sample_names_the_workload_line(tmp_path):
    path, lines = workload_file(tmp_path, drop=("input_tokens",), add={"sample": "requests.jsonl"})
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:{lines['sample']}: ", "workload 'triage'", "sample:", "requests.jsonl")


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    # A shared block reused with <<: *base, one key overridden: valid, not a duplicate key.
    path = tmp_path / "wl.yaml"
    path.write_text(textwrap.dedent("""\
        version: 1
        workloads:
          - &base
            name: a
            model: claude-sonnet-4-6
            person_waiting: false
            requests_per_month: 100
            input_tokens: 1000
            output_tokens: 100
          - <<: *base
            name: b
            output_tokens: 200
          - <<: *base
            name: c
            output_tokenz: 300
    """), encoding="utf-8")
    code, _, err = run_cli("plan", path, "--on", "2026-11-22")
    assert code == 1
    assert_one_line(err, f"{path}:15: ", "workload 'c'", "output_tokenz: unknown key")
    path.write_text(path.read_text().replace("output_tokenz", "output_tokens"))
    code, out, err = run_cli("plan", path, "-f", "json", "--on", "2026-11-22")
    assert code == 0, err
    import json

    assert [w["output_tokens"] for w in json.loads(out)["workloads"]] == [100, 200, 300]
