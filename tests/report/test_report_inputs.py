"""`batchcalc report` with every kind of input: sample workloads (the count section), input
detection shared with the readers, one executive summary for several parts, saved reports that
cannot be read back, and escaping of names taken from the inputs."""

from __future__ import annotations

from conftest import EXAMPLES, run_cli
import gzip
import json
from decimal import Decimal

import pytest


REQUESTS = EXAMPLES / "requests.jsonl"
COUNT_OPTS = ["--output-tokens", "60", "--scale-to", "300000", "--per", "month", "--on", "2026-11-21"]
EVIL = "<script>alert(1)</script>"


# -- detection ------------------------------------------------------------------------------------

def test_sniff_sample_workloads_in_every_form(tmp_path):
    from calculator.inputs import sniff

    lines = REQUESTS.read_text(encoding="utf-8").splitlines()
    gz = tmp_path / "requests.jsonl.gz"
    gz.write_bytes(gzip.compress("\n".join(lines).encode()))
    body = [json.loads(l) for l in lines[:3]]
    pretty, one_line = tmp_path / "body.json", tmp_path / "body1.json"
    pretty.write_text(json.dumps({"requests": body}, indent=2))
    one_line.write_text(json.dumps({"requests": body}))
    # A first request longer than the 64 KiB that detection reads.
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"custom_id": "r1", "params": {"model": "claude-haiku-4-5", "max_tokens": 5,
                                                             "messages": [{"role": "user", "content": "x " * 60_000}]}}))
    for p in (REQUESTS, gz, pretty, one_line, big):
        assert sniff(p) == "batch_requests", p
    # Results are not requests.
    assert sniff(EXAMPLES / "batch_results.jsonl") == "batch_results"


def test_a_saved_count_report_is_a_saved_report_not_batch_results(tmp_path):
    from calculator.inputs import sniff

    out = tmp_path / "count.json"
    code, _, _ = run_cli("count", str(REQUESTS), "-O", "60", "-f", "json", "-o", str(out))
    assert code == 0
    assert '"custom_id"' in out.read_text()  # its largest requests name their custom_id
    assert sniff(out) == "report_json"


def test_sniff_agrees_with_the_usage_readers():
    """One set of rules: every usage or cost export the readers recognise, report recognises."""
    from calculator.inputs import READER_KINDS, sniff
    from calculator.usage_readers.detect import detect

    for name in ("usage_report.json", "cost_report.json", "console_usage.csv", "batch_results.jsonl"):
        path = EXAMPLES / name
        assert sniff(path) == READER_KINDS[detect(str(path))]


# -- the count section ----------------------------------------------------------------------------

def test_report_counts_a_sample_with_counts_options(tmp_path):
    counted, reported = tmp_path / "count.json", tmp_path / "report.json"
    assert run_cli("count", str(REQUESTS), *COUNT_OPTS, "-f", "json", "-o", str(counted))[0] == 0
    assert run_cli("report", str(REQUESTS), *COUNT_OPTS, "-f", "json", "-o", str(reported))[0] == 0
    a, b = json.loads(counted.read_text()), json.loads(reported.read_text())
    assert b["kind"] == "count"
    assert b["scaled"]["requests"] == 300000 and b["scaled"]["per"] == "month"
    assert b["scenarios"] == a["scenarios"] and b["scaled"] == a["scaled"]
    assert b["workload"]["output_basis"] == a["workload"]["output_basis"]


def test_report_count_hit_rate_and_model(tmp_path):
    out = tmp_path / "r.json"
    args = ["report", str(REQUESTS), "-O", "60", "--cache-hit-rate", "90%", "-m", "claude-haiku-4-5",
            "--on", "2026-11-21", "-f", "json", "-o", str(out)]
    assert run_cli(*args)[0] == 0
    d = json.loads(out.read_text())
    assert d["workload"]["cache_hit_rate"] == "0.9"
    assert d["model"].startswith("claude-haiku-4-5")  # -m without -n/-i: the sample on that model


