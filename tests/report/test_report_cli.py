"""`batchcalc report`: input detection, sections, saved reports, formats and the CLI contract."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, run_cli

DEMO = ["-m", "claude-sonnet-4-6", "-n", "10000", "-i", "2500", "-O", "200", "-p", "2000",
        "--cache-ttl", "1h", "--on", "2026-11-21"]

SAMPLES = {
    "batch_requests": ("requests.jsonl",
                       '{"custom_id": "r1", "params": {"model": "claude-haiku-4-5", "max_tokens": 10, '
                       '"messages": [{"role": "user", "content": "hi"}]}}\n'),
    "batch_results": ("results.jsonl",
                      '{"custom_id": "r1", "result": {"type": "succeeded", "message": {"model": '
                      '"claude-haiku-4-5", "usage": {"input_tokens": 5, "output_tokens": 2}}}}\n'),
    "admin_usage": ("usage.json",
                    '{"data": [{"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", '
                    '"results": [{"uncached_input_tokens": 10, "cache_read_input_tokens": 0, "output_tokens": 3, '
                    '"model": "claude-haiku-4-5"}]}], "has_more": false, "next_page": null}'),
    "admin_cost": ("cost.json",
                   '{"data": [{"starting_at": "2026-11-01T00:00:00Z", "results": [{"amount": "12.5", '
                   '"currency": "USD", "cost_type": "tokens", "token_type": "output_tokens"}]}]}'),
    "console_usage": ("usage.csv",
                      "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
                      "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
                      "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens\n"
                      "2026-11-01,claude-haiku-4-5,k,w,batch,0-200k,10,0,0,0,3\n"),
    "console_cost": ("cost.csv",
                     "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd\n"
                     "2026-11-01,Claude Haiku 4.5,w,k,batch,≤ 200k,output,1.25,1.25\n"),
    "workloads": ("plan.yaml", "# monthly plan\nworkloads:\n  - name: tickets\n    model: claude-haiku-4-5\n"),
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_sniff_recognises_every_input(kind, tmp_path):
    from calculator.report.inputs import sniff

    name, text = SAMPLES[kind]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    assert sniff(p) == kind
    # Content decides, not the name.
    q = tmp_path / "renamed.dat"
    q.write_text(text, encoding="utf-8")
    assert sniff(q) == kind


def test_sniff_saved_report(tmp_path):
    from calculator.report.inputs import sniff

    out = tmp_path / "e.json"
    assert run_cli("estimate", *DEMO, "-f", "json", "-o", str(out)).code == 0
    assert sniff(out) == "report_json"


def test_sniff_rejects_unknown_files(tmp_path):
    from calculator.errors import InputError
    from calculator.report.inputs import sniff

    p = tmp_path / "notes.txt"
    p.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell what this file is"):
        sniff(p)
    with pytest.raises(InputError, match="file not found"):
        sniff(tmp_path / "missing.json")


def test_sections_are_looked_up_lazily(tmp_path):
    """A section's builder is imported only when its input is given: a page of usage alone never
    imports the reconciliation, the batches or the plan builders."""
    import subprocess
    import sys

    p = tmp_path / "u.csv"
    p.write_text(SAMPLES["console_usage"][1], encoding="utf-8")
    code = ("import sys; from calculator.report import inputs; from pricing import load_catalogue; "
            f"reports = inputs.build_sections(inputs.detect([{str(p)!r}]), "
            "inputs.ReportOptions(catalogue=load_catalogue())); "
            "print(len(reports), *sorted(m for m in sys.modules if m.startswith('calculator.report.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "1" and "calculator.report.usage" in out
    assert not {"calculator.report.reconcile", "calculator.report.batches", "calculator.report.count"} & set(out)


def test_missing_section_builder_is_a_one_line_error(tmp_path):
    name, text = SAMPLES["console_cost"]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    code, out, err = run_cli("report", str(p), "-o", str(tmp_path / "r.html"))
    assert code == 1
    assert err.count("\n") == 1 and "Console cost export" in err
    assert not (tmp_path / "r.html").exists()


def test_report_writes_html(tmp_path):
    out = tmp_path / "savings-report.html"
    code, _, err = run_cli("report", *DEMO, "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "$58.97" in html


@pytest.mark.parametrize("suffix,check", [
    (".xlsx", lambda b: b[:2] == b"PK"),
    (".json", lambda b: json.loads(b)["kind"] == "estimate"),
    (".csv", lambda b: b.startswith(b"scenario,")),
    (".md", lambda b: b.startswith(b"# Cost estimate")),
])
def test_report_format_follows_the_output_suffix(suffix, check, tmp_path):
    out = tmp_path / f"r{suffix}"
    code, _, err = run_cli("report", *DEMO, "-o", str(out))
    assert code == 0, err
    assert check(out.read_bytes())


def test_saved_estimate_renders_the_same_page(tmp_path):
    saved = tmp_path / "e.json"
    assert run_cli("estimate", *DEMO, "-f", "json", "-o", str(saved)).code == 0
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert run_cli("report", str(saved), "-o", str(a)).code == 0
    assert run_cli("report", *DEMO, "-o", str(b)).code == 0
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")


def test_saved_report_is_not_priced_again(tmp_path):
    """The page shows the saved numbers, even if they are not what today's catalogue says."""
    saved = tmp_path / "e.json"
    assert run_cli("estimate", *DEMO, "-f", "json", "-o", str(saved)).code == 0
    d = json.loads(saved.read_text())
    # As if the catalogue had priced the sync API at $106.00 when the report was saved.
    sync = d["presentation"]["headline"]["figures"][0]
    assert sync["label"] == "Cost now (sync API)" and sync["value"] == "105"
    sync["value"] = "106"
    saved.write_text(json.dumps(d))
    out = tmp_path / "r.html"
    assert run_cli("report", str(saved), "-o", str(out)).code == 0
    assert "$106.00" in out.read_text(encoding="utf-8")


