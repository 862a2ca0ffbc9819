"""Shared fixtures: the demo estimate, golden files, and the browser-test guard.

Golden files live in tests/golden/. Refresh them after an intended change of output with

    .venv/bin/python -m pytest --update-goldens      (or UPDATE_GOLDENS=1 make test)

and review the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from calculator.cli import main
from pricing import load_catalogue

GOLDEN_DIR = Path(__file__).parent / "golden"
DEMO_DAY = dt.date(2026, 11, 21)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="Rewrite tests/golden/ from the current output instead of comparing.")


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


@pytest.fixture
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens") or os.environ.get("UPDATE_GOLDENS") == "1")


@pytest.fixture
def golden(update_goldens):
    """golden(name, text): compare text with tests/golden/<name>, or rewrite it when updating."""

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
            pytest.fail(f"output differs from tests/golden/{name} (refresh with --update-goldens "
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
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run batchcalc in-process and return (exit code, stdout, stderr)."""

    def run(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process():
    """Run batchcalc as a real process (for what a user sees: tracebacks, exit codes)."""

    def run(*args, input=None, env=None):
        p = subprocess.run([sys.executable, "-c", "from calculator.cli import run; run()", *map(str, args)],
                           capture_output=True, text=True, input=input, env=env)
        return Result(p.returncode, p.stdout, p.stderr)

    return run


D = dt.date
