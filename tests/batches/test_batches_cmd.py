"""`batchcalc batches` on batch objects and results built with the SDK's types (sdk_batches.py),
with every figure worked by hand from the pricing page.

Rates per MTok on 2026-11-02/03. Sonnet 4.6: standard input 3, output 15, 1-hour write 6, read
0.30; batch 1.50, 7.50, 3, 0.15. Haiku 4.5: standard 1 / 5, batch 0.50 / 2.50.

Batch A usage (a1 + a2): input 2,000, output 500, 1-hour writes 2,000, reads 2,000.
  batch:    2,000 x 1.50 + 500 x 7.50 + 2,000 x 3 + 2,000 x 0.15 = 3,000 + 3,750 + 6,000 + 300
            = 13,050 -> $0.01305
  standard: 2,000 x 3 + 500 x 15 + 2,000 x 6 + 2,000 x 0.30 = 6,000 + 7,500 + 12,000 + 600
            = 26,100 -> $0.0261; saving $0.01305; per succeeded request $0.006525 vs $0.01305: 0.5
  requests: 2 succeeded, 2 errored, 1 canceled, 1 expired: error rate 2/6 = 0.333333 (> 1%)
Batch B: b1 billed standard 10,000 x 1 + 1,000 x 5 = 15,000 -> $0.015; b2 batch 10,000 x 0.50 +
  1,000 x 2.50 = 7,500 -> $0.0075. Cost $0.0225, standard 2 x $0.015 = $0.03, saving $0.0075,
  ratio 0.0225 / 0.03 = 0.75 (not half: flagged). Turnaround 2 h 30 min = 9,000 s (> 1 hour).
Totals: cost 0.01305 + 0.0225 = $0.03555, standard 0.0261 + 0.03 = $0.0561, saving $0.02055;
  4 succeeded, 2 errored, 1 canceled, 1 expired: error rate 2/8 = 0.25; ratio 0.03555 / 0.0561
  = 0.63368983... -> 0.633690; per request 0.03555 / 4 = $0.0088875. Turnaround over the two
  ended batches [1,800, 9,000]: median (nearest rank) 1,800, p95 9,000, max 9,000.
"""

import json
from decimal import Decimal

import pytest

import sdk_batches as sb

D = Decimal


@pytest.fixture
def files(tmp_path):
    return sb.write(tmp_path)


def by_id(doc):
    return {b["id"]: b for b in doc["batches"]}


