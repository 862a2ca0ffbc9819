"""Fuzzing every reader through the CLI entry point, in-process.

Inputs are random bytes, random JSON values, and valid files of tests/readers/corpus/ mutated (bytes
deleted, inserted or flipped, lines cut, repeated or swapped, a JSON value or a CSV cell replaced by
an odd one: "", -1, NaN, "1,000", 10^30, a NUL, a nested object...). Whatever the input:

* no exception escapes and the internal-error path ("bug in batchcalc") is never taken;
* the exit code is 0, 1 or 3, and an error is exactly one line on stderr.

The YAML loaders also get hostile YAML (aliases, a billion laughs chain, duplicate keys, deep
nesting, tags). A bounded run is part of the normal suite; ``make fuzz`` runs many more examples
(``BATCHCALC_FUZZ_EXAMPLES``, default 12 per target here).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, run_cli

FUZZ_EXAMPLES = int(os.environ.get("BATCHCALC_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=FUZZ_EXAMPLES <= 50,
                suppress_health_check=list(HealthCheck), database=None if FUZZ_EXAMPLES <= 50 else settings.default.database)

USAGE_FOR_COSTS = str(CORPUS / "admin_usage" / "for_costs.json")
GENERIC_MAP = ["--map", "period=Day", "--map", "model=Model", "--map", "uncached_input=Input Tokens",
               "--map", "output=Output Tokens"]

# target: (seed file, the command line with FILE where the fuzzed file goes)
TARGETS = {
    "batch-results": ("batch_results/ok.jsonl", ["usage", "--source", "batch-results", "FILE", "--on", "2026-11-02", "-f", "json"]),
    "admin-usage": ("admin_usage/ok.json", ["usage", "--source", "admin-usage", "FILE", "-f", "json"]),
    "console-csv": ("console_usage/ok.csv", ["usage", "--source", "console-csv", "FILE", "-f", "json"]),
    "usage-detect": ("console_usage/ok.csv", ["usage", "FILE", "--on", "2026-11-02", "-f", "json"]),
    "generic-csv": ("generic_usage/ok.csv", ["usage", "--source", "generic-csv", "FILE", *GENERIC_MAP, "-f", "json"]),
    "admin-cost": ("admin_cost/ok.json", ["reconcile", "--usage", USAGE_FOR_COSTS, "--costs", "FILE",
                                          "--cost-source", "admin-cost", "-f", "json"]),
    "console-cost-csv": ("console_cost/ok.csv", ["reconcile", "--usage", USAGE_FOR_COSTS, "--costs", "FILE",
                                                 "--cost-source", "console-cost-csv", "-f", "json"]),
    "invoice-csv": ("invoice/ok.csv", ["reconcile", "--usage", USAGE_FOR_COSTS, "--costs", "FILE", "--cost-map",
                                       "date=Day", "--cost-map", "model=Model", "--cost-map", "amount_usd=Amount",
                                       "-f", "json"]),
    "reconcile-detect": ("admin_cost/ok.json", ["reconcile", USAGE_FOR_COSTS, "FILE", "-f", "json"]),
    "requests-jsonl": ("requests/ok.jsonl", ["count", "FILE", "-O", "10", "--on", "2026-11-02", "-f", "json"]),
    "requests-csv": ("requests/prompts.csv", ["count", "FILE", "--model", "claude-haiku-4-5", "-O", "10",
                                              "--on", "2026-11-02", "-f", "json"]),
    "workloads-yaml": ("yaml/workloads_ok.yaml", ["plan", "FILE", "-f", "json"]),
    "contract-yaml": ("yaml/contract_unknown_model.yaml", ["reconcile", USAGE_FOR_COSTS,
                                                           str(CORPUS / "admin_cost" / "ok.json"), "--contract", "FILE",
                                                           "-f", "json"]),
    "prices-yaml": ("yaml/prices_ok.yaml", ["prices", "--prices", "FILE", "-f", "json"]),
    "calibration-yaml": ("yaml/calibration_ok.yaml", ["count", str(CORPUS / "requests" / "ok.jsonl"), "-O", "10",
                                                      "--calibration", "FILE", "-f", "json"]),
    "requests-body": ("requests/body.json", ["count", "FILE", "-O", "10", "--on", "2026-11-02", "-f", "json"]),
}
YAML_TARGETS = {t for t, (seed, _) in TARGETS.items() if seed.endswith(".yaml")}
SKIPPABLE = {"batch-results", "admin-usage", "console-csv", "usage-detect", "generic-csv", "admin-cost",
             "console-cost-csv", "invoice-csv", "reconcile-detect", "requests-jsonl", "requests-csv"}

ODD_VALUES = ["", "-1", "0", "1e5", "1.5", "NaN", "nan", "Infinity", "N/A", "null", "1,000", "1.000,50", "1_000",
              "9" * 30, "-" + "9" * 25, "\x00", "é", "\ufeff", '"', "'", ",", "\n", "\r", "0x10", " 12 ",
              "2026-13-45", "2026-10-01T25:00:00Z", "claude-nope", "$5", "(5.00)", "1e999999", "true", "[]", "{}"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20) | st.sampled_from(ODD_VALUES),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12) | st.sampled_from(
        ["custom_id", "result", "type", "message", "usage", "model", "data", "results", "amount",
         "starting_at", "input_tokens", "output_tokens", "cache_creation", "params", "max_tokens", "messages",
         "workloads", "version", "models", "discount_percent"]), children, max_size=5),
    max_leaves=12)


def _json_nodes(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_nodes(v, (*path, i))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    out = list(value)
    out[head] = _replace(value[head], rest, new)
    return out


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = seed
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["delete", "insert", "flip", "truncate", "dup_line", "swap_lines", "drop_line",
                                   "json_value", "csv_cell", "crlf", "bom"]))
        lines = data.split(b"\n")
        rnd = random.Random(draw(st.integers(min_value=0, max_value=2 ** 32)))
        if op == "delete" and data:
            i = rnd.randrange(len(data))
            data = data[:i] + data[i + rnd.randint(1, 40):]
        elif op == "insert":
            i = rnd.randrange(len(data) + 1)
            data = data[:i] + draw(st.binary(min_size=1, max_size=12)) + data[i:]
        elif op == "flip" and data:
            i = rnd.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << rnd.randrange(8))]) + data[i + 1:]
        elif op == "truncate" and data:
            data = data[: rnd.randrange(len(data))]
        elif op == "dup_line" and lines:
            i = rnd.randrange(len(lines))
            lines.insert(rnd.randrange(len(lines) + 1), lines[i])
            data = b"\n".join(lines)
        elif op == "swap_lines" and len(lines) > 1:
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif op == "drop_line" and len(lines) > 1:
            del lines[rnd.randrange(len(lines))]
            data = b"\n".join(lines)
        elif op == "json_value":
            # A JSON document, or one JSON line: replace one node with a random value.
            try:
                doc = json.loads(data)
                nodes = list(_json_nodes(doc))
                data = json.dumps(_replace(doc, nodes[rnd.randrange(len(nodes))], draw(json_values))).encode()
            except (ValueError, RecursionError):
                i = rnd.randrange(len(lines))
                try:
                    doc = json.loads(lines[i])
                except ValueError:
                    continue
                nodes = list(_json_nodes(doc))
                lines[i] = json.dumps(_replace(doc, nodes[rnd.randrange(len(nodes))], draw(json_values))).encode()
                data = b"\n".join(lines)
        elif op == "csv_cell" and len(lines) > 1:
            i = rnd.randrange(len(lines))
            cells = lines[i].split(b",")
            cells[rnd.randrange(len(cells))] = draw(st.sampled_from(ODD_VALUES) | st.text(max_size=10)).encode(
                "utf-8", "surrogatepass")
            lines[i] = b",".join(cells)
            data = b"\n".join(lines)
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif op == "bom":
            data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def hostile_yaml(draw, seed: bytes) -> bytes:
    """The seed YAML with a hostile construct put in at a random line: aliases (a billion
    laughs chain, an undefined one, a merge), a duplicate key, deep nesting, a tag, a huge scalar."""
    lines = seed.decode("utf-8").split("\n")
    rnd = random.Random(draw(st.integers(min_value=0, max_value=2 ** 32)))
    i = rnd.randrange(len(lines) + 1)
    indent = " " * draw(st.sampled_from([0, 2, 4, 6, 8]))
    depth = draw(st.sampled_from([10, 70, 999, 1001, 5000]))
    width = draw(st.integers(min_value=2, max_value=12))
    piece = draw(st.sampled_from([
        "".join(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width) if k else 'lol'}]\n" for k in range(depth % 12 + 2)),
        f"{indent}x: *nowhere",
        f"{indent}<<: *nowhere",
        f"{indent}base: &b {{a: 1}}\n{indent}merged:\n{indent}  <<: *b\n{indent}  a: 2",
        "\n".join(lines[max(0, i - 1)] for _ in range(2)),  # a line (a key) twice
        "- " * depth + "x",
        "[" * depth + "]" * depth,
        "".join(" " * k + "k:\n" for k in range(min(depth, 300))) + " " * min(depth, 300) + "k: 1",
        f"{indent}x: !!python/object/apply:os.system [true]",
        f"{indent}x: !!binary aGVsbG8=",
        f"{indent}x: !!set {{a, b}}",
        f"{indent}x: !!timestamp 2026-13-45",
        f"{indent}x: &a [*a]",
        f"{indent}x: " + "9" * 5000,
        f"{indent}? [a, b]\n{indent}: complex key",
        f"{indent}\"\\ud800\": surrogate",
    ]))
    lines[i:i] = piece.split("\n")
    return "\n".join(lines).encode("utf-8")


def inputs(seed: bytes, yaml: bool = False):
    if yaml:
        return st.one_of(hostile_yaml(seed), mutated(seed), st.binary(max_size=300))
    return st.one_of(
        mutated(seed),
        st.binary(max_size=300),
        st.lists(json_values, max_size=5).map(lambda vs: "".join(json.dumps(v) + "\n" for v in vs).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.lists(st.lists(st.sampled_from(ODD_VALUES) | st.text(max_size=8), min_size=1, max_size=6),
                 max_size=5).map(lambda rows: (seed.split(b"\n")[0] + b"\n" + b"".join(
                     ",".join(r).encode("utf-8", "surrogatepass") + b"\n" for r in rows))),
    )


def check(target: str, data: bytes, skip: bool) -> None:
    seed_name, template = TARGETS[target]
    suffix = Path(seed_name).suffix
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"fuzz{suffix}"
        path.write_bytes(data)
        args = [str(path) if a == "FILE" else a for a in template] + (["--skip-invalid"] if skip else [])
        code, out, err = run_cli(*args)
    assert "bug in batchcalc" not in err, f"{target}: internal error on {data[:300]!r}: {err}"
    assert "Traceback" not in err, err
    assert code in (0, 1, 3), f"{target}: exit {code} on {data[:300]!r}: {err}"
    if code == 1:
        lines = [l for l in err.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("batchcalc: error: "), f"{target}: {err!r}"
    else:
        doc = json.loads(out)  # a complete JSON report
        assert "schema_version" in doc


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_reader(target):
    seed = (CORPUS / TARGETS[target][0]).read_bytes()

    @FUZZ
    @given(data=inputs(seed, yaml=target in YAML_TARGETS), skip=st.booleans() if target in SKIPPABLE else st.just(False))
    def fuzz(data, skip):
        check(target, data, skip)

    fuzz()
