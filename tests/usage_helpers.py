"""Shared by the usage and reconcile tests: the examples directory. (The in-process CLI fixture
`cli` comes from conftest.py.)"""

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
