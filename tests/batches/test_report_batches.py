"""`batchcalc report` with Message Batch objects: the Batches part (the `batchcalc batches`
report), its results files kept out of the usage part, and every output format.

Figures worked by hand from the pricing page for examples/ (sums of the results' usage over the
succeeded lines, done once with a text editor's column sum):

msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d (Sonnet 4.6, created 2026-11-02 14:05:11, ended 14:41:11):
  194 succeeded, 4 errored, 2 expired; usage: input 46,862, 1-hour writes 2,310, reads 445,830,
  output 13,239. Standard rates per MTok: input 3, 1-hour write 6, read 0.30, output 15:
    46,862 x 3 + 2,310 x 6 + 445,830 x 0.30 + 13,239 x 15
    = 140,586 + 13,860 + 133,749 + 198,585 = 486,780 -> $0.48678 at standard rates.
  Batch: every rate halved (1.50, 3, 0.15, 7.50) -> $0.24339; saving $0.48678 - $0.24339 = $0.24339.
  Error rate 4 / 200 = 0.02 (> 1%: flagged); turnaround 36 min = 2,160 s.
msgbatch_01JqXb4M8pRZt2wNcE7uYd3F (Haiku 4.5, created 2026-11-03 01:00:04, ended 02:22:04):
  50 succeeded; usage: input 556,399, output 24,267. Standard 1 / 5 per MTok:
    556,399 x 1 + 24,267 x 5 = 556,399 + 121,335 = 677,734 -> $0.677734 at standard rates;
  batch 0.50 / 2.50 -> $0.338867; saving $0.338867. Turnaround 1 h 22 min = 4,920 s (> 1 hour).
Totals: cost 0.24339 + 0.338867 = $0.582257, standard $1.164514, saving $0.582257; output
  tokens 13,239 + 24,267 = 37,506.
"""

from __future__ import annotations

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import sdk_batches as sb

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OBJECTS = EXAMPLES / "batches.json"
TICKETS = EXAMPLES / "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl"
SUMMARIES = EXAMPLES / "msgbatch_01JqXb4M8pRZt2wNcE7uYd3F.jsonl"
USAGE = EXAMPLES / "usage_report.json"
ON = ["--on", "2026-11-21"]


def parts(doc: dict) -> dict:
    return {p["kind"]: p for p in doc["reports"]} if doc["kind"] == "composite" else {doc["kind"]: doc}


def by_id(batches_doc: dict) -> dict:
    return {b["id"]: b for b in batches_doc["batches"]}


def check_example_batches(doc: dict) -> None:
    a, b = (by_id(doc)[i] for i in ("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d", "msgbatch_01JqXb4M8pRZt2wNcE7uYd3F"))
    assert (D(a["cost_usd"]), D(a["standard_equivalent_usd"]), D(a["savings_usd"])) == (
        D("0.24339"), D("0.48678"), D("0.24339"))
    assert (D(b["cost_usd"]), D(b["standard_equivalent_usd"]), D(b["savings_usd"])) == (
        D("0.338867"), D("0.677734"), D("0.338867"))
    assert a["requests"] == {"succeeded": 194, "errored": 4, "canceled": 0, "expired": 2}
    assert D(a["error_rate"]) == D("0.02") and a["turnaround_seconds"] == 2160
    assert a["flags"] == ["error_rate_above_1_percent", "expired_requests"]
    assert b["turnaround_seconds"] == 4920 and b["flags"] == ["turnaround_over_1_hour"]
    t = doc["totals"]
    assert (D(t["cost_usd"]), D(t["standard_equivalent_usd"]), D(t["savings_usd"])) == (
        D("0.582257"), D("1.164514"), D("0.582257"))
    assert t["usage"]["output"] == 37_506