def test_composite_round_trips_through_json(tmp_path):
    saved = tmp_path / "e.json"
    assert run_cli("estimate", *DEMO, "-f", "json", "-o", str(saved)).code == 0
    both = tmp_path / "both.json"
    args = ["report", str(saved), "-m", "claude-haiku-4-5", "-n", "100", "-i", "1000", "-O", "100",
            "--on", "2026-11-21"]
    assert run_cli(*args, "-o", str(both)).code == 0
    h1, h2 = tmp_path / "1.html", tmp_path / "2.html"
    assert run_cli(*args, "-o", str(h1)).code == 0
    assert run_cli("report", str(both), "-o", str(h2)).code == 0
    assert h1.read_text(encoding="utf-8") == h2.read_text(encoding="utf-8")
    assert h1.read_text(encoding="utf-8").count('class="section part ') == 2


def test_workload_options_need_a_model():
    code, _, err = run_cli("report", "-n", "10")
    assert code == 1 and "--model" in err
    code, _, err = run_cli("report", "-m", "claude-haiku-4-5", "-n", "10")
    assert code == 1 and "--input-tokens" in err
    code, _, err = run_cli("report")
    assert code == 1 and "nothing to report" in err


def test_html_and_focus_on_estimate():
    code, out, _ = run_cli("estimate", *DEMO, "-f", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    # An estimate is not billed or consumed: no FOCUS file, a one-line reason.
    code, out, err = run_cli("estimate", *DEMO, "-f", "focus")
    assert code == 1 and out == "" and "use --format csv" in err and err.count("\n") == 1


def test_every_command_has_help():
    from calculator.cli.app import app

    for cmd in app.registered_commands:
        assert (cmd.callback.__doc__ or "").strip(), cmd.name


def test_report_reads_standard_input(tmp_path, monkeypatch):
    import io
    import sys

    saved = tmp_path / "e.json"
    assert run_cli("estimate", *DEMO, "-f", "json", "-o", str(saved)).code == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(saved.read_bytes())))
    out = tmp_path / "r.html"
    assert run_cli("report", "-", "-o", str(out)).code == 0
    assert "$58.97" in out.read_text(encoding="utf-8")


def test_report_on_a_terminal_shows_tables():
    code, out, err = run_cli("report", *DEMO, tty=True)
    assert code == 0 and "<html" not in out and "$105.00" in out and "-o savings-report.html" in err
    code, out, _ = run_cli("report", *DEMO)
    assert code == 0 and out.startswith("<!DOCTYPE html>")


def test_plan_section_from_the_example_workloads(tmp_path):
    """The workloads file is detected and becomes the plan's page: its monthly headline, charts,
    tables and price sources."""
    out = tmp_path / "plan.html"
    code, _, err = run_cli("report", str(EXAMPLES / "workloads.yaml"), "--on", "2026-11-21", "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    for text in ("Monthly cost now", "$9,028.86", "With the plan (batch + cache)", "$4,597.55",
                 "You save per month", "$4,431.31", "Move 4 of 5 workloads", "Monthly spend by service tier",
                 "Monthly cost per workload, priced on 2026-11-21", "Prices used"):
        assert text in html, text
    assert html.count("<svg") == 3


def test_plan_focus_and_the_plan_command_html(tmp_path):
    code, out, err = run_cli("plan", str(EXAMPLES / "workloads.yaml"), "--on", "2026-11-21", "-f", "focus")
    assert code == 1 and "plan report is an estimate" in err and "use --format csv" in err
    code, out, _ = run_cli("plan", str(EXAMPLES / "workloads.yaml"), "--on", "2026-11-21", "-f", "html")
    assert code == 0 and "You save per month" in out


def test_plan_and_estimate_on_one_page(tmp_path):
    out = tmp_path / "both.html"
    code, _, err = run_cli("report", str(EXAMPLES / "workloads.yaml"), *DEMO, "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    # One executive summary (the plan's: it comes first), then both parts.
    assert html.count("Executive summary") == 1 and "Monthly cost now" in html
    assert html.count('class="section part ') == 2


def test_plan_options_pass_through(tmp_path):
    out = tmp_path / "plan.html"
    code, _, err = run_cli("report", EXAMPLES / "workloads.yaml", "--on", "2026-11-21",
                           "--try-model", "claude-haiku-4-5", "-o", out)
    assert code == 0, err
    assert "Model what-ifs" in out.read_text(encoding="utf-8")
