"""Helpers of the hostile-input suite."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"


def one_line_error(r, code: int = 1, says: str = "") -> str:
    """The single stderr line of a failed run (exit ``code``), which must contain ``says``."""
    assert r.code == code, f"exit {r.code}, stderr {r.err[:2000]!r}"
    assert "Traceback" not in r.err and "bug in batchcalc" not in r.err, r.err[:2000]
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {r.err[:2000]!r}"
    assert says.lower() in lines[0].lower(), lines[0]
    return lines[0]
