"""Helpers and fixtures of the count tests (imported by each test_count_* module, so no shared
conftest.py is needed): running the CLI in-process, and writing request files."""

from __future__ import annotations

import json

import pytest

from calculator.cli import main


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    # Never read or write the user's real calibration file, never reach the network.
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(tmp_path / "calibration.yaml"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def run(capsys):
    def _run(*args):
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return _run


def request(custom_id, user="hello world", *, model="claude-sonnet-4-6", max_tokens=100, system=None, **extra):
    params = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": user}], **extra}
    if system is not None:
        params["system"] = system
    return {"custom_id": custom_id, "params": params}


def write_jsonl(path, reqs):
    path.write_text("".join(json.dumps(r) + "\n" for r in reqs), encoding="utf-8")
    return path
