"""Shared by the usage and reconcile tests: the examples directory and the in-process CLI fixture.

Not a conftest.py, so it cannot collide with other test suites' fixtures; the test modules import it."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run `batchcalc ARGS` in-process: exit code, stdout, stderr."""
    from calculator.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err)

    return run
