"""Readers (formats, gzip, stdin) and every bad-input case of the issue."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pytest
from conftest import request, write_jsonl

GOOD = json.dumps(request("ok")) + "\n"  # "hello world" on Sonnet 4.6: 2 x 1.2 -> 2 tokens


def one_line_error(r, where):
    assert r.code == 1
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert where in lines[0], lines[0]
    return lines[0]


BAD = {
    "malformed": (GOOD + '{"custom_id": "b", "params": \n' + GOOD, ":2:", "malformed JSON"),
    "no_params": (GOOD + '{"custom_id": "b"}\n', ":2:", "missing params"),
    "no_messages": (GOOD + GOOD + '{"custom_id": "b", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5}}\n',
                    ":3:", "missing messages"),
    "unknown_model": (GOOD + json.dumps(request("b", model="claude-nonsense-9")) + "\n", ":2:",
                      "unknown or unpriced model"),
    "unpriced_model": (GOOD + json.dumps(request("b", model="claude-mythos-preview")) + "\n", ":2:",
                       "unknown or unpriced model"),
    "truncated_last_line": (GOOD + '{"custom_id": "b", "params": {"model": "claude-so', ":2:", "truncated last line"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_file_and_line(cli, tmp_path, case):
    text, where, reason = BAD[case]
    f = tmp_path / f"{case}.jsonl"
    f.write_text(text, encoding="utf-8")
    one_line_error(cli("count", f, "-O", "1"), f"{case}.jsonl{where}")
    r = cli("count", f, "-O", "1", "--skip-invalid", "-f", "json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["skipped"]["by_reason"] == {reason: 1}
    assert d["requests"] == text.count('"custom_id": "ok"')


def test_unknown_model_reported_per_model_never_priced(cli, tmp_path):
    reqs = [request("a"), request("b", model="claude-nonsense-9"), request("c", model="claude-nonsense-9"),
            request("d", model="claude-mythos-preview")]
    f = write_jsonl(tmp_path / "r.jsonl", reqs)
    err = one_line_error(cli("count", f, "-O", "1"), "r.jsonl:2:")
    assert "claude-nonsense-9" in err
    d = cli("count", f, "-O", "1", "--skip-invalid", "-f", "json").json()
    assert d["requests"] == 1 and d["skipped"]["total"] == 3
    warnings = " ".join(d["warnings"])
    assert "2 requests for model 'claude-nonsense-9' were skipped" in warnings
    assert "1 requests for model 'claude-mythos-preview' were skipped" in warnings


def test_non_utf8_bytes(cli, tmp_path):
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(GOOD.encode() + json.dumps(request("b", "caf_")).encode().replace(b"caf_", b"caf\xe9") + b"\n")
    err = one_line_error(cli("count", f, "-O", "1"), "latin1.jsonl:2:")
    assert "UTF-8" in err
    d = cli("count", f, "-O", "1", "--skip-invalid", "-f", "json").json()
    assert d["skipped"]["by_reason"] == {"not UTF-8": 1}


def test_empty_file(cli, tmp_path):
    f = tmp_path / "empty.jsonl"
    f.write_bytes(b"")
    assert "empty file" in one_line_error(cli("count", f, "-O", "1"), "empty.jsonl:1:")
    # Skipped, but then there is nothing to count: still an error, saying why.
    r = cli("count", f, "-O", "1", "--skip-invalid")
    assert r.code == 1 and "1 empty file" in r.err
    # An empty file among good ones is skipped and counted.
    g = write_jsonl(tmp_path / "good.jsonl", [request("a")])
    d = cli("count", g, f, "-O", "1", "--skip-invalid", "-f", "json").json()
    assert d["requests"] == 1 and d["skipped"]["by_reason"] == {"empty file": 1}


def test_single_10_mb_message(cli, tmp_path):
    # 10 MB of "hello world " is 1.7 M cl100k tokens: above any context window even at x1.10.
    big = request("big", "hello world " * 900_000)
    f = write_jsonl(tmp_path / "big.jsonl", [request("a"), big])
    assert f.stat().st_size > 10_000_000
    err = one_line_error(cli("count", f, "-O", "1"), "big.jsonl:2:")
    assert "context window" in err
    d = cli("count", f, "-O", "1", "--skip-invalid", "-f", "json").json()
    assert d["requests"] == 1 and d["skipped"]["total"] == 1


def test_missing_file_and_directory_without_model(cli, tmp_path):
    one_line_error(cli("count", tmp_path / "nope.jsonl"), "nope.jsonl")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.txt").write_text("hello world")
    assert "--model" in one_line_error(cli("count", tmp_path / "p"), "p")


def test_gzip_is_read_transparently(cli, tmp_path):
    plain = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b", "hello world hello world")])
    gz = tmp_path / "r.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    a = cli("count", plain, "-O", "1", "-f", "json").json()
    b = cli("count", gz, "-O", "1", "-f", "json").json()
    # 2 -> 2 and 4 x 1.2 = 4.8 -> 5
    assert a["input_tokens"] == b["input_tokens"] == 7
    # A corrupt gzip stream is a one-line error too.
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gz.read_bytes()[:20])
    one_line_error(cli("count", bad, "-O", "1"), "bad.jsonl.gz")


def _stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))


def test_stdin_plain_and_gzip(cli, monkeypatch):
    data = (GOOD + json.dumps(request("b", "hello world hello world")) + "\n").encode()
    _stdin(monkeypatch, data)
    d = cli("count", "-", "-O", "1", "-f", "json").json()
    assert d["requests"] == 2 and d["input_tokens"] == 7 and d["inputs"] == ["<stdin>"]
    _stdin(monkeypatch, gzip.compress(data))
    assert cli("count", "-", "-O", "1", "-f", "json").json()["input_tokens"] == 7


def test_stdin_error_names_stdin_and_line(cli, monkeypatch):
    _stdin(monkeypatch, (GOOD + "not json\n").encode())
    one_line_error(cli("count", "-", "-O", "1"), "<stdin>:2:")


@pytest.mark.parametrize("indent", [None, 2])
def test_json_body(cli, tmp_path, monkeypatch, indent):
    body = {"requests": [request("a"), request("b", "hello world hello world")]}
    f = tmp_path / "body.json"
    f.write_text(json.dumps(body, indent=indent))
    d = cli("count", f, "-O", "1", "-f", "json").json()
    assert d["requests"] == 2 and d["input_tokens"] == 7
    _stdin(monkeypatch, gzip.compress(f.read_bytes()))
    assert cli("count", "-", "-O", "1", "-f", "json").json()["input_tokens"] == 7


def test_json_body_bad_item_names_its_line(cli, tmp_path):
    f = tmp_path / "body.json"
    f.write_text('{"requests": [\n' + json.dumps(request("a")) + ",\n" + '{"custom_id": "b"}\n]}\n')
    one_line_error(cli("count", f, "-O", "1"), "body.json:3:")


def test_prompt_directory_and_glob(cli, tmp_path):
    d = tmp_path / "prompts"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("hello world")
    (d / "sub" / "b.md").write_text("The quick brown fox jumps over the lazy dog.")
    (d / "ignored.bin").write_bytes(b"\x00\x01")
    r = cli("count", d, "--model", "claude-sonnet-4-6", "--max-tokens", "50", "-f", "json")
    out = r.json()
    # 2 -> 2 and 10 -> 12
    assert out["requests"] == 2 and out["input_tokens"] == 14
    assert {x["custom_id"] for x in out["largest_requests"]} == {"a.txt", "sub/b.md"}
    assert out["output_tokens"] == 100  # no assumption: --max-tokens 50 each
    g = cli("count", str(d / "*.txt"), "-m", "claude-sonnet-4-6", "-O", "1", "-f", "json").json()
    assert g["requests"] == 1 and g["input_tokens"] == 2


def test_csv_with_column(cli, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text('id,body,n\nx1,hello world,1\nx2,"The quick brown fox jumps over the lazy dog.",2\n')
    d = cli("count", f, "--column", "body", "-m", "claude-sonnet-4-6", "-O", "1", "-f", "json").json()
    assert d["input_tokens"] == 14
    assert [x["custom_id"] for x in d["largest_requests"]] == ["x2", "x1"]
    assert "columns: id, body, n" in one_line_error(cli("count", f, "--column", "nope", "-m", "claude-sonnet-4-6"),
                                                    "t.csv:1:")


def test_model_option_replaces_the_requests_model(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", " ".join(["hello world"] * 500))])
    d = cli("count", f, "-m", "claude-opus-4-7", "-O", "0", "-f", "json").json()
    assert d["model"] == "claude-opus-4-7" and d["input_tokens"] == 1550  # 1000 x 1.55


def test_duplicate_custom_ids_warn(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("a")])
    d = cli("count", f, "-O", "1", "-f", "json").json()
    assert any("duplicate custom_ids" in w for w in d["warnings"])


def test_every_format_renders_and_help_has_examples(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b")])
    for fmt in ("table", "markdown", "csv"):
        r = cli("count", f, "-O", "1", "-f", fmt, "--scale-to", "1000")
        assert r.code == 0 and r.out, (fmt, r.err)
    h = cli("count", "--help")
    assert h.code == 0 and "Examples" in h.out and "--scale-to" in h.out
    out = tmp_path / "out.json"
    assert cli("count", f, "-O", "1", "-f", "json", "-o", out).code == 0
    assert json.loads(out.read_text())["schema_version"]


def test_byte_order_mark_is_ignored(cli, tmp_path):
    f = tmp_path / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert cli("count", f, "-O", "1", "-f", "json").json()["input_tokens"] == 2
    b = tmp_path / "bom.json"
    b.write_bytes(b"\xef\xbb\xbf" + json.dumps({"requests": [request("a")]}, indent=1).encode())
    assert cli("count", b, "-O", "1", "-f", "json").json()["input_tokens"] == 2


def test_page_workbook_and_focus_exports(cli, tmp_path):
    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b")])
    for fmt in ("html", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        r = cli("count", f, "-O", "1", "--scale-to", "1000", "--per", "week", "-f", fmt, "-o", out, "--on", "2026-11-21")
        assert r.code == 0 and out.stat().st_size > 0, (fmt, r.err)
    # A counted sample is an estimate, not billed or consumed charges: FOCUS is refused, in one line.
    out = tmp_path / "out.focus.csv"
    r = cli("count", f, "-O", "1", "-o", out, "--on", "2026-11-21")
    assert r.code == 1 and "use --format csv" in r.err and r.err.count("\n") == 1
    assert not out.exists()
