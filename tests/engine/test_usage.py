"""`batchcalc usage`: expected figures worked out by hand from the pricing page (USD per MTok)."""

import gzip
import json
from decimal import Decimal

import pytest

from conftest import EXAMPLES

CONSOLE_HEADER = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
                  "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
                  "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
                  "web_search_count,inference_geo,speed")

# The rows of examples/usage_report.json, as a Console CSV (display names and ids mixed).
CONSOLE_ROWS = [
    "2026-10-01,claude-sonnet-4-6,apikey_support,wrkspc_support,standard,0-200k,2000000,0,0,0,400000,0,global,standard",
    "2026-10-01,Claude Sonnet 4.6,apikey_research,wrkspc_research,batch,0-200k,10000000,0,100000,4000000,1000000,0,global,standard",
    "2026-10-01,claude-haiku-4-5,apikey_support,wrkspc_support,standard,0-200k,5000000,1000000,0,20000000,500000,20,global,standard",
    "2026-10-02,claude-opus-4-7,apikey_research,wrkspc_research,standard,0-200k,1000000,0,200000,0,100000,0,us,standard",
    "2026-10-02,claude-sonnet-4-6,apikey_support,wrkspc_support,batch,0-200k,4000000,0,0,0,800000,0,global,standard",
    "2026-10-02,claude-mythos-preview,apikey_research,wrkspc_research,standard,0-200k,100000,0,0,0,10000,0,global,standard",
]

# Hand-worked, USD per MTok from the pricing page:
#  r1 Sonnet 4.6 standard: 2M in x $3 = 6.00 + 0.4M out x $15 = 6.00                      -> 12.00
#     as batch: 2 x 1.5 = 3 + 0.4 x 7.5 = 3                                               ->  6.00 (missed 6.00)
#  r2 Sonnet 4.6 batch: 10M x 1.5 = 15 + 0.1M 1h-write x 3 = 0.30 + 4M read x 0.15 = 0.60
#     + 1M out x 7.5 = 7.50                                                                -> 23.40
#     at standard: 30 + 0.6 + 1.2 + 15                                                     -> 46.80 (realised 23.40)
#  r3 Haiku 4.5 standard: 5M x 1 = 5 + 1M 5m-write x 1.25 + 20M read x 0.10 = 2 + 0.5M out x 5 = 2.5
#     + 20 searches x $0.01 = 0.20                                                         -> 10.95
#     as batch: 2.5 + 0.625 + 1.0 + 1.25 + 0.20 (searches not halved)                      ->  5.575 (missed 5.375)
#     as batch without cache hits: 26M x 0.5 = 13 + 1.25 + 0.20 = 14.45                    -> missed -3.50
#  r4 Opus 4.7 standard, inference_geo us (1.1x): 1M x 5.5 + 0.2M 1h x 11 + 0.1M out x 27.5
#     = 5.50 + 2.20 + 2.75                                                                 -> 10.45
#     as batch (x1.1): 2.75 + 0.2 x 5.5 = 1.10 + 0.1 x 13.75 = 1.375                       ->  5.225 (missed 5.225)
#     as batch without cache hits: 1.2M x 2.75 = 3.30 + 1.375 = 4.675                      -> missed 5.775
#  r5 Sonnet 4.6 batch: 4 x 1.5 + 0.8 x 7.5 = 12.00; at standard 12 + 12 = 24.00           (realised 12.00)
#  r6 Mythos Preview: no published price -> unpriced, not $0
TOTAL_COST = Decimal("68.80")          # 12 + 23.40 + 10.95 + 10.45 + 12
STANDARD_EQUIVALENT = Decimal("104.20")  # 12 + 46.80 + 10.95 + 10.45 + 24
REALISED = Decimal("35.40")            # 23.40 + 12
MISSED = Decimal("16.60")              # 6 + 5.375 + 5.225
MISSED_WITHOUT_CACHE = Decimal("8.275")  # 6 - 3.50 + 5.775


