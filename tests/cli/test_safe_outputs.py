"""Safe outputs: keys never leak, reports are written atomically, HTML is escaped, YAML is safe.

* Recognisable fake keys are set in ANTHROPIC_API_KEY and ANTHROPIC_ADMIN_KEY, and every command
  runs in every output format, on error paths too, and with --from-api / --exact against a local
  fake server that fails and echoes the key it received in its error message (as a careless proxy
  might): the key appears in no stdout, stderr or written file (xlsx unzipped).
* Every output format goes through the atomic writer: an interrupted write leaves the previous
  file and no temporary file.
* Every jinja2 template renders with autoescape on.
* No YAML is loaded with an unsafe loader (grep), and !!python tags are one-line errors.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, run_cli

EX = ROOT / "examples"
API_KEY = "sk-ant-api03-FAKEKEY-4f1d2c-DO-NOT-LEAK-THIS-TEST-KEY"
ADMIN_KEY = "sk-ant-admin01-FAKEADMINKEY-9e8d7c-DO-NOT-LEAK"
FORMATS = ["table", "json", "csv", "markdown", "html", "xlsx", "focus"]
COMMANDS = {
    "estimate": ["estimate", "-m", "claude-haiku-4-5", "-n", "10", "-i", "100", "-O", "10", "--on", "2026-11-02"],
    "prices": ["prices", "--on", "2026-11-02"],
    "plan": ["plan", str(EX / "workloads.yaml"), "--on", "2026-11-02"],
    "count": ["count", str(CORPUS / "requests" / "ok.jsonl"), "-O", "10", "--on", "2026-11-02"],
    "usage": ["usage", str(EX / "usage_report.json")],
    "reconcile": ["reconcile", str(EX / "usage_report.json"), str(EX / "cost_report.json")],
    "report": ["report", str(EX / "workloads.yaml"), "--on", "2026-11-02"],
}


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)


def file_texts(directory: Path):
    """(name, bytes) of every file under ``directory``, xlsx/zip members unpacked."""
    for p in sorted(directory.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        yield p.name, data
        if data[:2] == b"PK":
            with zipfile.ZipFile(p) as z:
                for member in z.namelist():
                    yield f"{p.name}:{member}", z.read(member)


def assert_no_key(*texts: str, directory: Path | None = None) -> None:
    for secret in (API_KEY, ADMIN_KEY):
        for t in texts:
            assert secret not in t, f"a key leaked: {t[:500]}"
        for name, data in file_texts(directory) if directory else ():
            assert secret.encode() not in data, f"a key leaked into {name}"
        # A key cut short (the first 20 characters) must not appear either.
        for t in texts:
            assert secret[:20] not in t


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_key_in_any_output_format(command, keys, tmp_path):
    for fmt in FORMATS:
        out_file = tmp_path / f"{command}.{fmt}"
        code, out, err = run_cli(*[*COMMANDS[command], "-f", fmt, "-o", out_file])
        assert code in (0, 1, 3), err  # 1: a format the command does not offer (one line, checked too)
        assert "bug in batchcalc" not in err
        assert_no_key(out, err)
    assert any(tmp_path.iterdir())
    assert_no_key(directory=tmp_path)


@pytest.mark.parametrize("args", [
    ["usage", CORPUS / "console_usage" / "negative_count.csv"],
    ["usage", CORPUS / "console_usage" / "negative_count.csv", "--skip-invalid", "-f", "json"],
    ["reconcile", "--usage", CORPUS / "admin_usage" / "for_costs.json", "--costs", CORPUS / "console_cost" / "nan_amount.csv"],
    ["count", CORPUS / "requests" / "truncated_last_line.jsonl"],
    ["plan", CORPUS / "yaml" / "workloads_python_tag.yaml"],
    ["usage", "/nonexistent/usage.json"],
    ["estimate", "-m", "claude-nope", "-n", "1", "-i", "1", "-O", "1"],
], ids=lambda a: " ".join(str(x).split("/")[-1] for x in a))
def test_no_key_on_error_paths(args, keys):
    code, out, err = run_cli(*args)
    assert code in (0, 1)
    assert_no_key(out, err)


@pytest.mark.parametrize("status", [400, 401, 500])
@pytest.mark.parametrize("args", [
    ["usage", "--from-api", "--since", "2026-10-01", "--until", "2026-10-31"],
    ["reconcile", "--from-api", "--since", "2026-10-01", "--until", "2026-10-31"],
    ["usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-31"],
    ["reconcile", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-31"],
    ["count", str(CORPUS / "requests" / "ok.jsonl"), "--exact", "-O", "10"],
], ids=["usage-from-api", "reconcile-from-api", "usage-legacy-api", "reconcile-legacy-api", "count-exact"])
def test_no_key_when_the_api_fails(args, status, fake_api, keys, tmp_path):
    """The server fails every call and echoes the headers it was sent, the key among them (as a
    careless proxy might), with ``retry-after: 0`` so that retries of 5xx take no time."""
    fake_api.fail_with = status
    # The call fails before anything is rendered: one format is enough.
    code, out, err = run_cli(*args, "-f", "html", "-o", tmp_path / "out.html")
    assert code == 1, err
    assert fake_api.requests, "the fake server was not called"
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("batchcalc: error: "), err
    assert "bug in batchcalc" not in err
    assert_no_key(out, err, directory=tmp_path)
    assert not list(tmp_path.iterdir()), "a failed run wrote an output file"


# -- atomic writes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_written_atomically(fmt, tmp_path, monkeypatch):
    """An interrupted write (os.replace fails) leaves the previous report and no temporary file."""
    io_module = importlib.import_module("calculator.io")
    # FOCUS holds cost and usage charges, not estimates: it is written from usage.
    args = [*COMMANDS["usage" if fmt == "focus" else "estimate"], "-f", fmt]
    target = tmp_path / f"report.{fmt}"
    code, _, err = run_cli(*args, "-o", target)
    assert code == 0, err
    first = target.read_bytes()
    assert first

    written = []
    real = io_module.write_output

    def spy(path, data, **kwargs):
        written.append((Path(path), type(data)))
        return real(path, data, **kwargs)

    monkeypatch.setattr(io_module, "write_output", spy)
    assert run_cli(*args, "-o", target)[0] == 0
    assert written == [(target, bytes if fmt == "xlsx" else str)]
    first = target.read_bytes()

    class Interrupted(Exception):
        pass

    def interrupted(*a):
        raise Interrupted()

    monkeypatch.setattr(io_module.os, "replace", interrupted)
    with pytest.raises(Interrupted):
        real(target, b"half" if fmt == "xlsx" else "half")
    assert target.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_reports_are_written_only_through_the_atomic_writer():
    """No renderer or command writes an output file another way (calibration uses it too)."""
    offenders = []
    allowed = {"calculator/io.py"}  # the writer itself (and the copy of a pipe input, not an output)
    for path in [*ROOT.joinpath("calculator").rglob("*.py"), *ROOT.joinpath("reports").rglob("*.py")]:
        if str(path.relative_to(ROOT)) in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"\.write_text\(|\.write_bytes\(|open\([^)]*['\"][wa]b?['\"]|\.save\(", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert offenders == []


def test_written_reports_are_not_private(tmp_path):
    import os
    import stat

    out = tmp_path / "estimate.md"
    old = os.umask(0o022)
    try:
        code, _, err = run_cli(*[*COMMANDS["estimate"], "-f", "markdown", "-o", out])
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # as a plain open() under umask 022 would make it


# -- HTML autoescaping -----------------------------------------------------------------------------

def test_every_template_autoescapes():
    from reports.html_format import environment

    env = environment()
    templates = env.list_templates()
    assert "report.html.j2" in templates
    payload = "<script>alert('x')</script>"
    for name in templates:
        if not name.endswith(".j2"):
            continue
        template = env.get_template(name)
        assert template.environment.autoescape is True or template.environment.autoescape(name), name
        # Every template, whatever it expects, escapes a payload passed through it.
        out = env.from_string("{{ value }}").render(value=payload)
        assert "<script>" not in out and "&lt;script&gt;" in out
    for name in ("report.html.j2", "anything.html.j2", "x.css", "x.txt"):
        assert env.autoescape(name) if callable(env.autoescape) else env.autoescape, name


def test_a_script_payload_in_every_text_field_is_escaped(tmp_path):
    """Model names, custom_ids, workspaces, file names: a <script> anywhere in the input is text."""
    evil = "<script>alert(1)</script>"
    usage = tmp_path / f"{evil.replace('/', '_')}.csv"
    usage.write_text("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
                     "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
                     "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens\n"
                     f"2026-10-01,claude-haiku-4-5,{evil},{evil},standard,0-200k,1000,0,0,0,100\n"
                     f"2026-10-01,{evil},k,w,standard,0-200k,1000,0,0,0,100\n", encoding="utf-8")
    code, out, err = run_cli("usage", usage, "-f", "html", "--skip-invalid")
    assert code == 0, err
    assert "<script" not in out.lower()
    assert "&lt;script&gt;" in out


# -- YAML -----------------------------------------------------------------------------------------

def test_no_unsafe_yaml_loader_anywhere():
    unsafe = re.compile(r"yaml\.(unsafe_load|full_load|load_all)\(|Loader\s*=\s*yaml\.(Loader|FullLoader|UnsafeLoader)"
                        r"|yaml\.load\((?![^)]*SafeLoader)")
    hits = []
    for path in [*ROOT.joinpath("calculator").rglob("*.py"), *ROOT.joinpath("pricing").rglob("*.py"),
                 *ROOT.joinpath("reports").rglob("*.py"), *ROOT.joinpath("bench").rglob("*.py")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if unsafe.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []


@pytest.mark.parametrize("args", [
    ["plan", CORPUS / "yaml" / "workloads_python_tag.yaml"],
    ["reconcile", EX / "usage_report.json", EX / "cost_report.json", "--contract",
     CORPUS / "yaml" / "contract_python_tag.yaml"],
    ["prices", "--prices", CORPUS / "yaml" / "prices_python_tag.yaml"],
    ["count", CORPUS / "requests" / "ok.jsonl", "-O", "1", "--calibration", CORPUS / "yaml" / "prices_python_tag.yaml"],
], ids=["workloads", "contract", "prices", "calibration"])
def test_python_yaml_tags_are_a_one_line_error(args, tmp_path):
    marker = tmp_path / "pwned"
    # The payloads call os.system('echo pwned'); a safe loader never constructs them.
    code, out, err = run_cli(*args)
    assert code == 1, (out, err)
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "not valid YAML" in lines[0], err
    assert "pwned" not in out
    assert not marker.exists()


# -- the bug path ------------------------------------------------------------------------------------

# command line -> (module, attribute) of the library function the command calls
BUG_TARGETS = {
    "estimate": (COMMANDS["estimate"], "calculator.report.estimate", "build_estimate_report"),
    "prices": (COMMANDS["prices"], "calculator.report.prices", "build_prices_report"),
    "plan": (COMMANDS["plan"], "calculator.report.plan", "build_plan_report"),
    "count": (COMMANDS["count"], "calculator.report.count", "build_count_report"),
    "usage": (COMMANDS["usage"], "calculator.report.usage", "build_usage_report"),
    "reconcile": (COMMANDS["reconcile"], "calculator.reconcile.reconcile", "reconcile"),
    "report": (COMMANDS["report"], "calculator.report.inputs", "build_sections"),
}


@pytest.mark.parametrize("command", sorted(BUG_TARGETS))
def test_a_bug_in_any_command_asks_for_a_report_and_debug_shows_the_traceback(command, monkeypatch, keys):
    from calculator import __version__

    args, module, name = BUG_TARGETS[command]
    exc = KeyError("simulated") if command == "usage" else RuntimeError("simulated bug")

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr(importlib.import_module(module), name, boom)
    code, out, err = run_cli(*args)
    assert code == 1
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "This is a bug in batchcalc" in err and __version__ in err and "simulated" in err
    assert "please report it" in err and "--debug" in err
    assert "Traceback" not in err
    assert_no_key(out, err)
    with pytest.raises(type(exc)):
        run_cli("--debug", *args)


def test_debug_prints_the_traceback_in_a_real_process():
    """Through the console-script entry point (``run``): the traceback reaches the terminal."""
    import subprocess
    import sys

    script = ("import calculator.report.estimate as e\n"
              "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
              "e.build_estimate_report = boom\n"
              "import sys; from calculator.cli import run; sys.argv = ['batchcalc', *sys.argv[1:]]; run()\n")
    args = COMMANDS["estimate"]
    plain = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr and "bug in batchcalc" in plain.stderr
    debug = subprocess.run([sys.executable, "-c", script, "--debug", *args], capture_output=True, text=True)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr and "RuntimeError: simulated bug" in debug.stderr