def test_report_count_page_has_headline_and_hit_rate_error_bars(tmp_path):
    out = tmp_path / "r.html"
    assert run_cli("--quiet", "report", str(REQUESTS), *COUNT_OPTS, "-o", str(out))[0] == 0
    html = out.read_text()
    assert "Executive summary" in html and "Cost by scenario, per month (300,000 requests)" in html
    # The default ranges: sync 70%-98% (expected 90%), batch 30%-98% (expected 64%).
    assert "sync+cache at 90% (whiskers 98%–70%); batch+cache at 64% (whiskers 98%–30%)" in html


def test_output_options_are_exclusive():
    code, _, err = run_cli("report", str(REQUESTS), "-O", "60", "--output-ratio", "0.5")
    assert code == 1 and "give one of --output-tokens, --output-ratio" in err


# -- one executive summary for several parts ------------------------------------------------------

@pytest.fixture(scope="module")
def demo_parts():
    from calculator.report.compose import compose
    from calculator.inputs import ReportOptions, build_sections, detect
    from pricing import load_catalogue
    import datetime as dt

    files = [EXAMPLES / n for n in ("workloads.yaml", "requests.jsonl", "usage_report.json", "cost_report.json")]
    options = ReportOptions(catalogue=load_catalogue(), on=dt.date(2026, 11, 21),
                            extra={"output_tokens": 60, "scale_to": 300000, "per": "month"})
    parts = build_sections(detect(files), options)
    return parts, compose(parts)


def test_composite_summary_leads_with_the_savings_and_briefs_the_rest(demo_parts):
    parts, page = demo_parts
    assert [p.kind for p in parts] == ["plan", "count", "usage", "reconcile"]
    h = page.headline
    plan_h = parts[0].headline
    assert h.figures == plan_h.figures and h.recommendation == plan_h.recommendation
    assert [(b.topic, b.part) for b in h.others] == [("Sample workload", 2), ("Actual usage", 3),
                                                      ("Invoice check", 4)]
    check = h.others[2]
    assert check.text.startswith("1 line outside tolerance, $15.00 over") and check.tone == "bad"
    assert page.exit_code == 3


def test_the_lead_is_the_savings_part_wherever_it_is(demo_parts):
    from calculator.report.compose import compose

    parts, _ = demo_parts
    usage, reconcile, count = parts[2], parts[3], parts[1]
    h = compose([usage, reconcile, count]).headline
    assert h.figures == count.headline.figures
    assert [b.part for b in h.others] == [1, 2]
    # Without a savings part, the first part leads.
    h = compose([usage, reconcile]).headline
    assert h.figures == usage.headline.figures and [b.topic for b in h.others] == ["Invoice check"]


def test_a_part_without_a_brief_gets_one_from_its_figures():
    from calculator.report.compose import brief_of
    from calculator.report.model import Figure, Headline

    class R:
        title = "Custom"

    b = brief_of(R(), Headline([Figure("Spend", Decimal("12.5")), Figure("Rows", 3, kind="int")]))
    assert (b.topic, b.text) == ("Custom", "Spend $12.50; rows 3.")


def test_demo_command_writes_the_page_and_exits_3(tmp_path):
    out = tmp_path / "savings-report.html"
    files = [str(EXAMPLES / n) for n in ("workloads.yaml", "requests.jsonl", "usage_report.json", "cost_report.json")]
    code, _, err = run_cli("report", *files, *COUNT_OPTS, "-o", str(out))
    assert code == 3, err  # as `batchcalc reconcile`: a line outside tolerance
    html = out.read_text()
    assert html.count('class="section summary"') == 1
    assert "Invoice check" in html and "Outside tolerance (1)" in html


# -- saved reports --------------------------------------------------------------------------------

def test_a_saved_report_that_is_incomplete_says_so_in_one_line(tmp_path):
    saved = tmp_path / "usage.json"
    assert run_cli("usage", str(EXAMPLES / "usage_report.json"), "-f", "json", "-o", str(saved))[0] == 0
    doc = json.loads(saved.read_text())
    del doc["presentation"]
    saved.write_text(json.dumps(doc))
    code, _, err = run_cli("report", str(saved), "-o", str(tmp_path / "r.html"))
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"batchcalc: error: {saved}: not a complete saved 'usage' report (missing 'presentation')"), err


# -- escaping of names from the inputs ------------------------------------------------------------