def test_per_batch_and_total_figures(cli, files):
    objects, ra, rb = files
    r = cli("batches", objects, ra, rb, "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["kind"] == "batches"
    a, b, c = (by_id(doc)[i] for i in ("msgbatch_01A", "msgbatch_01B", "msgbatch_01C"))

    assert a["requests"] == {"succeeded": 2, "errored": 2, "canceled": 1, "expired": 1}
    assert D(a["error_rate"]) == D("0.333333")
    assert a["error_types"] == {"invalid_request_error": 1, "overloaded_error": 1}
    assert a["turnaround_seconds"] == 1800
    assert D(a["cost_usd"]) == D("0.01305") and D(a["standard_equivalent_usd"]) == D("0.0261")
    assert D(a["savings_usd"]) == D("0.01305")
    assert D(a["cost_per_request_usd"]) == D("0.006525")
    assert D(a["cost_per_request_ratio"]) == D("0.5")
    assert a["cache"] == {"read_tokens": 2000, "write_tokens": 2000}
    assert sorted(a["flags"]) == sorted(["error_rate_above_1_percent", "expired_requests", "canceled_requests"])

    assert D(b["cost_usd"]) == D("0.0225") and D(b["standard_equivalent_usd"]) == D("0.03")
    assert D(b["savings_usd"]) == D("0.0075") and D(b["cost_per_request_ratio"]) == D("0.75")
    assert b["turnaround_seconds"] == 9000 and D(b["error_rate"]) == 0
    assert sorted(b["flags"]) == sorted(["turnaround_over_1_hour", "cost_not_half_of_standard",
                                         "billed_without_batch_discount"])

    assert c["flags"] == ["not_ended"] and c["cost_usd"] is None and c["turnaround_seconds"] is None

    t = doc["totals"]
    assert t["batches"] == 3 and t["flagged_batches"] == 3
    assert t["requests"] == {"succeeded": 4, "errored": 2, "canceled": 1, "expired": 1}
    assert D(t["error_rate"]) == D("0.25")
    assert D(t["cost_usd"]) == D("0.03555") and D(t["standard_equivalent_usd"]) == D("0.0561")
    assert D(t["savings_usd"]) == D("0.02055")
    assert D(t["cost_per_request_usd"]) == D("0.0088875")
    assert D(t["cost_per_request_ratio"]) == D("0.633690")
    assert t["turnaround_seconds"] == {"median": 1800, "p95": 9000, "max": 9000}
    # money is exact decimal strings, never floats
    assert isinstance(a["cost_usd"], str) and isinstance(t["savings_usd"], str)


def test_results_option_and_results_without_object(cli, files, tmp_path):
    objects, ra, rb = files
    renamed = tmp_path / "b-results.jsonl"
    renamed.write_text(rb.read_text())
    r = cli("batches", objects, ra, "--results", f"msgbatch_01B={renamed}", "-f", "json")
    assert D(by_id(r.json())["msgbatch_01B"]["cost_usd"]) == D("0.0225")
    # Results alone: priced at --on's rates (the same on 2026-11-21), no turnaround.
    alone = cli("batches", ra, "--on", "2026-11-21", "-f", "json").json()
    assert D(alone["batches"][0]["cost_usd"]) == D("0.01305")
    assert alone["batches"][0]["turnaround_seconds"] is None
    assert any("--on" in a for a in alone["assumptions"])


def test_bad_inputs_are_one_line_errors(cli, files, tmp_path):
    objects, ra, rb = files
    odd = tmp_path / "results.jsonl"
    odd.write_text(ra.read_text())
    r = cli("batches", objects, odd)
    assert r.code == 1 and "named after its batch" in r.err and r.err.count("\n") == 1
    broken = tmp_path / "msgbatch_01A.jsonl"
    broken.write_text(ra.read_text() + '{"custom_id": "a1", "result": {"type": "expired"}}\n')
    r = cli("batches", objects, broken)
    assert r.code == 1 and f"{broken}:7:" in r.err and "appears twice" in r.err
    r = cli("batches", objects, objects)
    assert r.code == 1 and "given twice" in r.err
    r = cli("batches", "--results", "nonsense")
    assert r.code == 1 and "BATCH_ID=FILE" in r.err
    r = cli("batches", objects, rb, "--retry-to", tmp_path / "retry.jsonl")
    assert r.code == 1 and "--requests" in r.err and not (tmp_path / "retry.jsonl").exists()
    r = cli("batches", objects, rb, "--requests", rb)
    assert r.code == 1 and "--retry-to" in r.err


def test_retry_file_with_fresh_ids_and_mapping(cli, files, tmp_path):
    objects, ra, rb = files
    h = "hello" + " hello" * 999  # 1,000 cl100k tokens -> 1,200 estimated (factor 1.20)
    originals = tmp_path / "requests.jsonl"
    originals.write_text("".join(json.dumps({"custom_id": f"a{i}", "params": {
        "model": "claude-sonnet-4-6", "max_tokens": 1000, "messages": [{"role": "user", "content": h}]}}) + "\n"
        for i in range(1, 7)))
    retry = tmp_path / "retry.jsonl"
    r = cli("batches", objects, ra, rb, "--requests", originals, "--retry-to", retry, "--on", "2026-11-21",
            "-f", "json")
    assert r.code == 0, r.err
    lines = [json.loads(l) for l in retry.read_text().splitlines()]
    # a3 (overloaded_error) and a4 (expired) in the original order; a6 (invalid request) and a5
    # (canceled) are not resubmitted.
    assert [l["custom_id"] for l in lines] == ["r1-a3", "r1-a4"]
    assert set(lines[0]) == {"custom_id", "params"} and lines[0]["params"]["max_tokens"] == 1000
    mapping = [json.loads(l) for l in (tmp_path / "retry.map.jsonl").read_text().splitlines()]
    assert mapping == [
        {"custom_id": "r1-a3", "original_custom_id": "a3", "batch_id": "msgbatch_01A", "reason": "overloaded_error"},
        {"custom_id": "r1-a4", "original_custom_id": "a4", "batch_id": "msgbatch_01A", "reason": "expired"}]
    doc = r.json()
    assert doc["retry"]["requests"] == 2 and doc["retry"]["by_reason"] == {"expired": 1, "overloaded_error": 1}
    assert doc["not_retryable"]["listed"] == [{"batch_id": "msgbatch_01A", "custom_id": "a6",
                                               "error_type": "invalid_request_error",
                                               "message": "max_tokens: 999999 > 64000"}]
    # The retry priced at batch rates: 2 requests of 1,200 input tokens, max_tokens 1,000.
    # Worst: 2 x (1,200 x 1.50 + 1,000 x 7.50) / 1e6 = 0.0186. Expected: output = the mean of
    # batch A's succeeded requests (200 + 300) / 2 = 250: 2 x (1,800 + 250 x 7.50) / 1e6 = 0.00735.
    assert D(doc["retry"]["worst_case_usd"]) == D("0.0186")
    assert D(doc["retry"]["expected_usd"]) == D("0.00735")
    # The retry file passes check.
    assert cli("check", retry, "--on", "2026-11-21").code == 0


def test_fresh_ids_stay_unique_and_short():
    from calculator.batches.retry import fresh_id

    taken = {"r1-x"}
    assert fresh_id("x", taken) == "r2-x"
    assert fresh_id("r2-x", taken) == "r3-x"
    long = "y" * 64
    new = fresh_id(long, set())
    assert new.startswith("r1-") and len(new) <= 64


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html", "focus"])
def test_every_format(cli, files, fmt):
    objects, ra, rb = files
    r = cli("batches", objects, ra, rb, "-f", fmt)
    assert r.code == 0, r.err
    # the page and the terminal show the batches; CSV and FOCUS are the long form (the charges)
    assert ("claude-haiku-4-5" if fmt in ("csv", "focus") else "msgbatch_01B") in r.out


def test_report_round_trips_and_has_the_charts(catalogue, files):
    from calculator.batches.results import BatchesOptions, analyse_batches
    from calculator.report.batches import build_batches_report
    from calculator.report.model import Report

    objects, ra, rb = files
    rep = build_batches_report(analyse_batches(BatchesOptions(files=[str(objects), str(ra), str(rb)]), catalogue),
                               catalogue, catalogue.version)
    assert Report.from_dict(rep.to_dict()) == rep
    charts = {c.name: c for c in rep.charts}
    assert set(charts) == {"turnaround", "savings", "error_rate"}
    assert charts["turnaround"].series[0].values == [1800, 9000] and charts["turnaround"].flagged == [1]
    assert charts["savings"].series[1].values == [D("0.01305"), D("0.0075")] and charts["savings"].flagged == [1]
    assert charts["error_rate"].flagged == [0]


def _analyse(catalogue, tmp_path, objects, results):
    from calculator.batches.results import BatchesOptions, analyse_batches

    (tmp_path / "objects.json").write_text(json.dumps(objects))
    files = [str(tmp_path / "objects.json")]
    for bid, items in results.items():
        (tmp_path / f"{bid}.jsonl").write_text(sb.jsonl(items))
        files.append(str(tmp_path / f"{bid}.jsonl"))
    return analyse_batches(BatchesOptions(files=files), catalogue)


def test_fast_mode_is_flagged(catalogue, tmp_path):
    import datetime as dt

    from anthropic.types.messages import MessageBatchIndividualResponse

    created = dt.datetime(2026, 11, 2, 9, tzinfo=sb.UTC)
    fast = sb.succeeded("f1", "claude-opus-5", 1000, 100, tier="standard")
    fast["result"]["message"]["usage"]["speed"] = "fast"
    fast = MessageBatchIndividualResponse.model_validate(fast).model_dump(mode="json")
    res = _analyse(catalogue, tmp_path, [sb.batch("msgbatch_F", created, created + dt.timedelta(minutes=5),
                                                  succeeded=1)], {"msgbatch_F": [fast]})
    b = res.batches[0]
    # Opus 5 fast mode is 2x standard (10 / 50 per MTok): 1,000 x 10 + 100 x 50 = 15,000 -> $0.015;
    # at standard rates 1,000 x 5 + 100 x 25 = 7,500 -> $0.0075: the ratio is 2, not 0.5.
    assert b.cost == D("0.015") and b.standard == D("0.0075") and b.ratio == D("2")
    assert "fast_mode" in b.flags and "cost_not_half_of_standard" in b.flags


def test_flag_boundaries(catalogue, tmp_path):
    import datetime as dt

    created = dt.datetime(2026, 11, 2, 0, tzinfo=sb.UTC)
    # 1 errored in 100 is exactly 1%: not above it. 23 h exactly is near the 24-hour limit;
    # 3,600 s exactly is not over an hour.
    ok = [sb.succeeded(f"s{i}", "claude-haiku-4-5", 10, 1) for i in range(99)] + [sb.errored("e", "api_error")]
    res = _analyse(catalogue, tmp_path, [
        sb.batch("msgbatch_1", created, created + dt.timedelta(hours=23), succeeded=99, errored=1),
        sb.batch("msgbatch_2", created, created + dt.timedelta(hours=1), succeeded=1)],
        {"msgbatch_1": ok, "msgbatch_2": [sb.succeeded("x", "claude-haiku-4-5", 10, 1)]})
    one, two = res.batches
    assert one.error_rate == D("0.01") and "error_rate_above_1_percent" not in one.flags
    assert "turnaround_near_24_hours" in one.flags and "turnaround_over_1_hour" in one.flags
    assert two.flags == []


def test_objects_and_results_through_pipes(cli, files, tmp_path):
    """`batchcalc batches <(zcat batches.json.gz) --results ID=<(zcat results.jsonl.gz)`: each
    pipe is read once."""
    import gzip
    import os
    import threading

    objects, ra, rb = files
    pipes = {}
    for name, src in (("objects", objects), ("results", ra)):
        path = tmp_path / f"{name}.fifo"
        os.mkfifo(path)
        pipes[name] = path
        data = gzip.compress(src.read_bytes())

        def feed(path=path, data=data):
            with open(path, "wb") as fh:  # blocks until batchcalc opens the pipe
                fh.write(data)

        threading.Thread(target=feed, daemon=True).start()
    r = cli("batches", pipes["objects"], "--results", f"msgbatch_01A={pipes['results']}", rb, "-f", "json")
    assert r.code == 0, r.err
    assert D(by_id(r.json())["msgbatch_01A"]["cost_usd"]) == D("0.01305")


def test_focus_has_one_charge_per_batch_model_tier_and_token_type_on_the_day_it_ended(cli, files):
    import csv
    import io

    objects, ra, rb = files
    r = cli("batches", objects, ra, rb, "-f", "focus")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    # A: 4 token types at the batch tier; B: input and output at the standard tier (b1) and at
    # the batch tier (b2). C has not ended: no charges.
    assert len(rows) == 8
    assert sum(D(row["EffectiveCost"]) for row in rows) == D("0.03555")  # the module docstring's total
    assert {row["BilledCost"] for row in rows} == {""}  # results are usage, not a bill
    days = {(row["x_BatchId"], row["ChargePeriodStart"], row["ChargePeriodEnd"]) for row in rows}
    assert days == {("msgbatch_01A", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"),
                    ("msgbatch_01B", "2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z")}
    b_input = {row["x_ServiceTier"]: (D(row["EffectiveCost"]), D(row["x_StandardCost"])) for row in rows
               if row["x_BatchId"] == "msgbatch_01B" and row["ConsumedQuantity"] == "10000"}
    # b1: 10,000 x $1/MTok = $0.01 at standard; b2: 10,000 x $0.50 = $0.005, $0.01 at standard rates
    assert b_input == {"standard": (D("0.01"), D("0.01")), "batch": (D("0.005"), D("0.01"))}