def write_console(tmp_path, rows=CONSOLE_ROWS, name="usage.csv", header=CONSOLE_HEADER, newline="\n",
                  bom=False):
    path = tmp_path / name
    text = newline.join([header, *rows]) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def totals(doc):
    return {k: Decimal(v) for k, v in doc["totals"].items()}


def check_example_totals(doc):
    t = totals(doc)
    assert t["cost_usd"] == TOTAL_COST
    assert t["standard_equivalent_usd"] == STANDARD_EQUIVALENT
    assert t["realised_batch_savings_usd"] == REALISED
    assert t["missed_batch_savings_usd"] == MISSED
    assert t["missed_batch_savings_without_cache_usd"] == MISSED_WITHOUT_CACHE
    assert doc["rows_read"] == 6
    assert doc["rows_unpriced"] == 1


def test_admin_usage_report_example(cli):
    r = cli("usage", EXAMPLES / "usage_report.json", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["schema_version"] and doc["catalogue_version"]
    check_example_totals(doc)
    assert doc["inputs"][0]["source"] == "admin-usage"
    by_model = {m["model"]: m for m in doc["by_model"]}
    assert Decimal(by_model["claude-sonnet-4-6"]["cost_usd"]) == Decimal("47.40")  # 12 + 23.40 + 12
    assert Decimal(by_model["claude-haiku-4-5-20251001"]["cost_usd"]) == Decimal("10.95")
    assert by_model["claude-mythos-preview"]["unpriced_rows"] == 1
    assert by_model["claude-mythos-preview"]["cost_usd"] is None  # unpriced: null, never $0
    by_month = doc["by_month"]
    assert [m["month"] for m in by_month] == ["2026-10"]
    # the unpriced model is listed with its reason, never priced at $0 silently
    assert doc["unpriced"][0]["model"] == "claude-mythos-preview"
    assert any("unpriced" in w for w in doc["warnings"])


def test_breakdowns_add_up_to_the_totals(cli):
    doc = cli("usage", EXAMPLES / "usage_report.json", "-f", "json", "-g", "day,model").json()
    by_ws = {w["workspace"]: Decimal(w["cost_usd"]) for w in doc["by_workspace"]}
    # support: 12 + 10.95 + 12; research: 23.40 + 10.45 (Mythos unpriced)
    assert by_ws == {"wrkspc_support": Decimal("34.95"), "wrkspc_research": Decimal("33.85")}
    assert sum(Decimal(k["cost_usd"]) for k in doc["by_api_key"]) == TOTAL_COST
    assert sum(Decimal(k["realised_batch_savings_usd"]) for k in doc["by_api_key"]) == REALISED
    assert sum(Decimal(k["missed_batch_savings_usd"]) for k in doc["by_api_key"]) == MISSED
    assert doc["top_spenders"]["api_key"][0]["api_key"] == "apikey_support"
    groups = {(g["day"], g["model"]): g["cost_usd"] and Decimal(g["cost_usd"]) for g in doc["groups"]["rows"]}
    assert groups[("2026-10-02", "claude-mythos-preview")] is None  # unpriced: null, never $0
    assert groups[("2026-10-02", "claude-opus-4-7")] == Decimal("10.45")
    assert groups[("2026-10-01", "claude-sonnet-4-6")] == Decimal("35.40")  # 12 + 23.40


def test_console_csv_gives_the_same_figures(cli, tmp_path):
    path = write_console(tmp_path)
    doc = cli("usage", path, "-f", "json").json()
    check_example_totals(doc)
    assert doc["inputs"][0]["source"] == "console-csv"


def test_gzip_bom_and_crlf(cli, tmp_path):
    plain = write_console(tmp_path, newline="\r\n", bom=True)
    gz = tmp_path / "usage.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, gz):
        r = cli("usage", path, "-f", "json")
        assert r.code == 0, r.err
        check_example_totals(r.json())


def test_admin_usage_pages_and_directory(cli, tmp_path):
    page = json.loads((EXAMPLES / "usage_report.json").read_text())
    first = {"data": page["data"][:1], "has_more": True, "next_page": "p2"}
    second = {"data": page["data"][1:], "has_more": False, "next_page": None}
    (tmp_path / "pages.json").write_text(json.dumps([first, second]))
    check_example_totals(cli("usage", tmp_path / "pages.json", "-f", "json").json())
    d = tmp_path / "dir"
    d.mkdir()
    (d / "1.json").write_text(json.dumps(first))
    (d / "2.json.gz").write_bytes(gzip.compress(json.dumps(second).encode()))
    check_example_totals(cli("usage", d, "-f", "json").json())


def test_since_until_filter(cli):
    doc = cli("usage", EXAMPLES / "usage_report.json", "-f", "json", "--since", "2026-10-02").json()
    # day 2 only: Opus 10.45 + Sonnet batch 12.00; Mythos still unpriced
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("22.45")
    assert doc["rows_filtered"] == 3
    doc = cli("usage", EXAMPLES / "usage_report.json", "-f", "json", "--until", "2026-10-01").json()
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("46.35")  # 12 + 23.40 + 10.95


def test_batch_results_only_succeeded_billed(cli, tmp_path):
    def ok(cid, model, inp, out, cw=0, cr=0, w1=0):
        usage = {"input_tokens": inp, "cache_creation_input_tokens": cw + w1, "cache_read_input_tokens": cr,
                 "cache_creation": {"ephemeral_5m_input_tokens": cw, "ephemeral_1h_input_tokens": w1},
                 "output_tokens": out, "service_tier": "batch"}
        return {"custom_id": cid, "result": {"type": "succeeded", "message": {"model": model, "usage": usage}}}

    lines = [
        ok("a", "claude-sonnet-4-5", 150_000, 1_000, cr=60_000),  # total input 210,000 > 200K: long context
        ok("b", "claude-sonnet-4-5", 100_000, 1_000, cr=100_000),  # exactly 200,000: not above the threshold
        ok("c", "claude-haiku-4-5", 10_000, 500, cw=2_000),
        {"custom_id": "d", "result": {"type": "errored", "error": {"type": "invalid_request_error"}}},
        {"custom_id": "e", "result": {"type": "expired"}},
        {"custom_id": "f", "result": {"type": "canceled"}},
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    r = cli("usage", path, "--on", "2026-11-02", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    # a: Sonnet 4.5 batch >200K rates: 150,000 x $3 + 60,000 read x $0.30 + 1,000 out x $11.25
    #    = 0.45 + 0.018 + 0.01125 = 0.47925
    # b: base batch rates: 100,000 x 1.5 + 100,000 x 0.15 + 1,000 x 7.5 = 0.15 + 0.015 + 0.0075 = 0.1725
    # c: Haiku 4.5 batch: 10,000 x 0.5 + 2,000 5m-write x 0.625 + 500 x 2.5 = 0.005 + 0.00125 + 0.00125 = 0.0075
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.47925") + Decimal("0.1725") + Decimal("0.0075")
    assert doc["batch_results"] == {"succeeded": 3, "errored": 1, "canceled": 1, "expired": 1, "billed": 3}
    # cached tokens are not part of input_tokens: never counted twice
    assert doc["tokens"]["uncached_input"] == 260_000
    assert doc["tokens"]["cache_read"] == 160_000
    assert doc["tokens"]["requests"] == 3


def test_generic_csv_with_map(cli, tmp_path):
    path = tmp_path / "invoice.csv"
    path.write_text("Date,Model,Tier,Input Tokens,Output Tokens\n"
                    "2026-10-05,claude-haiku-4-5,batch,4000000,1000000\n")
    r = cli("usage", path, "-f", "json", "--map", "period=Date", "--map", "model=Model",
            "--map", "service_tier=Tier", "--map", "uncached_input=Input Tokens",
            "--map", "output=Output Tokens")
    assert r.code == 0, r.err
    # Haiku 4.5 batch: 4M x 0.5 = 2.00 + 1M x 2.5 = 2.50 -> 4.50; at standard 4 + 5 = 9.00
    doc = r.json()
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("4.5")
    assert Decimal(doc["totals"]["realised_batch_savings_usd"]) == Decimal("4.5")
    # without --map: a clear error naming the columns found
    r = cli("usage", path)
    assert r.code == 1 and "--map" in r.err and "'Input Tokens'" in r.err


def test_long_context_and_unpriced_tier_from_console(cli, tmp_path):
    rows = ["2026-03-01,claude-sonnet-4-6,k,w,standard,200k-1M,1000000,0,0,0,100000,0,global,standard",
            "2026-03-01,claude-sonnet-4-6,k,w,priority,0-200k,1000000,0,0,0,100000,0,global,standard"]
    doc = cli("usage", write_console(tmp_path, rows), "-f", "json").json()
    # Sonnet 4.6 >200K until 2026-03-13: 1M x $6 + 0.1M x $22.50 = 6 + 2.25
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("8.25")
    assert doc["rows_unpriced"] == 1  # priority tier: no published price, never $0
    r = cli("usage", write_console(tmp_path, rows), "--strict")
    assert r.code == 1 and "--strict" in r.err


# -- bad input: one line, exit 1, never a traceback ------------------------------------------

def one_line_error(r, *needles):
    assert r.code == 1, (r.out, r.err)
    assert r.err.startswith("batchcalc: error:") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err and "internal error" not in r.err
    for n in needles:
        assert n in r.err, r.err


def test_missing_columns_named(cli, tmp_path):
    header = CONSOLE_HEADER.replace("usage_output_tokens,", "")
    row = CONSOLE_ROWS[0].replace(",400000,", ",")
    r = cli("usage", write_console(tmp_path, [row], header=header))
    one_line_error(r, "usage.csv:1:", "'usage_output_tokens'", "found", "'usage_date_utc'")


@pytest.mark.parametrize("value,needle", [("-5", "negative"), ("12.5", "not a whole number"),
                                          ("abc", "not a whole number"), ("5e5", "not a whole number")])
def test_bad_counts(cli, tmp_path, value, needle):
    rows = list(CONSOLE_ROWS)
    rows[2] = rows[2].replace(",500000,", f",{value},")
    path = write_console(tmp_path, rows)
    one_line_error(cli("usage", path), "usage.csv:4:", needle)
    r = cli("usage", path, "--skip-invalid", "-f", "json")
    assert r.code == 0
    doc = r.json()
    assert doc["rows_skipped"] == 1 and doc["rows_read"] == 6 and doc["rows_used"] == 5
    # the Haiku row is skipped: 68.80 - 10.95
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("57.85")


@pytest.mark.parametrize("value", ["0500000", "+500000"])
def test_a_count_not_written_canonically_is_still_read(cli, tmp_path, value):
    """The engine's own scan takes only canonical digits; the exact path reads the others."""
    rows = list(CONSOLE_ROWS)
    rows[2] = rows[2].replace(",500000,", f",{value},")
    doc = cli("usage", write_console(tmp_path, rows), "-f", "json").json()
    assert doc["rows_used"] == 6 and Decimal(doc["totals"]["cost_usd"]) == Decimal("68.80")


def test_unknown_model_and_tier(cli, tmp_path):
    rows = list(CONSOLE_ROWS)
    rows[0] = rows[0].replace("claude-sonnet-4-6", "claude-sonet-4-6")
    one_line_error(cli("usage", write_console(tmp_path, rows)), "usage.csv:2:", "unknown model", "claude-sonnet-4-6")
    rows = list(CONSOLE_ROWS)
    rows[3] = rows[3].replace(",standard,0-200k", ",turbo,0-200k")
    one_line_error(cli("usage", write_console(tmp_path, rows)), "usage.csv:5:", "unknown service tier 'turbo'")


def test_duplicate_rows_detected_not_double_counted(cli, tmp_path):
    rows = CONSOLE_ROWS + [CONSOLE_ROWS[0]]
    path = write_console(tmp_path, rows)
    one_line_error(cli("usage", path), "usage.csv:8:", "duplicate row", "line 2")
    doc = cli("usage", path, "--skip-invalid", "-f", "json").json()
    check_example_totals({**doc, "rows_read": 6})
    assert doc["duplicate_rows"] == 1 and doc["rows_skipped"] == 1


def test_empty_file_and_wrong_source(cli, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    one_line_error(cli("usage", empty), "empty")
    one_line_error(cli("usage", EXAMPLES / "usage_report.json", "--source", "console-csv"),
                   "--source console-csv", "Admin API usage report")
    one_line_error(cli("usage", write_console(tmp_path), "--source", "batch-results"), "Message Batches results", "Console usage CSV")
    one_line_error(cli("usage", tmp_path / "missing.csv"), "not found")


def test_header_only_file_is_zero_usage(cli, tmp_path):
    r = cli("usage", write_console(tmp_path, []), "-f", "json")
    assert r.code == 0
    doc = r.json()
    assert doc["rows_read"] == 0 and Decimal(doc["totals"]["cost_usd"]) == 0
    assert any("no usage rows" in w for w in doc["warnings"])


def test_other_formats_render(cli):
    for fmt in ("table", "csv", "markdown"):
        r = cli("usage", EXAMPLES / "usage_report.json", "-f", fmt)
        assert r.code == 0 and r.out, fmt
    csv_out = cli("usage", EXAMPLES / "usage_report.json", "-f", "csv").out
    assert "claude-opus-4-7" in csv_out and "unpriced" in csv_out


def test_library_frame(tmp_path):
    from calculator.engine import read_usage_frame
    from calculator.engine.pipeline import COUNTS, RAW_DIMENSIONS as DIMENSIONS

    df = read_usage_frame([EXAMPLES / "usage_report.json"])
    assert list(df.columns) == [*DIMENSIONS, *COUNTS]
    assert len(df) == 6
    assert all(str(df[c].dtype) == "int64" for c in COUNTS)
    assert set(df["context_tier"]) == {"base"}
    assert df["cache_read"].sum() == 24_000_000


def test_usage_help_has_examples(cli):
    r = cli("usage", "--help")
    assert r.code == 0 and "Examples" in r.out and "--from-api" in r.out


def test_batch_results_example_and_stdin(cli, monkeypatch):
    import io
    import sys

    r = cli("usage", EXAMPLES / "batch_results.jsonl", "--on", "2026-11-02", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    # Sonnet 4.6 batch: input 7,500 x $1.50 = 0.01125; 1h writes 10,000 x $3 = 0.03;
    # reads 20,000 x $0.15 = 0.003; output 1,200 x $7.50 = 0.009 -> 0.05325
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.05325")
    assert doc["batch_results"]["errored"] == 1 and doc["batch_results"]["expired"] == 1
    assert doc["duplicate_rows"] == 0  # requests sharing dimensions are not duplicate buckets
    data = (EXAMPLES / "console_usage.csv").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    r = cli("usage", "-", "--source", "console-csv", "-f", "json")
    assert r.code == 0, r.err
    check_example_totals(r.json())


def test_malformed_row_then_bad_count_line_numbers(cli, tmp_path):
    rows = [CONSOLE_ROWS[0], "2026-10-01,claude-haiku-4-5,k,w,standard", CONSOLE_ROWS[2].replace(",500000,", ",x1,")]
    path = write_console(tmp_path, rows)
    one_line_error(cli("usage", path), "usage.csv:3:", "expected 14 fields, found 5")
    r = cli("usage", path, "--skip-invalid", "-f", "json")
    assert r.code == 0
    doc = r.json()
    assert doc["rows_skipped"] == 2
    assert any("line 4" in w and "x1" in w for w in doc["warnings"])  # the second bad row, on line 4
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("12")  # only the first Sonnet row remains


def test_many_small_blocks_same_result_and_cross_block_duplicates(cli, tmp_path, monkeypatch):
    """Reading in blocks of a few rows gives the same figures; duplicates across blocks (and a
    block made only of duplicates) are caught."""
    import calculator.readers._csv as csvmod

    monkeypatch.setattr(csvmod, "BLOCK_SIZE", 150)  # about one row per block
    path = write_console(tmp_path)
    doc = cli("usage", path, "-f", "json").json()
    check_example_totals(doc)
    twice = write_console(tmp_path, CONSOLE_ROWS + CONSOLE_ROWS, name="twice.csv")
    one_line_error(cli("usage", twice), "twice.csv:8:", "duplicate row", "line 2")
    doc = cli("usage", twice, "--skip-invalid", "-f", "json").json()
    assert doc["duplicate_rows"] == 6 and doc["rows_read"] == 12
    check_example_totals({**doc, "rows_read": 6})


def test_hourly_buckets(cli, tmp_path):
    page = json.loads((EXAMPLES / "usage_report.json").read_text())
    r1 = page["data"][0]["results"][0]  # Sonnet 4.6 standard: $12.00 (see above)
    doc = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-01T01:00:00Z", "results": [r1]},
                    {"starting_at": "2026-10-01T01:00:00Z", "ending_at": "2026-10-01T02:00:00Z", "results": [r1]}],
           "has_more": False}
    path = tmp_path / "hourly.json"
    path.write_text(json.dumps(doc))
    out = cli("usage", path, "-f", "json", "-g", "day").json()
    assert out["duplicate_rows"] == 0  # two hours, not the same bucket twice
    assert Decimal(out["totals"]["cost_usd"]) == Decimal("24")
    assert [(g["day"], Decimal(g["cost_usd"])) for g in out["groups"]["rows"]] == [("2026-10-01", Decimal("24"))]


def test_usage_html_page_and_report_section(cli, tmp_path):
    page = tmp_path / "usage.html"
    r = cli("usage", EXAMPLES / "usage_report.json", "-f", "html", "-o", page)
    assert r.code == 0, r.err
    html = page.read_text()
    assert "Realised batch savings" in html and "$35.40" in html and "$16.60" in html
    # `batchcalc report` builds the usage and reconcile sections from the exports it is given
    both = tmp_path / "both.html"
    r = cli("-q", "report", EXAMPLES / "usage_report.json", EXAMPLES / "cost_report.json", "-o", both)
    assert r.code == 3, r.err  # the planted discrepancy
    html = both.read_text()
    assert "Invoice reconciliation" in html and "batch tokens billed at the standard rate" in html
    focus = cli("usage", EXAMPLES / "usage_report.json", "-f", "focus").out.splitlines()
    assert focus[0].startswith("BilledCost,") and any("2026-10-02T00:00:00Z,2026-10-03T00:00:00Z" in l for l in focus)


def test_usage_from_python_gives_a_frame_of_exact_values():
    """The notebook path (README "From Python"): the same figures as the CLI, tables as DataFrames."""
    import datetime as dt

    from batchcalc import UsageOptions, usage

    r = usage(EXAMPLES / "usage_report.json")
    assert Decimal(r.figures["totals"]["cost_usd"]) == TOTAL_COST
    long = r.frame()
    # every priced line of the long form, summed exactly (Decimal, never float): the total
    assert all(isinstance(v, Decimal) for v in long["cost_usd"].dropna())
    assert sum(long["cost_usd"].dropna()) == TOTAL_COST
    by_token = long.groupby("token_type")["cost_usd"].sum()
    # outputs: r1 6.00 + r2 7.50 + r3 2.50 + r4 2.75 + r5 6.00 = 24.75
    assert by_token["output"] == Decimal("24.75")
    by_model = r.frame("by_model").set_index("model")
    # Sonnet 4.6: r1 12.00 + r2 23.40 + r5 12.00 = 47.40; Mythos is unpriced, never $0
    assert by_model.loc["claude-sonnet-4-6", "cost_usd"] == Decimal("47.40")
    assert by_model.loc["claude-mythos-preview", "cost_usd"] is None
    assert list(long.columns[:2]) == ["month", "model"]
    # day 2 only: r4 10.45 + r5 12.00 = 22.45
    day2 = usage(EXAMPLES / "usage_report.json", options=UsageOptions(since=dt.date(2026, 10, 2)))
    assert Decimal(day2.figures["totals"]["cost_usd"]) == Decimal("22.45")
    with pytest.raises(KeyError, match="no table 'by_day'"):
        r.frame("by_day")


def test_an_offset_period_is_filtered_and_broken_down_on_its_utc_day(cli, tmp_path):
    """20:00-05:00 on 03-12 is 01:00 UTC on 03-13: inside --since 2026-03-13, while the row of 03-12
    is not. The one-scan path groups the API key breakdown by the raw period's epoch, which puts
    both rows in one group; it must notice and not price that group as one.
    Haiku 4.5 input is $1/MTok: 1M tokens in range -> $1.00; the 2M tokens of 03-12 are filtered."""
    path = tmp_path / "offsets.csv"
    path.write_text(CONSOLE_HEADER + "\n"
                    "2026-03-12T20:00:00-05:00,claude-haiku-4-5,key_a,ws,standard,0-200k,1000000,0,0,0,0,0,global,standard\n"
                    "2026-03-12,claude-haiku-4-5,key_a,ws,standard,0-200k,2000000,0,0,0,0,0,global,standard\n")
    js = cli("usage", path, "--since", "2026-03-13", "-f", "json").json()
    assert Decimal(js["totals"]["cost_usd"]) == Decimal("1.00")
    assert (js["rows_used"], js["rows_filtered"]) == (1, 1)
    assert [(s["api_key"], Decimal(s["cost_usd"])) for s in js["by_api_key"]] == [("key_a", Decimal("1.00"))]
    assert [(s["workspace"], Decimal(s["cost_usd"])) for s in js["by_workspace"]] == [("ws", Decimal("1.00"))]


def test_typed_parquet_counts_are_summed_and_a_fractional_one_refused(tmp_path, cli):
    """Integer Parquet columns are summed as they are; a DOUBLE column is checked as text, so 12.5
    tokens is an error naming the row, never 13. Haiku 4.5: 1M input ($1) + 1M output ($5) = $6."""
    import duckdb

    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    cols = ("'2026-10-01' AS usage_date_utc, 'claude-haiku-4-5' AS model_version, 'k' AS api_key, "
            "'w' AS workspace, 'standard' AS usage_type, {n} AS usage_input_tokens_no_cache, "
            "0 AS usage_input_tokens_cache_write_5m, 0 AS usage_input_tokens_cache_write_1h, "
            "0 AS usage_input_tokens_cache_read, {out} AS usage_output_tokens")
    duckdb.sql(f"COPY (SELECT {cols.format(n='CAST(1000000 AS BIGINT)', out='CAST(1000000 AS INTEGER)')}) "
               f"TO '{good}' (FORMAT parquet)")
    duckdb.sql(f"COPY (SELECT {cols.format(n='CAST(1000000 AS BIGINT)', out='CAST(12.5 AS DOUBLE)')}) "
               f"TO '{bad}' (FORMAT parquet)")
    assert Decimal(cli("usage", good, "-f", "json").json()["totals"]["cost_usd"]) == Decimal("6")
    r = cli("usage", bad)
    assert r.code == 1 and "row 1" in r.err and "12.5" in r.err, r.err


def test_the_per_grain_form_gives_the_one_scan_figures():
    """When DuckDB's grouping sets run out of memory the scan sums each grain in its own GROUP BY:
    the same figures, breakdown by breakdown, to the last digit."""
    import datetime as dt

    from calculator.engine.pipeline import UsageEngine
    from calculator.engine.scan import Scan, relations_for
    from pricing import load_catalogue

    files = [str(EXAMPLES / "console_usage.csv"), str(EXAMPLES / "claude_api_tokens_2026_02_10_to_2026_02_11.csv")]
    figures = []
    for forms in (("one_scan",), ("per_grain",)):
        engine = UsageEngine(load_catalogue(), group_by=("workspace", "model"), day_lines=True,
                             since=dt.date(2026, 2, 11))
        result = Scan(engine, relations_for(engine.con, files, None), forms=forms).run()
        figures.append((result.totals, result.breakdowns, result.rows_filtered, [g.money for g in result.groups]))
    assert figures[0] == figures[1]
    assert figures[0][0].cost > 0 and figures[0][2] > 0
