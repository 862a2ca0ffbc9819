"""Safe behaviour: bugs are reported as bugs, YAML is loaded safely, writes are atomic."""

import pytest

from calculator.errors import CatalogueError
from pricing import load_catalogue


def test_a_bug_prints_a_short_report_request_and_debug_shows_the_traceback(cli, monkeypatch):
    import calculator.report.estimate as estimating

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(estimating, "build_estimate_report", boom)
    args = ["estimate", "-m", "claude-haiku-4-5", "-n", "1", "-i", "1", "-O", "1"]
    r = cli(*args)
    assert r.code == 1
    assert "bug in batchcalc" in r.err and "simulated bug" in r.err and "--debug" in r.err
    assert "Traceback" not in r.err
    with pytest.raises(RuntimeError):
        cli("--debug", *args)


def test_price_yaml_is_loaded_safely(tmp_path):
    f = tmp_path / "evil.yaml"
    f.write_text("models: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(f)


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    import importlib

    io_module = importlib.import_module("calculator.io")

    target = tmp_path / "report.json"
    target.write_text("previous report")

    class Interrupted(Exception):
        pass

    real_replace = io_module.os.replace

    def fail(*a):
        raise Interrupted()

    monkeypatch.setattr(io_module.os, "replace", fail)
    with pytest.raises(Interrupted):
        io_module.write_output(target, "new report")
    monkeypatch.setattr(io_module.os, "replace", real_replace)
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_written_reports_are_not_private(cli, tmp_path):
    import os
    import stat

    out = tmp_path / "estimate.md"
    old = os.umask(0o022)
    try:
        r = cli("estimate", "-m", "claude-haiku-4-5", "-n", "1", "-i", "1", "-O", "1", "-f", "markdown", "-o", out)
    finally:
        os.umask(old)
    assert r.code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # as a plain open() under umask 022 would make it