def test_batch_objects_and_their_results_make_the_batches_part(cli):
    r = cli("report", OBJECTS, TICKETS, SUMMARIES, *ON, "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    # One part: the page is the batches report itself, as `batchcalc batches` makes it.
    assert doc["kind"] == "batches"
    check_example_batches(doc)
    assert any("counted in this part only" in a for a in doc["assumptions"])
    same = cli("batches", OBJECTS, TICKETS, SUMMARIES, *ON, "-f", "json").json()
    assert same["batches"] == doc["batches"] and same["totals"] == doc["totals"]


def test_usage_and_batches_on_one_page_count_each_result_once(cli):
    page = cli("report", USAGE, OBJECTS, TICKETS, SUMMARIES, *ON, "-f", "json")
    assert page.code == 0, page.err
    doc = page.json()
    assert [p["kind"] for p in doc["reports"]] == ["usage", "batches"]
    usage, batches = parts(doc)["usage"], parts(doc)["batches"]
    check_example_batches(batches)
    # The usage part reads the usage export only: the results files are the Batches part's.
    assert [i["path"] for i in usage["inputs"]] == [str(USAGE)]
    alone = cli("report", USAGE, *ON, "-f", "json").json()
    assert usage["totals"] == alone["totals"] and usage["tokens"] == alone["tokens"]
    # The same results without their batch objects are usage, as before: the usage part then
    # holds exactly the Batches part's cost and output tokens more (each result counted once).
    loose = cli("report", USAGE, TICKETS, SUMMARIES, *ON, "-f", "json").json()
    assert loose["kind"] == "usage"
    assert D(loose["totals"]["cost_usd"]) == D(usage["totals"]["cost_usd"]) + D("0.582257")
    assert loose["tokens"]["output"] == usage["tokens"]["output"] + 37_506


def test_results_without_a_batch_object_stay_usage(cli, tmp_path):
    only_tickets = tmp_path / "tickets.json"
    only_tickets.write_text(json.dumps(json.loads(OBJECTS.read_text())[:1]))
    doc = cli("report", only_tickets, TICKETS, SUMMARIES, *ON, "-f", "json").json()
    usage, batches = parts(doc)["usage"], parts(doc)["batches"]
    assert list(by_id(batches)) == ["msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"]
    assert [i["path"] for i in usage["inputs"]] == [str(SUMMARIES)]
    # The 50 summaries at Haiku 4.5 batch rates: $0.338867 (module docstring).
    assert D(usage["totals"]["cost_usd"]) == D("0.338867") and usage["tokens"]["output"] == 24_267


def test_results_paired_by_option_whatever_their_name(cli, tmp_path):
    renamed = tmp_path / "tickets-results.jsonl"
    shutil.copy(TICKETS, renamed)
    for extra in ([], [renamed]):  # given as --results only, or positionally too: read once
        r = cli("report", OBJECTS, *extra, "--results", f"msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d={renamed}",
                SUMMARIES, *ON, "-f", "json")
        assert r.code == 0, r.err
        doc = r.json()
        assert doc["kind"] == "batches"
        check_example_batches(doc)


def test_the_same_results_twice_are_refused(cli, tmp_path):
    copy = tmp_path / "results.jsonl"
    shutil.copy(TICKETS, copy)
    r = cli("report", OBJECTS, TICKETS, copy, *ON, "-f", "json")
    assert r.code == 1 and r.out == ""
    err = r.err.strip()
    assert len(err.splitlines()) == 1
    assert f"{copy}:1" in err and str(TICKETS) in err and "counted twice" in err
    # Two results files named after the same batch.
    twin = tmp_path / "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl"
    shutil.copy(TICKETS, twin)
    r = cli("report", OBJECTS, TICKETS, twin, *ON)
    assert r.code == 1 and "two results files for batch msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d" in r.err


def test_another_batch_reusing_custom_ids_is_not_a_copy(cli, tmp_path):
    """custom_ids repeat across batches (a nightly job): only the same message ids are the same usage."""
    objects, ra, _ = sb.write(tmp_path)
    other = tmp_path / "yesterday.jsonl"
    other.write_text(sb.jsonl([sb.succeeded("a1", "claude-sonnet-4-6", 1000, 200)]).replace(
        "msg_a1", "msg_yesterday_a1"))
    r = cli("report", objects, ra, other, *ON, "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert [i["path"] for i in parts(doc)["usage"]["inputs"]] == [str(other)]
    # Batch B has no results among the inputs while a results file went to the usage part: said so.
    assert any("no results file for batch(es) msgbatch_01B, msgbatch_01C" in w for w in doc["warnings"])


def test_bad_pairings_are_one_line_errors(cli, tmp_path):
    r = cli("report", USAGE, "--results", f"msgbatch_01X={TICKETS}")
    assert r.code == 1 and "give the batch objects (JSON) too" in r.err
    r = cli("report", OBJECTS, "--results", f"msgbatch_01X={TICKETS}")
    assert r.code == 1 and "no batch object msgbatch_01X among the inputs" in r.err
    r = cli("report", OBJECTS, "--results", "msgbatch_01X")
    assert r.code == 1 and "expected BATCH_ID=FILE" in r.err


def test_strict_refuses_an_unpriced_batch_request(cli, tmp_path):
    objects, _, _ = sb.write(tmp_path)
    (tmp_path / "msgbatch_01B.jsonl").write_text(sb.jsonl([
        sb.succeeded("b1", "claude-haiku-4-5", 10, 10), sb.succeeded("b2", "claude-nonesuch-9", 10, 10)]))
    r = cli("report", objects, tmp_path / "msgbatch_01B.jsonl", *ON, "-f", "json")
    assert r.code == 0, r.err
    assert any("claude-nonesuch-9" in w for w in r.json()["warnings"])
    r = cli("report", objects, tmp_path / "msgbatch_01B.jsonl", *ON, "--strict")
    assert r.code == 1 and "1 succeeded batch request(s) cannot be priced (--strict)" in r.err
    assert "claude-nonesuch-9" in r.err


def test_sniff_batch_objects_in_every_form(tmp_path):
    import gzip

    from calculator.inputs import sniff

    one = tmp_path / "one.json"
    one.write_text(json.dumps(sb.BATCH_A))
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [sb.BATCH_A, sb.BATCH_B], "has_more": False,
                                "first_id": "msgbatch_01A", "last_id": "msgbatch_01B"}))
    gz = tmp_path / "batches.json.gz"
    gz.write_bytes(gzip.compress(OBJECTS.read_bytes()))
    for p in (OBJECTS, one, page, gz):
        assert sniff(p) == "batch_objects", p
    assert sniff(TICKETS) == "batch_results"


