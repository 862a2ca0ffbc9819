"""The bad-input corpus: every reader fed the odd files real exports contain.

Each case is one row of ``CASES``: a file of ``tests/readers/corpus/`` (small, committed) or one made from
it at run time (``make``: empty, binary, BOM, CRLF, Latin-1, gzip, gzip cut short, a 20 MB line:
nothing big or binary is committed), the command that reads it, and what the user must see:

* ``code`` 1: exactly one line on stderr, ``batchcalc: error: FILE...``, naming the file and the
  line or row (``where``) and saying what is wrong (``says``); never a traceback, never
  "bug in batchcalc";
* ``skip``: what ``--skip-invalid`` does: ``Counted(n, total)``: exit 0 (3 for a reconciliation
  with residuals), ``n`` rows skipped and counted in the JSON, and every row of the file
  accounted for (``total`` = used + skipped: nothing dropped silently); ``WHOLE_FILE``: the file
  as a whole is unreadable, so the same one-line error;
* ``code`` 0 (or 3 for reconcile): an odd but valid file (BOM, CRLF, numbers as strings, quoted
  thousands) is read, with every row counted.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest
from conftest import CORPUS

ON = "2026-11-02"
WHOLE_FILE = "whole file"


@dataclass(frozen=True)
class Counted:
    skipped: int
    total: int  # rows (lines, results, requests) in the file: used + skipped must add up to it


# -- files made at run time -------------------------------------------------------------------

def big_line(kind: str) -> Callable[[bytes], bytes]:
    """Append one valid row whose text field is 20 MB (a single 20 MB line)."""
    pad = "x" * (20 << 20)

    def make(data: bytes) -> bytes:
        if kind == "batch_results":
            row = {"custom_id": "huge", "result": {"type": "succeeded", "message": {
                "model": "claude-haiku-4-5", "content": [{"type": "text", "text": pad}],
                "usage": {"input_tokens": 10, "output_tokens": 5}}}}
            return data + json.dumps(row).encode() + b"\n"
        if kind == "requests":
            # max_tokens 0: the reader must get through the 20 MB line to name it (tokenizing
            # 20 MB would take seconds: a valid giant prompt is tested by its context-window check).
            row = {"custom_id": "huge", "params": {"model": "claude-haiku-4-5", "max_tokens": 0,
                                                   "messages": [{"role": "user", "content": pad}]}}
            return data + json.dumps(row).encode() + b"\n"
        if kind == "console_usage":
            return data + (f"2026-10-03,claude-haiku-4-5,apikey_a,{pad},standard,0-200k,1,0,0,0,1,0,global,standard\n").encode()
        if kind == "console_cost":
            return data + f"2026-10-03,Claude Haiku 4.5,{pad},standard,0-200k,output,0.01\n".encode()
        raise ValueError(kind)

    return make


MAKERS: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "binary": lambda data: bytes(range(256)) * 64,
    "bom": lambda data: b"\xef\xbb\xbf" + data,
    "crlf": lambda data: data.replace(b"\n", b"\r\n"),
    # A real Latin-1 export: every "é" becomes the single byte 0xe9.
    "latin1": lambda data: data.decode("utf-8").encode("latin-1"),
    "gzip": lambda data: gzip.compress(data),
    "gzip_magic_only": lambda data: b"\x1f\x8b",
    "gzip_cut": lambda data: gzip.compress(data * 50)[: len(gzip.compress(data * 50)) // 2],
}


@dataclass(frozen=True)
class Case:
    id: str
    command: str  # usage, generic, reconcile, invoice, count, plan, contract, prices, calibration
    file: str  # under tests/readers/corpus/
    code: int = 1
    where: str = ""  # the line or row named on stderr (":3:" or "page 1 data[0]")
    says: str = ""  # a fragment of the message
    skip: object = None  # Counted(...), WHOLE_FILE, or None (not applicable)
    make: Optional[str] = None  # a MAKERS key or "big_line"
    suffix: str = ""  # for made files: ".gz"
    rows: Optional[int] = None  # with code 0: rows (or requests, cost lines) read and used


CASES = [
    # -- batch results JSONL (batchcalc usage) ------------------------------------------------
    Case("cu-hourly-2026-03-header", "usage", "console_usage/hourly_2026_03_header.csv", code=0, rows=5),
    Case("cu-daily-2025-06-header", "usage", "console_usage/daily_2025_06_header.csv", code=0, rows=2),
    Case("br-empty", "usage", "batch_results/ok.jsonl", make="empty", says="file is empty", skip=WHOLE_FILE),
    Case("br-binary", "usage", "batch_results/ok.jsonl", make="binary", says="not a recognised usage export",
         skip=WHOLE_FILE),
    Case("br-truncated-last-line", "usage", "batch_results/truncated_last_line.jsonl", where=":3:",
         says="not valid JSON", skip=Counted(1, 3)),
    Case("br-bom", "usage", "batch_results/ok.jsonl", make="bom", code=0, rows=3),
    Case("br-crlf", "usage", "batch_results/ok.jsonl", make="crlf", code=0, rows=3),
    Case("br-latin1", "usage", "batch_results/ok.jsonl", make="latin1", where=":1:", says="not UTF-8",
         skip=Counted(3, 3)),
    Case("br-json-array", "usage", "batch_results/json_array.jsonl", says="not a batch results JSONL file",
         skip=WHOLE_FILE),
    Case("br-duplicate", "usage", "batch_results/duplicate_custom_id.jsonl", where=":4:",
         says="duplicate custom_id", skip=Counted(1, 4)),
    Case("br-negative", "usage", "batch_results/negative_count.jsonl", where=":2:", says="negative",
         skip=Counted(1, 3)),
    Case("br-non-integer", "usage", "batch_results/non_integer_count.jsonl", where=":2:",
         says="not a whole number", skip=Counted(1, 3)),
    Case("br-nan", "usage", "batch_results/nan_count.jsonl", where=":2:", says="not a whole number",
         skip=Counted(1, 3)),
    Case("br-message-not-an-object", "usage", "batch_results/message_not_an_object.jsonl", where=":2:",
         says="needs message.model", skip=Counted(1, 3)),
    Case("br-numbers-as-strings", "usage", "batch_results/numbers_as_strings.jsonl", code=0, rows=3),
    Case("br-cache-split-mismatch", "usage", "batch_results/cache_split_mismatch.jsonl", where=":2:",
         says="do not add up", skip=Counted(1, 3)),
    Case("br-gzip", "usage", "batch_results/ok.jsonl", make="gzip", suffix=".gz", code=0, rows=3),
    Case("br-gzip-cut", "usage", "batch_results/ok.jsonl", make="gzip_cut", suffix=".gz",
         says="truncated gzip", skip=WHOLE_FILE),
    Case("br-20mb-line", "usage", "batch_results/ok.jsonl", make="big_line", code=0, rows=4),
    # -- Console usage CSV ------------------------------------------------------------------
    Case("cu-empty", "usage", "console_usage/ok.csv", make="empty", says="file is empty", skip=WHOLE_FILE),
    Case("cu-binary", "usage", "console_usage/ok.csv", make="binary", says="not a recognised usage export",
         skip=WHOLE_FILE),
    Case("cu-truncated-last-line", "usage", "console_usage/truncated_last_line.csv", where=":4:",
         says="expected 14 fields", skip=Counted(1, 3)),
    Case("cu-bom", "usage", "console_usage/ok.csv", make="bom", code=0, rows=3),
    Case("cu-crlf", "usage", "console_usage/ok.csv", make="crlf", code=0, rows=3),
    Case("cu-latin1", "usage", "console_usage/ok.csv", make="latin1", where=":2:", says="not UTF-8",
         skip=Counted(2, 3)),
    Case("cu-json-array", "usage", "console_usage/json_array.csv", says="not a recognised usage export",
         skip=WHOLE_FILE),
    Case("cu-missing-column", "usage", "console_usage/missing_column.csv", where=":1:",
         says="missing column(s) 'usage_output_tokens'", skip=WHOLE_FILE),
    Case("cu-extra-column", "usage", "console_usage/extra_column.csv", code=0, rows=3),
    Case("cu-extra-field-in-row", "usage", "console_usage/extra_field_in_row.csv", where=":3:",
         says="expected 14 fields, found 15", skip=Counted(1, 3)),
    Case("cu-duplicated-row", "usage", "console_usage/duplicated_row.csv", where=":5:", says="duplicate row",
         skip=Counted(1, 4)),
    Case("cu-negative", "usage", "console_usage/negative_count.csv", where=":3:", says="negative",
         skip=Counted(1, 3)),
    Case("cu-non-integer", "usage", "console_usage/non_integer_count.csv", where=":3:",
         says="'90000.5' is not a whole number", skip=Counted(1, 3)),
    Case("cu-nan", "usage", "console_usage/nan_count.csv", where=":3:", says="'NaN' is not a whole number",
         skip=Counted(1, 3)),
    Case("cu-n/a", "usage", "console_usage/na_count.csv", where=":3:", says="'N/A' is not a whole number",
         skip=Counted(1, 3)),
    Case("cu-numbers-as-strings", "usage", "console_usage/numbers_as_strings.csv", code=0, rows=3),
    Case("cu-thousands-separator", "usage", "console_usage/thousands_separator.csv", where=":3:",
         says="'90,000' is not a whole number", skip=Counted(1, 3)),
    Case("cu-count-too-large", "usage", "console_usage/count_too_large.csv", where=":3:", says="too large",
         skip=Counted(1, 3)),
    Case("cu-gzip", "usage", "console_usage/ok.csv", make="gzip", suffix=".gz", code=0, rows=3),
    Case("cu-gzip-cut", "usage", "console_usage/ok.csv", make="gzip_cut", suffix=".gz", says="truncated gzip",
         skip=WHOLE_FILE),
    Case("cu-20mb-line", "usage", "console_usage/ok.csv", make="big_line", code=0, rows=4),
    # -- a CSV with --map ---------------------------------------------------------------------
    Case("gu-duplicated-column", "generic", "generic_usage/duplicated_column.csv", where=":1:",
         says="'Input Tokens' appears twice", skip=WHOLE_FILE),
    Case("gu-n/a", "generic", "generic_usage/na_count.csv", where=":4:", says="'N/A' is not a whole number",
         skip=Counted(1, 3)),
    Case("gu-crlf", "generic", "generic_usage/ok.csv", make="crlf", code=0, rows=2),
    # -- Admin API usage report JSON ---------------------------------------------------------
    Case("au-empty", "usage", "admin_usage/ok.json", make="empty", says="file is empty", skip=WHOLE_FILE),
    Case("au-truncated", "usage", "admin_usage/truncated.json", says="not valid JSON", skip=WHOLE_FILE),
    Case("au-bom", "usage", "admin_usage/ok.json", make="bom", code=0, rows=3),
    Case("au-crlf", "usage", "admin_usage/ok.json", make="crlf", code=0, rows=3),
    Case("au-latin1", "usage", "admin_usage/ok.json", make="latin1", where=":", says="not UTF-8", skip=WHOLE_FILE),
    Case("au-pages-one-per-line", "usage", "admin_usage/pages_one_per_line.jsonl", code=0, rows=3),
    Case("au-negative", "usage", "admin_usage/negative_count.json", where="page 1 data[0].results[1]",
         says="negative", skip=Counted(1, 3)),
    Case("au-non-integer", "usage", "admin_usage/non_integer_count.json", where="page 1 data[0].results[1]",
         says="not a whole number", skip=Counted(1, 3)),
    Case("au-nan", "usage", "admin_usage/nan_count.json", where="page 1 data[0].results[1]",
         says="not a whole number", skip=Counted(1, 3)),
    Case("au-numbers-as-strings", "usage", "admin_usage/numbers_as_strings.json", code=0, rows=3),
    Case("au-cache-writes-not-split", "usage", "admin_usage/cache_writes_not_split.json",
         where="page 1 data[0].results[1]", says="cannot be told apart", skip=Counted(1, 3)),
    Case("au-results-not-a-list", "usage", "admin_usage/results_not_a_list.json", where="page 1 data[1]",
         says="expected a list", skip=Counted(1, 3)),
    Case("au-bucket-not-an-object", "usage", "admin_usage/bucket_not_an_object.json", where="page 1 data[1]",
         says="expected a bucket object", skip=Counted(1, 3)),
    Case("au-duplicated-bucket", "usage", "admin_usage/duplicated_bucket.json", where="page 2 data[0].results[0]",
         says="duplicate row", skip=Counted(1, 4)),
    Case("au-gzip-cut", "usage", "admin_usage/ok.json", make="gzip_cut", suffix=".gz", says="truncated gzip",
         skip=WHOLE_FILE),
    # -- Admin API cost report JSON (batchcalc reconcile) ------------------------------------
    Case("ac-ok", "reconcile", "admin_cost/ok.json", code=0, rows=4),
    Case("ac-empty", "reconcile", "admin_cost/ok.json", make="empty", says="file is empty", skip=WHOLE_FILE),
    Case("ac-truncated", "reconcile", "admin_cost/truncated.json", says="not valid JSON", skip=WHOLE_FILE),
    Case("ac-bucket-not-an-object", "reconcile", "admin_cost/bucket_not_an_object.json", where="page 1 data[1]",
         says="expected a bucket object", skip=Counted(1, 3)),
    Case("ac-european-amount", "reconcile", "admin_cost/european_amount.json", where="page 1 data[1].results[1]",
         says="'2.500,00' is not a number in a format batchcalc can read", skip=Counted(1, 4)),
    Case("ac-thousands-separator", "reconcile", "admin_cost/thousands_separator.json", code=3, rows=4),
    Case("ac-nan", "reconcile", "admin_cost/nan_amount.json", where="page 1 data[1].results[1]",
         says="'NaN' is not a number", skip=Counted(1, 4)),
    Case("ac-number-amount", "reconcile", "admin_cost/number_amount.json", code=3, rows=4),
    Case("ac-duplicated-line", "reconcile", "admin_cost/duplicated_line.json", where="page 1 data[1].results[2]",
         says="the same cost line as page 1 data[1].results[1]", skip=Counted(1, 5)),
    Case("ac-description-not-a-string", "reconcile", "admin_cost/description_not_a_string.json", code=3, rows=4),
    Case("ac-bom", "reconcile", "admin_cost/ok.json", make="bom", code=0, rows=4),
    Case("ac-gzip-cut", "reconcile", "admin_cost/ok.json", make="gzip_cut", suffix=".gz", says="truncated gzip",
         skip=WHOLE_FILE),
    # -- Console cost CSV ----------------------------------------------------------------------
    Case("cc-unquoted-thousands", "reconcile", "console_cost/unquoted_thousands.csv", where=":4:",
         says="expected 7 fields, found 8", skip=Counted(1, 3)),
    Case("cc-quoted-thousands", "reconcile", "console_cost/quoted_thousands.csv", code=3, rows=3),
    Case("cc-short-row", "reconcile", "console_cost/short_row.csv", where=":4:", says="expected 7 fields, found 3",
         skip=Counted(1, 3)),
    Case("cc-missing-column", "reconcile", "console_cost/missing_column.csv", where=":1:",
         says="missing column(s) 'model'", skip=WHOLE_FILE),
    # The Console's own exports (data-formats.md 1 and 2): every header version reads as it is.
    Case("cc-real-2026-02", "reconcile", "console_cost/real_2026_02.csv", code=0, rows=4),
    Case("cc-header-2024-12", "reconcile", "console_cost/header_2024_12.csv", code=0, rows=2),
    # The Console bills one visible key on several rows (a split charge): summed, never a duplicate.
    Case("cc-split-charge", "reconcile", "console_cost/split_charge.csv", code=0, rows=4),
    Case("cc-nan", "reconcile", "console_cost/nan_amount.csv", where=":4:", says="'NaN' is not a number",
         skip=Counted(1, 3)),
    Case("cc-negative-amount", "reconcile", "console_cost/negative_amount.csv", code=3, rows=3),  # a credit
    Case("cc-latin1", "reconcile", "console_cost/ok.csv", make="latin1", where=":2:", says="not UTF-8",
         skip=Counted(3, 3)),
    Case("cc-bom", "reconcile", "console_cost/ok.csv", make="bom", code=3, rows=3),
    Case("cc-crlf", "reconcile", "console_cost/ok.csv", make="crlf", code=3, rows=3),
    Case("cc-binary", "reconcile", "console_cost/ok.csv", make="binary", says="expected a cost report",
         skip=WHOLE_FILE),
    Case("cc-20mb-line", "reconcile", "console_cost/ok.csv", make="big_line", code=3, rows=4),
    # -- invoice CSV with --cost-map -------------------------------------------------------------
    Case("inv-ok", "invoice", "invoice/ok.csv", code=0, rows=2),
    Case("inv-european-amount", "invoice", "invoice/european_amount.csv", where=":4:",
         says="'1.000,50' is not a number in a format", skip=Counted(1, 3)),
    Case("inv-underscore-amount", "invoice", "invoice/underscore_amount.csv", where=":4:",
         says="'1_000' is not a number", skip=Counted(1, 3)),
    Case("inv-huge-amount", "invoice", "invoice/huge_amount.csv", where=":4:", says="out of range",
         skip=Counted(1, 3)),
    Case("inv-missing-mapped-column", "invoice", "invoice/missing_mapped_column.csv", where=":1:",
         says="missing column(s) 'Amount'", skip=WHOLE_FILE),
    # -- sample requests (batchcalc count) -----------------------------------------------------
    Case("rq-empty", "count", "requests/ok.jsonl", make="empty", where=":1:", says="empty file", skip=WHOLE_FILE),
    Case("rq-binary", "count", "requests/ok.jsonl", make="binary", where=":1:", says="not valid JSON",
         skip=WHOLE_FILE),
    Case("rq-truncated-last-line", "count", "requests/truncated_last_line.jsonl", where=":3:",
         says="the last line is cut off", skip=Counted(1, 3)),
    Case("rq-json-array", "count", "requests/json_array.jsonl", where=":1:", says="got list", skip=WHOLE_FILE),
    Case("rq-bom", "count", "requests/ok.jsonl", make="bom", code=0, rows=3),
    Case("rq-crlf", "count", "requests/ok.jsonl", make="crlf", code=0, rows=3),
    Case("rq-latin1", "count", "requests/ok.jsonl", make="latin1", where=":1:", says="not valid UTF-8",
         skip=Counted(2, 3)),
    Case("rq-negative-max-tokens", "count", "requests/negative_max_tokens.jsonl", where=":2:",
         says="must be a whole number >= 1, got -5", skip=Counted(1, 3)),
    Case("rq-nan-max-tokens", "count", "requests/nan_max_tokens.jsonl", where=":2:", says="got nan",
         skip=Counted(1, 3)),
    Case("rq-max-tokens-as-string", "count", "requests/max_tokens_as_string.jsonl", where=":2:", says="got '50'",
         skip=Counted(1, 3)),
    Case("rq-non-integer-max-tokens", "count", "requests/non_integer_max_tokens.jsonl", where=":2:",
         says="got 50.5", skip=Counted(1, 3)),
    Case("rq-gzip-cut", "count", "requests/ok.jsonl", make="gzip_cut", suffix=".gz", says="truncated gzip",
         where=":", skip=WHOLE_FILE),
    Case("rq-gzip-magic-only", "count", "requests/ok.jsonl", make="gzip_magic_only", where=":1:",
         says="truncated gzip", skip=WHOLE_FILE),
    Case("rq-csv-gzip-cut", "count", "requests/prompts.csv", make="gzip_cut", suffix=".gz", where=":",
         says="truncated gzip", skip=WHOLE_FILE),
    Case("rq-csv-gzip-magic-only", "count", "requests/prompts.csv", make="gzip_magic_only", where=":1:",
         says="truncated gzip", skip=WHOLE_FILE),
    Case("cu-gzip-magic-only", "usage", "console_usage/ok.csv", make="gzip_magic_only", says="truncated gzip",
         skip=WHOLE_FILE),
    Case("rq-20mb-line", "count", "requests/ok.jsonl", make="big_line", where=":4:",
         says="must be a whole number >= 1, got 0", skip=Counted(1, 4)),
    Case("rq-csv-latin1", "count", "requests/prompts.csv", make="latin1", where=":2:", says="not valid UTF-8",
         skip=Counted(2, 3)),
    Case("rq-csv-unquoted-comma", "count", "requests/prompts_unquoted_comma.csv", where=":3:",
         says="row has 3 columns, the header 2", skip=Counted(1, 2)),
    # -- YAML: workloads (plan), contracts (reconcile --contract), prices (--prices) -------------
    Case("wl-python-tag", "plan", "yaml/workloads_python_tag.yaml", where=":2:", says="not valid YAML"),
    Case("wl-not-a-mapping", "plan", "yaml/workloads_not_a_mapping.yaml", where=":1:", says="expected a mapping"),
    Case("wl-binary", "plan", "yaml/workloads_ok.yaml", make="binary", says="not UTF-8"),
    Case("wl-latin1", "plan", "yaml/workloads_ok.yaml", make="latin1", where=":3:", says="not UTF-8"),
    Case("wl-huge-count", "plan", "yaml/workloads_huge_count.yaml", code=0),
    Case("wl-crlf-bom", "plan", "yaml/workloads_ok.yaml", make="bom", code=0),
    Case("wl-impossible-date", "plan", "yaml/workloads_impossible_date.yaml", says="a date that does not exist"),
    Case("ct-impossible-date", "contract", "yaml/contract_impossible_date.yaml", says="a date that does not exist"),
    Case("pr-impossible-date", "prices", "yaml/workloads_impossible_date.yaml", says="a date that does not exist"),
    Case("ct-python-tag", "contract", "yaml/contract_python_tag.yaml", where=":1:", says="not valid YAML"),
    Case("ct-models-list", "contract", "yaml/contract_models_list.yaml", says="models: expected a mapping"),
    Case("ct-unknown-model", "contract", "yaml/contract_unknown_model.yaml", says="unknown model 'claude-nope-9'"),
    Case("ct-binary", "contract", "yaml/contract_models_list.yaml", make="binary", says="not UTF-8"),
    Case("pr-python-tag", "prices", "yaml/prices_python_tag.yaml", where=":1:", says="not valid YAML"),
    Case("pr-binary", "prices", "yaml/prices_python_tag.yaml", make="binary", says="not UTF-8"),
    Case("pr-ok", "prices", "yaml/prices_ok.yaml", code=0),
    Case("cal-ok", "calibration", "yaml/calibration_ok.yaml", code=0),
    Case("cal-binary", "calibration", "yaml/calibration_ok.yaml", make="binary", says="not UTF-8"),
    Case("rq-body", "count", "requests/body.json", code=0, rows=3),
    Case("rq-body-gzip-cut", "count", "requests/body.json", make="gzip_cut", suffix=".gz", says="truncated gzip",
         where=":", skip=WHOLE_FILE),
]

USAGE_FOR_COSTS = CORPUS / "admin_usage" / "for_costs.json"
GENERIC_MAP = ["--map", "period=Day", "--map", "model=Model", "--map", "uncached_input=Input Tokens",
               "--map", "output=Output Tokens"]
INVOICE_MAP = ["--cost-map", "date=Day", "--cost-map", "model=Model", "--cost-map", "amount_usd=Amount"]


def argv(case: Case, path: Path, skip: bool) -> list[str]:
    s = ["--skip-invalid"] if skip else []
    f = str(path)
    return {
        "usage": ["usage", f, "--on", ON, "-f", "json", *s],
        "generic": ["usage", f, *GENERIC_MAP, "-f", "json", *s],
        "reconcile": ["reconcile", "--usage", str(USAGE_FOR_COSTS), "--costs", f, "-f", "json", *s],
        "invoice": ["reconcile", "--usage", str(USAGE_FOR_COSTS), "--costs", f, *INVOICE_MAP, "-f", "json", *s],
        "count": ["count", f, "-O", "10", "--on", ON, "-f", "json", *s,
                  *(["--model", "claude-haiku-4-5"] if path.suffix == ".csv" else [])],
        "plan": ["plan", f, "-f", "json"],
        "contract": ["reconcile", str(USAGE_FOR_COSTS), str(CORPUS / "admin_cost" / "ok.json"), "--contract", f],
        "prices": ["prices", "--prices", f],
        "calibration": ["count", str(CORPUS / "requests" / "ok.jsonl"), "-O", "10", "--on", ON, "-f", "json",
                        "--calibration", f],
    }[case.command]


@pytest.fixture
def case_file(tmp_path):
    def make(case: Case) -> Path:
        src = CORPUS / case.file
        if case.make is None:
            return src
        data = src.read_bytes()
        maker = big_line(src.parent.name) if case.make == "big_line" else MAKERS[case.make]
        out = tmp_path / (src.stem + f".{case.make}" + src.suffix + case.suffix)
        out.write_bytes(maker(data))
        return out

    return make


def assert_one_line_error(r, path: Path, case: Case) -> None:
    assert "Traceback" not in r.err and "bug in batchcalc" not in r.err, r.err
    lines = [l for l in r.err.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {r.err!r}"
    line = lines[0]
    assert line.startswith("batchcalc: error: "), line
    assert str(path) in line or path.name in line, f"the file is not named: {line}"
    after = line.split(str(path), 1)[-1]
    if case.where:
        assert case.where in after, f"expected {case.where!r} (the line or row) in {line!r}"
    assert case.says in line, f"expected {case.says!r} in {line!r}"


def accounted(case: Case, out: dict) -> tuple[int, int]:
    """(rows used, rows skipped) from a JSON report; asserts every row is accounted for."""
    if case.command in ("usage", "generic"):
        assert out["rows_used"] + out["rows_skipped"] + out["rows_filtered"] == out["rows_read"], out
        return out["rows_used"], out["rows_skipped"]
    if case.command in ("reconcile", "invoice"):
        return out["cost_lines"], out["cost_lines_skipped"]
    if case.command == "count":
        return out["requests"], out["skipped"]["total"]
    raise AssertionError(case.command)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus(case: Case, cli, case_file):
    path = case_file(case)
    r = cli(*argv(case, path, skip=False))
    assert "Traceback" not in r.err and "bug in batchcalc" not in r.err, r.err
    if case.code in (0, 3):
        ok = (0, 3) if case.command in ("reconcile", "invoice", "contract") else (0,)
        assert r.code in ok, f"exit {r.code}: {r.err}"
        if case.rows is not None:
            used, skipped = accounted(case, r.json())
            assert (used, skipped) == (case.rows, 0)
        return
    assert r.code == 1, f"exit {r.code}, stderr {r.err!r}"
    assert_one_line_error(r, path, case)
    if case.skip is None:
        return
    s = cli(*argv(case, path, skip=True))
    assert "Traceback" not in s.err and "bug in batchcalc" not in s.err, s.err
    if case.skip == WHOLE_FILE:  # the same error, or "nothing left to read" naming the file
        assert s.code == 1
        assert_one_line_error(s, path, Case(case.id, case.command, case.file))
        return
    assert s.code in ((0, 3) if case.command in ("reconcile", "invoice") else (0,)), s.err
    out = s.json()
    used, skipped = accounted(case, out)
    assert skipped == case.skip.skipped, out
    assert used + skipped == case.skip.total, f"{used} used + {skipped} skipped != {case.skip.total} rows"
    assert any("skipped" in w.lower() for w in out["warnings"]), out["warnings"]


def test_every_corpus_file_is_used():
    used = {c.file for c in CASES} | {str(USAGE_FOR_COSTS.relative_to(CORPUS))}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    assert on_disk - used == set()


def test_the_corpus_stays_small():
    assert sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()) < 200_000


# -- standard input ("-"): the same errors, naming standard input -------------------------------

STDIN_CASES = [
    (["usage", "-", "--source", "console-csv", "-f", "json"], "console_usage/negative_count.csv", ":3:", "negative"),
    (["usage", "-", "--source", "batch-results", "--on", ON, "-f", "json"], "batch_results/truncated_last_line.jsonl",
     ":3:", "not valid JSON"),
    (["usage", "-", "--source", "admin-usage", "-f", "json"], "admin_usage/truncated.json", "-:", "not valid JSON"),
    (["reconcile", "--usage", str(USAGE_FOR_COSTS), "--costs", "-", "--cost-source", "console-cost-csv", "-f", "json"],
     "console_cost/unquoted_thousands.csv", ":4:", "expected 7 fields, found 8"),
    (["count", "-", "-O", "1", "--on", ON], "requests/truncated_last_line.jsonl", ":3:", "the last line is cut off"),
    (["usage", "-", "--source", "console-csv", "-f", "json"], "gzip_cut:console_usage/ok.csv", "<stdin>:", "truncated gzip"),
]


@pytest.mark.parametrize("args,file,where,says", STDIN_CASES, ids=[f"{a[0]}-{f}" for a, f, _, _ in STDIN_CASES])
def test_standard_input(args, file, where, says, cli, monkeypatch):
    import io
    import sys

    make, _, name = file.rpartition(":")
    data = (CORPUS / name).read_bytes()
    if make:
        data = MAKERS[make](data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    r = cli(*args)
    assert r.code == 1
    lines = [l for l in r.err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("batchcalc: error: "), r.err
    assert where in lines[0] and says in lines[0], lines[0]
    assert lines[0].startswith("batchcalc: error: -") or lines[0].startswith("batchcalc: error: <stdin>")


def test_standard_input_is_detected_and_read_once(cli, monkeypatch):
    """Without --source, standard input is detected from its first bytes, which are then read
    again by the reader: every row counts (console_usage/ok.csv has 3 rows)."""
    import io
    import sys

    data = (CORPUS / "console_usage/ok.csv").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    r = cli("usage", "-", "-f", "json")
    assert r.code == 0, r.err
    assert r.json()["rows_read"] == r.json()["rows_used"] == 3
