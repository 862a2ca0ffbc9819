"""`batchcalc check`: limits, duplicate custom_ids, invalid requests, short cache prefixes, the
budget gate (exit 4) and --split-to, with figures worked by hand from the pricing page.

Token estimates by hand: cl100k_base encodes "hello" + " hello" x 999 as 1,000 tokens, "hi" as
1 and "word " x 10 as 11; the catalogue's factor for the 2024 tokenizer (Sonnet 4.6, Haiku 4.5)
is 1.20, rounded half up to whole tokens. Batch rates (per MTok): Sonnet 4.6 input 1.50, output
7.50, 5-minute write 1.875, read 0.15; Haiku 4.5 input 0.50, output 2.50.
"""

import gzip
import json
from decimal import Decimal

import pytest

DAY = "2026-11-21"
H1000 = "hello" + " hello" * 999  # 1,000 cl100k tokens -> 1,200 estimated Claude tokens
WORDS = "word " * 10  # 11 cl100k tokens -> 13.2 -> 13


def req(cid, content=H1000, model="claude-sonnet-4-6", max_tokens=1000, **params):
    return {"custom_id": cid, "params": {"model": model, "max_tokens": max_tokens,
                                         "messages": [{"role": "user", "content": content}], **params}}


def write_jsonl(path, requests):
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """100,001 one-token Haiku requests: one more than a batch holds."""
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with open(path, "w") as fh:
        for i in range(100_001):
            fh.write(json.dumps(req(f"r{i}", "hi", "claude-haiku-4-5", 10)) + "\n")
    return path


