"""Apache Spark as the engine (``--engine spark``): the same scans as DuckDB's file path.

A local session by default; a cluster through Spark Connect with ``--spark-remote sc://HOST:PORT``
or ``SPARK_REMOTE``. Spark reads the Console usage CSV, Parquet, or a table (``--table
catalog.schema.name``) itself; other inputs (JSON exports, batch results, pipes) are read by the
Python readers and handed to Spark as rows. Spark runs the queries ``scan.Scan`` writes for
DuckDB (the repeated-bucket check and the grouping-sets sums), in Spark's dialect; the sums' small
result comes back to DuckDB, where
the spellings are resolved and the sums priced by the same code as on the default engine, so the
two engines cannot disagree on a rule, only on a sum (the parity test).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import warnings
from typing import Optional

from calculator.engine.scan import SPARK
from calculator.errors import InputError
from calculator.readers.frame import COUNTS


def session(remote: Optional[str] = None):
    """A Spark session: Spark Connect when ``remote`` (or SPARK_REMOTE) is set, else local."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("--engine spark needs pyspark: pip install 'batchcalc[spark]'") from None
    remote = remote or os.environ.get("SPARK_REMOTE")
    if remote:
        return SparkSession.builder.remote(remote).getOrCreate()
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise InputError("--engine spark runs a local Spark session, which needs Java 17 "
                         "(apt-get install openjdk-17-jre-headless), or give --spark-remote sc://HOST:PORT")
    # PySpark's own notice that it was not tested with pandas 3 (the parity tests run on it).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    builder = (SparkSession.builder.master("local[2]").appName("batchcalc")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").config("spark.sql.session.timeZone", "UTC"))
    fd, log = tempfile.mkstemp(prefix="batchcalc-spark-", suffix=".log")
    try:
        with _stderr_to(fd):
            spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - the JVM did not start: say where it said why
        raise InputError(f"the local Spark session did not start ({type(exc).__name__}); the JVM's "
                         f"log is {log}") from None
    spark.sparkContext.setLogLevel("ERROR")
    atexit.register(_remove, log)  # kept only when the session failed to start
    return spark


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


@contextlib.contextmanager
def _stderr_to(fd: int):
    """File descriptor 2 pointed at the log ``fd`` while PySpark starts the JVM, which inherits it:
    the JVM's start-up notices and log4j warnings go to that log, not into batchcalc's output."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(fd, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


class SparkBackend:
    """Runs ``scan.Scan``'s passes on a Spark session; the sums come back to DuckDB for pricing."""

    def __init__(self, engine, spark):
        from pyspark.errors import PySparkException

        self.engine = engine
        self.spark = spark
        self.dialect = SPARK
        # A file Spark refuses (FAILFAST on a malformed row) goes to the exact path, which names the row.
        self.errors: tuple = (PySparkException,)
        self.key_type = "BIGINT"  # xxhash64()
        self.memory_errors: tuple = ()  # Spark spills its grouping sets itself
        try:
            from py4j.protocol import Py4JJavaError

            self.errors += (Py4JJavaError,)
        except ImportError:  # Spark Connect without py4j
            pass

    @staticmethod
    def key_hash(columns: list[str]) -> str:
        return f"xxhash64({', '.join(columns)})"

    def view(self, name: str, query: str) -> None:
        self.spark.sql(query).createOrReplaceTempView(name)

    def scalar(self, query: str):
        return self.spark.sql(query).collect()[0][0]



    def collect(self, name: str, query: str, types: dict[str, str]) -> None:
        """Run ``query`` on Spark; load its (small) result into DuckDB as ``name`` (``types``: the
        DuckDB types of the columns that are not text)."""
        df = self.spark.sql(query)
        names = df.columns
        self.engine._table(name, names, [tuple(r) for r in df.collect()], [types.get(n, "VARCHAR") for n in names])


def relations(spark, paths: list[str], table: Optional[str], chunks=None) -> list[str]:
    """Spark views of the inputs, as SELECTs of the canonical raw columns (``scan._project``)."""
    from calculator.engine.scan import INTEGER_TYPES, _project, canonical_columns

    out = []
    sources = [(f"table {table}", spark.table(table), "table")] if table else []
    for path in paths:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic == b"PAR1" or os.path.isdir(path):
            sources.append((path, spark.read.parquet(path), "parquet"))
        else:
            sources.append((path, spark.read.option("header", "true").option("quote", '"').option("escape", '"')
                            .option("mode", "FAILFAST").csv(path), "console_csv"))
    if chunks is not None:
        sources.append(("rows", chunks, "rows"))
    for i, (path, df, kind) in enumerate(sources):
        canon = canonical_columns(df.columns)
        if canon is None:
            raise InputError(f"not usage Spark can read (expected the Console usage CSV's columns or the "
                             f"canonical ones; found {', '.join(df.columns)})", path=path)
        name = f"src_{i}"
        df.createOrReplaceTempView(name)
        kinds = dict(df.dtypes)
        typed = frozenset(c for c, col in canon.items() if c in COUNTS and kinds[col] in INTEGER_TYPES)
        out.append(_project(canon, name, path, kind, SPARK, typed))
    return out
