"""DuckDB and Spark give the same figures, to the last digit, on every usage file of examples/ and
of the corpus (a local Spark session, started once for the whole test session): the same totals
and breakdowns for a good file, the same one-line error for a bad one.

Skipped only when Java is absent outside CI; under CI=true it must run (.ci/run installs Java 17).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, EXAMPLES

FILES = sorted([*EXAMPLES.glob("*usage*"), *EXAMPLES.glob("claude_api_tokens_*"),
                *EXAMPLES.glob("batch_results*"),
                *(p for d in ("admin_usage", "batch_results", "console_usage")
                  for p in (CORPUS / d).iterdir())])
ON = "2026-11-02"


def _needs_java():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true: Java 17 must be installed (.ci/run installs openjdk-17-jre-headless)")
        pytest.skip("Spark needs Java 17 (not installed here; CI installs it)")


@pytest.fixture(scope="session")
def spark_session():
    _needs_java()
    pytest.importorskip("pyspark", reason="pip install 'batchcalc[spark]' (the test extra includes it)")
    from calculator.engine.spark import session

    spark = session()
    yield spark
    spark.stop()


def figures(path: Path, engine: str, group_by=("workspace", "model")):
    import datetime as dt

    from calculator.engine import UsageOptions, usage_result
    from calculator.errors import BatchcalcError
    from calculator.report.usage import usage_figures
    from pricing import load_catalogue

    options = UsageOptions(catalogue=load_catalogue(), on=dt.date.fromisoformat(ON), group_by=group_by,
                           engine=engine)
    try:
        payload = usage_figures(usage_result([str(path)], options))
    except BatchcalcError as exc:
        return ("error", str(exc))
    payload.pop("inputs")  # how each file was read differs by engine; the figures may not
    return payload


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_duckdb_and_spark_agree(path, spark_session):
    """A bad file must be refused the same way (Spark's pass finds the row wrong and the exact path
    names it), never read into different figures."""
    assert figures(path, "spark") == figures(path, "duckdb")


def test_quiet_spark_run_prints_nothing_but_the_output(cli_process, tmp_path):
    """The JVM's start-up notices and log4j warnings go to a log, not into batchcalc's stderr; the
    log is removed when the session started."""
    _needs_java()
    pytest.importorskip("pyspark")
    out = tmp_path / "usage.json"
    r = cli_process("--quiet", "usage", EXAMPLES / "console_usage.csv", "--engine", "spark", "-f", "json", "-o", out)
    assert r.code == 0 and r.err == "", r.err
    assert json.loads(out.read_text())["rows_used"] > 0