def test_accepted_file_with_hand_worked_worst_and_expected_case(cli, tmp_path):
    f = write_jsonl(tmp_path / "ok.jsonl", [req(f"t{i}") for i in range(10)])
    r = cli("check", f, "--on", DAY, "-O", "200", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["kind"] == "check" and doc["accepted"] is True and doc["within_budget"] is None
    assert doc["requests"] == 10 and doc["batches_needed"] == 1
    # worst: 10 x (1,200 x 1.50 + 1,000 x 7.50) / 1e6 = 10 x (0.0018 + 0.0075) = 0.093
    assert Decimal(doc["cost"]["worst_case_usd"]) == Decimal("0.093")
    # expected with 200 output tokens: 10 x (0.0018 + 200 x 7.50 / 1e6) = 10 x 0.0033 = 0.033
    assert Decimal(doc["cost"]["expected_usd"]) == Decimal("0.033")
    assert doc["models"][0]["scenario"] == "batch"


def test_budget_gate_exit_4_with_one_line(cli, tmp_path):
    f = write_jsonl(tmp_path / "ok.jsonl", [req(f"t{i}") for i in range(10)])
    r = cli("check", f, "--on", DAY, "-O", "200", "--max-cost", "0.09")
    assert r.code == 4
    lines = [l for l in r.err.splitlines() if l]
    assert lines == ["batchcalc: check: over budget: worst case $0.0930 exceeds --max-cost $0.09 "
                     "(expected case $0.0330)"]
    ok = cli("check", f, "--on", DAY, "-O", "200", "--max-cost", "0.093", "-f", "json")
    assert ok.code == 0 and ok.json()["within_budget"] is True  # equal to the budget passes


def test_cache_control_worst_case_writes_every_prefix(cli, tmp_path):
    system = [{"type": "text", "text": H1000, "cache_control": {"type": "ephemeral"}}]
    f = write_jsonl(tmp_path / "cached.jsonl",
                    [req(f"c{i}", WORDS, max_tokens=100, system=system) for i in range(4)])
    doc = cli("check", f, "--on", DAY, "-O", "50", "-f", "json").json()
    assert doc["models"][0]["scenario"] == "batch+cache"
    # Each request: 1,011 cl100k tokens -> 1,213 estimated; the prefix 1,000 -> 1,200 (>= 1,024,
    # cacheable); uncached 13. Worst (no hit, all written, 100 output each), per request:
    # 1,200 x 1.875 + 13 x 1.50 + 100 x 7.50 = 2,250 + 19.5 + 750 = 3,019.5 -> x 4 / 1e6
    assert Decimal(doc["cost"]["worst_case_usd"]) == Decimal("0.012078")
    # Expected at hit rate 0.64: floor(0.64 x 3) = 1 read, 3 writes; 50 output each:
    # 3 x 1,200 x 1.875 + 1,200 x 0.15 + 4 x 13 x 1.50 + 4 x 50 x 7.50 = 6,750 + 180 + 78 + 1,500
    assert Decimal(doc["cost"]["expected_usd"]) == Decimal("0.008508")
    assert doc["cache_prefixes_below_minimum"]["count"] == 0


def test_short_cache_prefix_is_warned_not_rejected(cli, tmp_path):
    short = "hello" + " hello" * 499  # 500 cl100k -> 600 estimated, below Sonnet 4.6's 1,024
    system = [{"type": "text", "text": short, "cache_control": {"type": "ephemeral"}}]
    f = write_jsonl(tmp_path / "short.jsonl", [req("a", WORDS, system=system), req("b", WORDS, system=system)])
    r = cli("check", f, "--on", DAY, "-f", "json")
    assert r.code == 0
    doc = r.json()
    below = doc["cache_prefixes_below_minimum"]
    assert below["count"] == 2
    assert below["listed"][0] == {"where": f"{f}:1", "custom_id": "a", "breakpoint": 1,
                                  "tokens": 600, "minimum": 1024}
    assert any("minimum cacheable length" in w for w in doc["warnings"])


def test_duplicate_custom_ids_listed_with_lines(cli, tmp_path):
    f = write_jsonl(tmp_path / "dup.jsonl", [req("a"), req("b"), req("a"), req("c"), req("a")])
    r = cli("check", f, "--on", DAY, "-f", "json")
    assert r.code == 4
    doc = r.json()
    assert doc["accepted"] is False and doc["duplicate_requests"] == 2
    assert doc["duplicate_custom_ids"] == [{"custom_id": "a", "lines": [f"{f}:1", f"{f}:3", f"{f}:5"]}]
    assert "1 custom_id(s) used more than once" in r.err


def test_invalid_requests_unknown_model_and_max_tokens(cli, tmp_path):
    f = tmp_path / "bad.jsonl"
    write_jsonl(f, [req("ok"), req("typo", model="claude-sonet-4-6"), req("str", max_tokens="100"),
                    req("float", max_tokens=100.0)])
    with open(f, "a") as fh:
        fh.write("{not json\n")
    r = cli("check", f, "--on", DAY, "-f", "json")
    assert r.code == 4
    doc = r.json()
    assert doc["invalid_requests"] == 4
    by_reason = {g["reason"]: g for g in doc["invalid"]}
    assert by_reason["missing max_tokens"]["count"] == 2
    assert by_reason["missing max_tokens"]["examples"][0].startswith(f"{f}:3: ")
    assert by_reason["malformed JSON"]["examples"][0].startswith(f"{f}:5: ")
    unknown = by_reason["unknown model"]
    assert len(unknown["examples"]) == 1
    assert unknown["examples"][0].startswith(f"{f}:2: unknown model 'claude-sonet-4-6' (did you mean "
                                             f"claude-sonnet-4-6 or ")
    # The priced part is the one valid request: 0.0093 worst
    assert Decimal(doc["cost"]["worst_case_usd"]) == Decimal("0.0093")


def test_over_the_request_limit_then_split_parts_each_pass(cli, big_file, tmp_path):
    r = cli("check", big_file, "--on", DAY, "-f", "json")
    assert r.code == 4
    doc = r.json()
    assert doc["requests"] == 100_001 and doc["over_limits"] is True and doc["batches_needed"] == 2
    # 100,001 x (1 x 0.50 + 10 x 2.50) / 1e6 ("hi": 1 x 1.20 -> 1 token)
    assert Decimal(doc["cost"]["worst_case_usd"]) == Decimal("2.5500255")

    out = tmp_path / "parts"
    r = cli("check", big_file, "--on", DAY, "--split-to", out, "-f", "json")
    assert r.code == 0, r.err
    files = r.json()["split"]["files"]
    assert [f["requests"] for f in files] == [100_000, 1]
    assert sorted(p.name for p in out.iterdir()) == ["big.part-001.jsonl", "big.part-002.jsonl"]
    for f in files:
        part = cli("check", f["path"], "--on", DAY, "-f", "json")
        assert part.code == 0, part.err
        assert part.json()["requests"] == f["requests"] and part.json()["bytes"] == f["bytes"]


def test_split_refused_when_other_problems(cli, tmp_path):
    f = write_jsonl(tmp_path / "dup.jsonl", [req("a"), req("a")])
    out = tmp_path / "parts"
    r = cli("check", f, "--on", DAY, "--split-to", out, "-f", "json")
    assert r.code == 4
    assert r.json()["split"]["files"] == [] and "not split" in r.json()["split"]["refused"]
    assert list(out.iterdir()) == []


def test_json_body_gzip_and_stdin(cli, cli_process, tmp_path):
    body = {"requests": [req("x"), req("y")]}
    gz = tmp_path / "body.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(body, indent=1).encode()))
    r = cli("check", gz, "--on", DAY, "-f", "json")
    assert r.code == 0, r.err
    assert Decimal(r.json()["cost"]["worst_case_usd"]) == Decimal("0.0186")  # 2 x 0.0093
    p = cli_process("check", "-", "--on", DAY, "-f", "json",
                    input="".join(json.dumps(x) + "\n" for x in (req("x"), req("x"))))
    assert p.code == 4 and json.loads(p.out)["duplicate_custom_ids"][0]["lines"] == ["<stdin>:1", "<stdin>:2"]


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_every_format(cli, tmp_path, fmt):
    f = write_jsonl(tmp_path / "dup.jsonl", [req("a"), req("a")])
    r = cli("check", f, "--on", DAY, "-f", fmt)
    assert r.code == 4 and r.out
    assert "custom_id" in r.out or "duplicate" in r.out.lower()


def test_csv_holds_both_cases_focus_the_expected_one(cli, tmp_path):
    import csv
    import io

    f = write_jsonl(tmp_path / "ok.jsonl", [req("a")])
    r = cli("check", f, "--on", DAY, "-f", "csv")
    assert r.code == 0, r.err
    # worst case: 1,200 input tokens at 1.50 = 0.0018, 1,000 output at 7.50 = 0.0075
    assert "0.0018" in r.out and "0.0075" in r.out and "worst case" in r.out and "expected" in r.out
    r = cli("check", f, "--on", DAY, "-f", "focus")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    # No output assumption: the expected case uses max_tokens too, so the same two charges, once.
    assert {row["SkuMeter"]: row["EffectiveCost"] for row in rows} == {
        "uncached_input_tokens": "0.0018", "output_tokens": "0.0075"}
    assert len(rows) == 2
    assert {row["x_Case"] for row in rows} == {"expected"}
    assert {row["BilledCost"] for row in rows} == {""}  # an estimate: nothing is billed
    assert {row["ChargePeriodStart"] for row in rows} == {f"{DAY}T00:00:00Z"}


def test_xlsx_and_unreadable_file(cli, tmp_path):
    f = write_jsonl(tmp_path / "ok.jsonl", [req("a")])
    out = tmp_path / "check.xlsx"
    assert cli("check", f, "--on", DAY, "-f", "xlsx", "-o", out).code == 0
    assert out.read_bytes()[:2] == b"PK"
    r = cli("check", tmp_path / "missing.jsonl")
    assert r.code == 1 and r.err.count("\n") == 1 and "file not found" in r.err


def test_a_file_of_only_invalid_requests_is_rejected_not_an_error(cli, tmp_path):
    f = write_jsonl(tmp_path / "bad.jsonl", [req("a", max_tokens=None), req("b", model="gpt-4o")])
    r = cli("check", f, "--on", DAY, "-f", "json")
    assert r.code == 4, r.err
    doc = r.json()
    assert doc["invalid_requests"] == 2 and doc["cost"]["worst_case_usd"] is None
    assert "rejected: 2 invalid request(s)" in doc["verdict"]
    # A corrupt gzip file is still an input error (exit 1), not a finding.
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(((json.dumps(req("a")) + "\n") * 50).encode())[:-20])
    r = cli("check", gz, "--on", DAY)
    assert r.code == 1 and "gzip" in r.err


def test_unpriced_model_cannot_pass_the_budget_gate(cli, tmp_path):
    f = write_jsonl(tmp_path / "preview.jsonl", [req("a"), req("m", model="claude-mythos-preview")])
    r = cli("check", f, "--on", DAY, "-f", "json")
    assert r.code == 0 and r.json()["unpriced"] == {"claude-mythos-preview": 1}  # accepted, warned
    assert Decimal(r.json()["cost"]["worst_case_usd"]) == Decimal("0.0093")  # the priced request only
    r = cli("check", f, "--on", DAY, "--max-cost", "100")
    assert r.code == 4 and "cannot verify --max-cost $100.00: 1 request(s) cannot be priced" in r.err