def test_workspace_api_key_and_custom_id_from_inputs_are_escaped(tmp_path):
    csv = (EXAMPLES / "console_usage.csv").read_text(encoding="utf-8")
    usage = tmp_path / "usage.csv"
    usage.write_text(csv.replace("wrkspc_support", EVIL).replace("apikey_research", f'"{EVIL},x"'),
                     encoding="utf-8")
    first = json.loads(REQUESTS.read_text(encoding="utf-8").splitlines()[0])
    first["custom_id"] = EVIL
    first["params"]["messages"][0]["content"] = "x " * 3000  # the largest request: listed by custom_id
    requests = tmp_path / "requests.jsonl"
    requests.write_text(json.dumps(first) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = run_cli("--quiet", "report", str(usage), str(requests), "-O", "10", "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 3  # the workspace, the API key and the custom_id
    assert f"{escaped},x" in html


def test_since_until_narrow_usage_and_reconciliation_as_the_commands_do(tmp_path):
    usage, costs = str(EXAMPLES / "usage_report.json"), str(EXAMPLES / "cost_report.json")
    page, alone = tmp_path / "page.json", tmp_path / "alone.json"
    # 2026-10-02 only: the planted discrepancy (on 2026-10-01) is outside the range.
    assert run_cli("report", usage, costs, "--since", "2026-10-02", "-f", "json", "-o", str(page))[0] == 0
    assert run_cli("reconcile", usage, costs, "--since", "2026-10-02", "-f", "json", "-o", str(alone))[0] == 0
    parts = {m["kind"]: m for m in json.loads(page.read_text())["reports"]}
    assert parts["reconcile"]["totals"] == json.loads(alone.read_text())["totals"]
    assert parts["usage"]["period"]["first"].startswith("2026-10-02")


def test_demo_page_exports_focus_and_xlsx(tmp_path):
    import csv

    files = [str(EXAMPLES / n) for n in ("workloads.yaml", "requests.jsonl", "usage_report.json", "cost_report.json")]
    focus, xlsx = tmp_path / "focus.csv", tmp_path / "r.xlsx"
    assert run_cli("--quiet", "report", *files, *COUNT_OPTS, "-f", "focus", "-o", str(focus))[0] == 3
    rows = list(csv.DictReader(focus.open(encoding="utf-8")))
    # The plan and the counted sample are estimates and are left out; the usage is consumption
    # at catalogue rates (ListCost, EffectiveCost), one charge period per day.
    assert rows and all(r["ConsumedUnit"] in ("Tokens", "Searches") for r in rows)
    assert all(r["ListCost"] and r["EffectiveCost"] for r in rows)
    assert {r["ChargePeriodStart"][:10] for r in rows} >= {"2026-10-01", "2026-10-02"}
    assert run_cli("--quiet", "report", *files, *COUNT_OPTS, "-o", str(xlsx))[0] == 3
    assert xlsx.read_bytes()[:2] == b"PK"


def test_composite_lists_each_rate_card_and_each_warning_once(demo_parts):
    parts, page = demo_parts
    sources = page.price_sources
    keys = [(p.model, p.service_tier, p.source, p.checked, p.status, p.note) for p in sources]
    assert len(keys) == len(set(keys))
    # The usage part names models by id; the plan knows their display names: the page uses them.
    assert all(p.display_name != p.model for p in sources if p.model == "claude-sonnet-4-6")
    # The reconciliation repeats the usage's unpriced-model warning: shown once, under the usage.
    unpriced = [w for w in page.warnings if "unpriced: 1 row(s) of claude-mythos-preview" in w]
    assert len(unpriced) == 1 and unpriced[0].startswith("Claude API usage")


def test_make_demo_ends_with_the_whole_page_and_its_path():
    makefile = (EXAMPLES.parent / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    report = [line for line in demo.splitlines() if "batchcalc --quiet report " in line]
    assert len(report) == 1
    for part in ("examples/workloads.yaml", "examples/requests.jsonl", "examples/usage_report.json",
                 "examples/cost_report.json", "-o savings-report.html", "|| test $$? -eq 3"):
        assert part in report[0], part
    assert demo.rstrip().splitlines()[-1].lstrip().startswith('@echo "Savings report: $(abspath savings-report.html)"')
