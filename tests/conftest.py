import datetime as dt
import json
import subprocess
import sys

import pytest

from calculator.cli import main
from pricing import load_catalogue


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
