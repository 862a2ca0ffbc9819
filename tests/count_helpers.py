"""Helpers and fixtures of the count tests (imported by each test_count_* module): an isolated
calibration file, the CLI runner, and writing request files."""

from __future__ import annotations

import json

import pytest



@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    # Never read or write the user's real calibration file, never reach the network.
    monkeypatch.setenv("BATCHCALC_CALIBRATION", str(tmp_path / "calibration.yaml"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def run(cli):
    """The in-process CLI runner of conftest.py, under the name these tests use."""
    return cli


def request(custom_id, user="hello world", *, model="claude-sonnet-4-6", max_tokens=100, system=None, **extra):
    params = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": user}], **extra}
    if system is not None:
        params["system"] = system
    return {"custom_id": custom_id, "params": params}


def write_jsonl(path, reqs):
    path.write_text("".join(json.dumps(r) + "\n" for r in reqs), encoding="utf-8")
    return path
