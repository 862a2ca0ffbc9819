"""What every test folder shares: the paths of the examples and the corpus, ONE CLI runner
(``cli``, or ``run_cli`` outside a fixture), the fake Anthropic API (``fake_api``, from
tests/fake_api.py), the demo estimate, request-file and workload helpers, golden files, the
one-line-error check and the browser-test guard.

Every test runs with its own empty calibration file and no API key or base URL from the
environment: no test reads the user's files or reaches the network.

Golden files live in tests/report/golden/. Refresh them after an intended change of output with

    .venv/bin/python -m pytest --update-goldens      (or UPDATE_GOLDENS=1 make test)

and review the diff before committing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from calculator.cli import main
from fake_api import fake_api  # noqa: F401  (the fixture)
from pricing import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CORPUS = Path(__file__).resolve().parent / "readers" / "corpus"
GOLDEN_DIR = Path(__file__).resolve().parent / "report" / "golden"
DEMO_DAY = dt.date(2026, 11, 21)

# Sonnet 5.5's cache read fell from $0.20 to $0.10 (batch $0.10 -> $0.05) on 2026-10-07.
PORTFOLIO = """
    version: 1
    workloads:
      - name: cached
        model: claude-sonnet-5-5
        requests_per_month: 1001
        input_tokens: 2000
        output_tokens: 100
        shared_prefix_tokens: 1000
        cache_ttl: 1h
        cache_hit_rate: 1
        person_waiting: false
      - name: steady
        model: claude-sonnet-4-6
        requests_per_month: 1000
        input_tokens: 1000
        output_tokens: 100
        person_waiting: false
"""


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="Rewrite tests/report/golden/ from the current output instead of comparing.")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: opens pages in headless Chromium (skips without it, "
                                       "fails instead under CI=true)")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped browser test is a failure: CI must really open the page."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and in_ci() and item.get_closest_marker("browser") is not None:
        rep.outcome = "failed"
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.longrepr = f"browser test skipped under CI=true (a failure there): {reason}"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    # Never read or write the user's real calibration file, never reach the network.
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(tmp_path / "calibration.yaml"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens") or os.environ.get("UPDATE_GOLDENS") == "1")


@pytest.fixture
def golden(update_goldens):
    """golden(name, text): compare text with tests/report/golden/<name>, or rewrite it when updating."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update_goldens:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            # A missing golden is a failure, never silently written: it would pass whatever it holds.
            pytest.fail(f"golden file {path} is missing (run pytest --update-goldens, review it, commit it)")
        expected = path.read_text(encoding="utf-8")
        if text != expected:
            import difflib

            diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                                f"golden/{name}", "current output", n=2))
            pytest.fail(f"output differs from tests/report/golden/{name} (refresh with --update-goldens "
                        f"if the change is intended):\n{diff[:6000]}")

    return check


def demo_workload(cache_hit_rate=None, cache_ttl="1h", **kw):
    """The demo workload; ``cache_hit_rate`` and ``cache_ttl`` as --cache-hit-rate and --cache-ttl
    (both kinds of traffic)."""
    from calculator.scenarios import Workload
    from calculator.workloads.cache import CacheAssumptions

    args = dict(model="claude-sonnet-4-6", requests=10_000, input_tokens=2_500, output_tokens=200,
                cached_prefix_tokens=2_000, on=DEMO_DAY,
                cache=CacheAssumptions.given(hit_rate=cache_hit_rate, ttl=cache_ttl))
    args.update(kw)
    return Workload(**args)


@pytest.fixture
def demo_report(catalogue):
    from calculator.report.estimate import build_estimate_report

    return build_estimate_report(catalogue, demo_workload())


@pytest.fixture
def demo_estimate(catalogue):
    """The priced scenarios behind ``demo_report``, to check its figures against."""
    from calculator.scenarios import estimate

    return estimate(catalogue, demo_workload())


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


class Result:
    """What a run printed: ``code``, ``out``, ``err`` (also unpacked as ``code, out, err = r``)."""

    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __iter__(self):
        return iter((self.code, self.out, self.err))

    def __getitem__(self, i):
        return (self.code, self.out, self.err)[i]

    def json(self):
        return json.loads(self.out)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def run_cli(*args, tty: bool = False) -> Result:
    """Run batchcalc in-process with these arguments and capture what it prints (usable where a
    fixture is not, e.g. inside a hypothesis test); ``tty``: standard output is a terminal."""
    out, err = (_Terminal() if tty else io.StringIO()), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """The one CLI runner: ``cli("usage", path, "-f", "json")`` -> Result."""
    return run_cli


@pytest.fixture
def cli_process():
    """Run batchcalc as a real process (for what a user sees: tracebacks, exit codes)."""

    def run(*args, input=None, env=None):
        p = subprocess.run([sys.executable, "-c", "from calculator.cli import run; run()", *map(str, args)],
                           capture_output=True, text=True, input=input, env=env)
        return Result(p.returncode, p.stdout, p.stderr)

    return run


def one_line_error(r, code: int = 1, says: str = "") -> str:
    """The single stderr line of a failed run (exit ``code``), which must contain ``says``."""
    assert r.code == code, f"exit {r.code}, stderr {r.err[:2000]!r}"
    assert "Traceback" not in r.err and "bug in batchcalc" not in r.err, r.err[:2000]
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {r.err[:2000]!r}"
    assert says.lower() in lines[0].lower(), lines[0]
    return lines[0]


def request(custom_id, user="hello world", *, model="claude-sonnet-4-6", max_tokens=100, system=None, **extra):
    """One Message Batches request line (as a dict)."""
    params = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": user}], **extra}
    if system is not None:
        params["system"] = system
    return {"custom_id": custom_id, "params": params}


def request_line(text: str = "hello there", cid: str = "r1") -> str:
    return json.dumps(request(cid, text, model="claude-haiku-4-5", max_tokens=5)) + "\n"


def write_jsonl(path, reqs):
    path.write_text("".join(json.dumps(r) + "\n" for r in reqs), encoding="utf-8")
    return path


class Feeder(threading.Thread):
    """Writes ``data`` into the FIFO at ``path`` in small pieces (as a slow producer would)."""

    def __init__(self, path: Path, data: bytes, piece: int = 4096):
        super().__init__(daemon=True)
        self.path, self.data, self.piece = path, data, piece
        self.error: BaseException | None = None

    def run(self):
        try:
            with open(self.path, "wb", buffering=0) as fh:
                for i in range(0, len(self.data), self.piece):
                    fh.write(self.data[i:i + self.piece])
        except BrokenPipeError:
            pass
        except BaseException as exc:  # reported by the test
            self.error = exc


@pytest.fixture
def fifo(tmp_path):
    """fifo(data, name) -> path of a FIFO a thread is writing ``data`` into."""
    feeders = []

    def make(data: bytes, name: str = "input.fifo") -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        feeder = Feeder(path, data)
        feeder.start()
        feeders.append(feeder)
        return path

    yield make
    for f in feeders:
        if f.is_alive():  # nobody opened it: open the read end so the writer finishes
            try:
                fd = os.open(f.path, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
        f.join(5)
