"""The usage and cost engine: one pipeline (read, normalise, validate, price, aggregate) on DuckDB.

    rates.py      the rate table, generated from the catalogue through ``costing.price_usage``
    normalise.py  raw spellings -> canonical values, once per distinct value
    scan.py       the scan: sums at every grain a breakdown needs, of a file DuckDB (or Spark)
                  reads itself or of the exact path's validated rows
    pipeline.py   the exact path (rows from the Python readers, each bad row named), the
                  pricing of the scan's sums and the result (``UsageResult``)
    spark.py      the scan's queries on Apache Spark (``--engine spark``)

Library entry points (the CLI's ``usage``, ``reconcile`` and ``report`` call these):

    usage_result(paths, UsageOptions(...)) -> UsageResult
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Optional

from calculator.errors import InputError


@dataclass
class UsageOptions:
    """How ``usage`` (and the usage side of ``reconcile``) reads and prices usage: the options of
    `batchcalc usage`, each field its flag (``since``/``until`` bound the days, both inclusive;
    ``strict`` makes unpriced rows an error; ``skip_invalid`` skips and counts bad rows)."""

    catalogue: object = None  # pricing.Catalogue; the built-in one when None
    source: Optional[str] = None  # --source: skip detection
    mapping: dict = field(default_factory=dict)  # --map for a generic CSV
    tier_map: dict = field(default_factory=dict)  # --tier-map RAW=standard|batch
    on: Optional[dt.date] = None  # the date of undated usage (batch results)
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None
    group_by: tuple = ()
    strict: bool = False
    skip_invalid: bool = False
    pages: object = None  # API pages fetched with --from-api
    pages_from: str = "admin"  # whose pages: "admin" (the Admin API report) or "analytics"
    day_lines: bool = False  # also the (day, pricing key, workspace) lines reconcile joins on
    # UsageResult.charges, the FOCUS grain (day x pricing key x workspace x API key): as many
    # lines as a Console export has rows, so only when the output is FOCUS.
    charges: bool = False
    progress: Optional[Callable[[int], None]] = None  # called with the rows read so far
    policy: object = None  # a shared InvalidRows (reconcile: usage and cost skips in one count)
    keep_frame: bool = False  # UsageResult.frame: the canonical relation as a pandas frame
    engine: str = "duckdb"  # or "spark" (``calculator.engine.spark``)
    spark_remote: Optional[str] = None  # Spark Connect URL (sc://HOST:PORT); SPARK_REMOTE otherwise
    table: Optional[str] = None  # a Spark table (catalog.schema.name) to read, with --engine spark


def usage_result(paths, options: UsageOptions):
    """Read every usage input in ``paths`` and run the pipeline: a ``pipeline.UsageResult``."""
    from calculator.engine.pipeline import UsageEngine
    from calculator.readers.usage import UsageSource
    from calculator.readers._policy import InvalidRows

    catalogue = options.catalogue
    if catalogue is None:
        from pricing import load_catalogue

        catalogue = load_catalogue()
    policy = options.policy or InvalidRows(options.skip_invalid)
    if options.engine == "spark":
        result = _spark_scan(paths, options, catalogue, policy)
        if result is not None:
            return result
        # A row Spark's pass found wrong: the exact path names it (or reads what Spark could not).
    elif options.table:
        raise InputError("--table reads a Spark table: add --engine spark")
    if options.pages is None and not options.mapping:
        result = _one_scan(paths, options, catalogue, policy)
        if result is not None:
            return result
    src = UsageSource([str(p) for p in paths], source=options.source, mapping=options.mapping, on=options.on,
                      catalogue=catalogue, policy=policy, pages=options.pages,
                      pages_from=options.pages_from)
    engine = UsageEngine(catalogue, since=options.since, until=options.until, policy=policy,
                         group_by=tuple(options.group_by), strict=options.strict, tier_map=options.tier_map,
                         day_lines=options.day_lines, charges=options.charges)
    engine.source = src
    for chunk in src.chunks():
        engine.add_chunk(chunk)
        if options.progress is not None:
            options.progress(engine.rows_read)
    result = engine.finish()
    if options.keep_frame:
        result.frame = engine.frame()
    return result


def _one_scan(paths, options: UsageOptions, catalogue, policy):
    """The whole pipeline as one DuckDB query over the files, when they allow it (see scan.py)."""
    from calculator.engine.pipeline import UsageEngine
    from calculator.engine.scan import Scan, relations_for
    from calculator.io import expand

    files = expand([str(p) for p in paths])
    engine = UsageEngine(catalogue, since=options.since, until=options.until, policy=policy,
                         group_by=tuple(options.group_by), strict=options.strict, tier_map=options.tier_map,
                         day_lines=options.day_lines, charges=options.charges)
    relations = relations_for(engine.con, files, options.source)
    if relations is None:
        return None
    scan = Scan(engine, relations)
    result = scan.run()
    if result is None:
        return None
    engine.finish_scan(result, {f: "parquet" if "'parquet' AS source" in r else "console-csv"
                                for f, r in zip(files, relations)})
    if options.keep_frame:
        result.frame = scan.frame()
    return result


def _spark_scan(paths, options: UsageOptions, catalogue, policy):
    """The file path's scan on Spark (see spark.py); None when a row needs the exact path."""
    from calculator.engine import spark as sp
    from calculator.engine.pipeline import UsageEngine
    from calculator.engine.scan import Scan, relations_for
    from calculator.readers.usage import UsageSource
    from calculator.io import expand

    files = expand([str(p) for p in paths]) if paths else []
    engine = UsageEngine(catalogue, since=options.since, until=options.until, policy=policy,
                         group_by=tuple(options.group_by), strict=options.strict, tier_map=options.tier_map,
                         day_lines=options.day_lines, charges=options.charges)
    session = sp.session(options.spark_remote)
    native = files if relations_for(engine.con, files, options.source) is not None and not any(
        _gzipped(f) for f in files) else []
    rows = src = None
    kinds = {f: "console-csv" for f in native}
    if files and not native:
        # Inputs Spark cannot read itself: the Python readers' rows, handed to Spark.
        src = UsageSource(files, source=options.source, mapping=options.mapping, on=options.on,
                          catalogue=catalogue, policy=policy, pages=options.pages,
                      pages_from=options.pages_from)
        for chunk in src.chunks():
            engine.add_chunk(chunk)
        kinds = {}
        rows = session.createDataFrame(engine.con.execute("SELECT * EXCLUDE (_c, _p) FROM raw").df())
    relations = sp.relations(session, native, options.table, rows)
    result = Scan(engine, relations, sp.SparkBackend(engine, session)).run()
    if result is None:
        return None
    if options.table:
        kinds[f"table {options.table}"] = "spark-table"
    engine.finish_scan(result, kinds, src)
    return result


def _gzipped(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b" and not path.endswith(".gz")


def read_usage_frame(paths, *, source: Optional[str] = None, mapping: Optional[dict] = None,
                     on: Optional[dt.date] = None, catalogue=None, skip_invalid: bool = False):
    """The canonical usage relation (pandas): one row per distinct normalised dimension
    combination (``pipeline.RAW_DIMENSIONS``) with the summed ``pipeline.COUNTS``; for library use."""
    options = UsageOptions(catalogue=catalogue, source=source, mapping=mapping or {}, on=on,
                           skip_invalid=skip_invalid, keep_frame=True)
    return usage_result(paths, options).frame


__all__ = ["UsageOptions", "usage_result", "read_usage_frame"]