def test_page_round_trips(catalogue):
    import datetime as dt

    from calculator.inputs import ReportOptions, build_sections, detect
    from calculator.report.compose import compose
    from calculator.report.model import Report

    options = ReportOptions(catalogue=catalogue, on=dt.date(2026, 11, 21))
    page = compose(build_sections(detect([USAGE, OBJECTS, TICKETS, SUMMARIES]), options))
    assert [p.kind for p in page.parts] == ["usage", "batches"]
    assert Report.from_dict(page.to_dict()) == page
    assert Report.from_dict(json.loads(json.dumps(page.to_dict()))) == page
    batches = page.parts[1]
    ran = next(t for t in batches.tables if t.name == "batches")
    assert ran.total == "total" and [r["id"] for r in ran.rows if ran.is_total(r)] == ["Total"]
    assert {c.name for c in batches.charts} == {"turnaround", "savings", "error_rate"}


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html"])
def test_every_text_format_shows_the_batches(cli, fmt):
    r = cli("report", USAGE, OBJECTS, TICKETS, SUMMARIES, *ON, "-f", fmt)
    assert r.code == 0, r.err
    assert "msgbatch_01JqXb4M8pRZt2wNcE7uYd3F" in r.out
    if fmt != "csv":
        # The saving per batch and in total, to the cent: $0.24339, $0.338867, $0.582257.
        assert "$0.24" in r.out and "$0.34" in r.out and "$0.58" in r.out


def test_xlsx_has_the_batches_sheets(cli, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    r = cli("report", USAGE, OBJECTS, TICKETS, SUMMARIES, *ON, "-o", out)
    assert r.code == 0, r.err
    wb = openpyxl.load_workbook(out)
    sheet = next(s for s in wb.sheetnames if s.endswith("What the batches cost"))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    rows = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    assert D(str(rows["msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"]["Saving"])) == D("0.24339")
    assert D(str(rows["Total"]["Saving"])) == D("0.582257")


def test_the_total_row_is_listed_last_and_never_folded():
    from calculator.report.model import Column, Report, Table
    from reports import render
    from reports.cells import ordered_rows

    table = Table("t", "T", [Column("id", "Id"), Column("n", "N", "int")],
                  [{"id": "a", "n": 1, "bad": True}, {"id": "b", "n": 2, "bad": False},
                   {"id": "Total", "n": 3, "bad": False, "total": True}, {"id": "c", "n": 4, "bad": True}],
                  flag="bad", total="total")
    assert [r["id"] for r in ordered_rows(table)] == ["a", "c", "b", "Total"]
    assert [r["id"] for r in ordered_rows(table, only_exceptions=True)] == ["a", "c"]
    assert Table.from_dict(table.to_dict()) == table
    html = render(Report(kind="x", title="X", catalogue_version="v", figures={}, tables=[table]), "html")
    block = html[html.index('id="table-'):]
    block = block[:block.index("</div>\n", block.index("</details>"))]
    shown, folded = block.split("<details", 1)
    assert '<tr class="total"><td class="atom" data-label="Id">Total</td>' in shown
    assert ">Total<" not in folded and ">b<" in folded
