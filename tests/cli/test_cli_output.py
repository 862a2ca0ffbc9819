"""The one output path of every command (calculator/cli/app.py emit): the -o suffix picks the
format, a contradicting --format is a usage error, a binary format never goes to a terminal,
--only-exceptions, and terminal tables that keep every figure whole at 60 to 200 columns."""

from __future__ import annotations

import json
import re

import pytest

from conftest import run_cli
from test_safe_outputs import COMMANDS

# A figure: a dollar sign and digits (a header such as "After $, high" is not one).
MONEY = re.compile(r"-?\$\d[\d,]*(?:\.\d+)?")
# Exit codes of the example inputs: the cost report has a planted discrepancy (exit 3).
CODES = {"reconcile": 3}
# Kinds whose reports hold charges (cost and usage data, the "charges" table); estimates, plans,
# counts and price lists never do.
FOCUS_COMMANDS = {"usage", "reconcile"}


def looks_like(fmt: str, data: bytes, command: str) -> bool:
    text = data.decode("utf-8", "replace")
    return {
        "json": lambda: isinstance(json.loads(text), dict) and "schema_version" in json.loads(text),
        "csv": lambda: text.split("\n")[0].endswith(",catalogue_version"),
        "markdown": lambda: text.startswith("# "),
        "html": lambda: text.startswith("<!DOCTYPE html>"),
        "xlsx": lambda: data[:2] == b"PK",
        "table": lambda: not text.startswith(("<", "{", "# ")) and "Catalogue " in text,
        "focus": lambda: text.startswith("BilledCost,EffectiveCost,ListCost,"),
    }[fmt]()


SUFFIXES = {".json": "json", ".csv": "csv", ".md": "markdown", ".html": "html", ".xlsx": "xlsx",
            ".txt": "table", "": "table", ".focus.csv": "focus"}


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_suffix_picks_the_format(command, suffix, tmp_path):
    fmt = SUFFIXES[suffix]
    if command == "report" and suffix == "":
        fmt = "html"  # the report command's page, when the name says nothing
    out = tmp_path / f"out{suffix}"
    code, stdout, err = run_cli(*[*COMMANDS[command], "-o", out])
    if fmt == "focus" and command not in FOCUS_COMMANDS:
        assert code == 1 and "use --format csv" in err and err.count("\n") == 1
        assert not out.exists()
        return
    assert code == CODES.get(command, 0), err
    assert stdout == ""
    assert looks_like(fmt, out.read_bytes(), command), (command, suffix, out.read_bytes()[:200])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_suffix_that_contradicts_the_format_is_a_usage_error(command, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, err = run_cli(*[*COMMANDS[command], "--format", "json", "-o", out])
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and "--format json contradicts -o out.csv" in err
    assert not out.exists()
    # The same format twice, and FOCUS in a .csv, are fine.
    assert run_cli(*[*COMMANDS[command], "--format", "csv", "-o", out])[0] == CODES.get(command, 0)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_xlsx_never_goes_to_a_terminal(command):
    code, stdout, err = run_cli(*COMMANDS[command], "--format", "xlsx", tty=True)
    assert code == 2 and stdout == "" and "give -o FILE.xlsx" in err and err.count("\n") == 1


def test_only_exceptions_is_for_table_csv_and_markdown(tmp_path):
    code, _, err = run_cli(*[*COMMANDS["usage"], "--only-exceptions", "-o", tmp_path / "u.json"])
    assert code == 2 and "--only-exceptions applies to table, csv, markdown output" in err
    code, out, _ = run_cli(*[*COMMANDS["usage"], "--only-exceptions", "-f", "csv"])
    assert code == 0 and out.split("\n")[0].endswith(",catalogue_version")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_figure_whole_at_every_terminal_width(command, monkeypatch):
    shown = {}
    for width in (60, 80, 100, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        code, out, err = run_cli(*[*COMMANDS[command], "-f", "table"])
        assert code == CODES.get(command, 0), err
        shown[width] = sorted(MONEY.findall(out))
    assert shown[200], "no figures shown"
    for width in (60, 80, 100):
        assert shown[width] == shown[200], f"{command}: figures differ at {width} columns"
