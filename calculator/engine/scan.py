"""The file path: a Console usage CSV on disk or Parquet read by DuckDB itself, never held in memory.

The exact path (``pipeline.UsageEngine``) takes rows from Python readers into DuckDB and names
each bad row by file and line. Large files (a Console usage CSV on disk, Parquet: a file or a
directory) are read by DuckDB in two passes instead:

1. the distinct raw pricing keys (period, model, tier, context, geo, speed) per file, with their
   row counts, distinct buckets (workspace x API key) and negative counts; each distinct spelling
   is resolved in Python through ``normalise`` (the one definition) and given its rate-table row;
2. every row joined to its resolved key (on one 64-bit hash) and summed into every breakdown
   (``_aggregate``).

A count that is not plain digits (DuckDB's typed read would round 12.5 to 13 and take 1e3, so
counts are read as text and checked), a negative count, a spelling
that does not resolve, or the same bucket twice sends the files to the exact path, which names
the row by line; a correct file is never held in memory.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Optional

from calculator.engine.pipeline import COUNTS, DUCKDB, _q
from calculator.errors import InputError

# Console usage CSV header -> canonical name (every header version: 2025-06 has no
# context_window, inference_geo or speed).
CONSOLE_COLUMNS = {
    "usage_date_utc": "period", "model_version": "model", "api_key": "api_key", "workspace": "workspace",
    "usage_type": "service_tier", "context_window": "context_tier",
    "usage_input_tokens_no_cache": "uncached_input", "usage_input_tokens_cache_write_5m": "cache_write_5m",
    "usage_input_tokens_cache_write_1h": "cache_write_1h", "usage_input_tokens_cache_read": "cache_read",
    "usage_output_tokens": "output", "web_search_count": "web_search_requests",
    "inference_geo": "inference_geo", "speed": "speed",
}
REQUIRED = {"period", "model", "uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output"}
DEFAULTS = {"service_tier": "standard", "context_tier": "", "inference_geo": "", "speed": "", "workspace": "",
            "api_key": ""}
def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def csv_relation(path: str, header: list[str], compressed: bool) -> Optional[str]:
    """A SELECT of the canonical raw columns from a Console usage CSV; None when not one."""
    lower = [h.strip().lower() for h in header]
    if len(set(lower)) != len(lower):
        return None
    canon = {CONSOLE_COLUMNS[h]: h for h in lower if h in CONSOLE_COLUMNS}
    if not REQUIRED <= set(canon):
        return None
    # Counts are read as text and checked to be plain digits before the cast: DuckDB would cast
    # "12.5" to 13, a wrong number instead of an error.
    types = ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in header)
    src = (f"read_csv({_lit(path)}, header = true, auto_detect = false, delim = ',', quote = '\"', "
           f"escape = '\"', columns = {{{types}}}, compression = '{'gzip' if compressed else 'none'}', "
           f"strict_mode = true, null_padding = false)")
    by_lower = {h.strip().lower(): h for h in header}
    return _project({c: by_lower[h] for c, h in canon.items()}, src, path, "console_csv")


def _project(canon: dict[str, str], src: str, path: str, source: str, dialect=DUCKDB) -> str:
    """SELECT every canonical raw column as text (a missing dimension gets its default, a missing
    count is empty: zero) from ``src``, whose column for each canonical name is ``canon[name]``."""
    q, text = dialect.quote, dialect.text
    cols = []
    for c in ("period", "model", "service_tier", "context_tier", "inference_geo", "speed", "workspace", "api_key"):
        cols.append(f"coalesce(CAST({q(canon[c])} AS {text}), '') AS {c}_raw" if c in canon
                    else f"{_lit(DEFAULTS[c])} AS {c}_raw")
    for c in COUNTS:
        cols.append(f"coalesce(CAST({q(canon[c])} AS {text}), '') AS {q(c)}" if c in canon else f"'' AS {q(c)}")
    return f"SELECT {', '.join(cols)}, {_lit(path)} AS file, {_lit(source)} AS source FROM {src}"


def canonical_columns(names: list[str]) -> Optional[dict[str, str]]:
    """Canonical name -> column, for columns named as the Console usage CSV or canonically; None
    when a required column is missing or a name repeats."""
    canon: dict[str, str] = {}
    for name in names:
        low = name.strip().lower()
        c = CONSOLE_COLUMNS.get(low, low if low in (*COUNTS, "period", "model", "service_tier", "context_tier",
                                                     "inference_geo", "speed", "workspace", "api_key") else None)
        if c is not None:
            if c in canon:
                return None
            canon[c] = name
    return canon if REQUIRED <= set(canon) else None


def parquet_relation(con, path: str) -> Optional[str]:
    """A SELECT of the canonical raw columns from Parquet (a file or a directory), whose columns
    are either the canonical names or the Console usage CSV's."""
    pattern = os.path.join(path, "**", "*.parquet") if os.path.isdir(path) else path
    src = f"read_parquet({_lit(pattern)})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    except Exception:  # noqa: BLE001 - any DuckDB error: not Parquet we can read in one scan
        return None
    canon = canonical_columns([r[0] for r in described])
    return None if canon is None else _project(canon, src, path, "parquet")


def relations_for(con, paths: list[str], source: Optional[str]) -> Optional[list[str]]:
    """One-scan relations for ``paths`` when every one is a Console usage CSV on disk or Parquet."""
    from calculator.io import disk_head
    from calculator.readers.detect import csv_header, detect_bytes
    from calculator.io import head

    if source not in (None, "console-csv", "parquet") or not paths:
        return None
    relations = []
    for path in paths:
        magic = disk_head(path, 4)
        if magic is None:
            return None  # a pipe is read once, by the exact path
        if magic == b"PAR1":
            rel = parquet_relation(con, path)
        else:
            data = head(path)
            if detect_bytes(data) != "console-csv":
                return None
            rel = csv_relation(path, csv_header(data), magic[:2] == b"\x1f\x8b")
        if rel is None:
            return None
        relations.append(rel)
    return relations


class DuckDBBackend:
    """Runs the passes on the engine's own DuckDB connection."""

    def __init__(self, engine):
        import duckdb

        self.engine = engine
        self.dialect = DUCKDB
        self.errors = (duckdb.Error,)

    def sql(self, query: str) -> list[tuple]:
        return self.engine.con.execute(query).fetchall()

    def view(self, name: str, query: str) -> None:
        self.engine.con.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")

    def table(self, name: str, columns: list[str], rows: list[tuple], types: list) -> None:
        self.engine._table(name, columns, rows, types)

    # A 64-bit hash of a pricing key's columns: pass 2 joins every row to its key on this one
    # number instead of seven strings (a collision sends the files to the exact path).
    KEY_TYPE = "UBIGINT"

    def key_hash(self, columns: list[str]) -> str:
        return f"hash({', '.join(columns)})"

    def digits_only(self, expr: str) -> str:
        # Stripping the allowed characters is cheaper than a regular expression on every row.
        return f"ltrim({expr}, '0123456789,') = ''"

    def sums(self, query: str) -> None:
        self.engine.con.execute(f"CREATE OR REPLACE TABLE agg AS {query}")


class Scan:
    """The pipeline over ``relations`` (SELECTs of canonical raw columns as text) in two passes,
    on DuckDB (default) or another backend (``calculator.engine.spark``)."""

    RAW = ("period_raw", "model_raw", "service_tier_raw", "context_tier_raw", "inference_geo_raw", "speed_raw")

    def __init__(self, engine, relations: list[str], backend=None):
        self.engine = engine
        self.relations = relations
        self.backend = backend or DuckDBBackend(engine)

    def run(self):
        """The result, or None when a row needs the exact path (it names the row by line)."""
        eng = self.engine
        be = self.backend
        q = be.dialect.quote
        raw = ", ".join(self.RAW)
        digits = " || ',' || ".join(q(c) for c in COUNTS)
        be.view("scan_text", " UNION ALL ".join(f"({r})" for r in self.relations))
        casts = ", ".join(f"CAST(CASE WHEN {q(c)} = '' THEN '0' ELSE {q(c)} END AS BIGINT) AS {q(c)}" for c in COUNTS)
        be.view("scan_src", f"SELECT file, source, {raw}, workspace_raw, api_key_raw, {casts} FROM scan_text")
        try:
            # Buckets (workspace x API key) per pricing key: counted by grouping twice, which spills
            # to disk like any GROUP BY (a DISTINCT aggregate held 100M rows in memory). A hash
            # collision of two buckets looks like a duplicate: the exact path then decides.
            bucket = be.key_hash(["trim(workspace_raw)", "trim(api_key_raw)"])
            keys = be.sql(f"""
                SELECT file, {raw}, {be.key_hash(['file', *self.RAW])} AS h, sum(n) AS nrows,
                       count(*) AS buckets, sum(bad) AS negative
                FROM (SELECT file, {raw}, {bucket} AS bucket, count(*) AS n,
                             sum(CASE WHEN {be.digits_only(digits)} THEN 0 ELSE 1 END) AS bad
                      FROM scan_text GROUP BY file, {raw}, {bucket}) b
                GROUP BY file, {raw}""")
        except be.errors:
            return None  # a file the engine cannot read as it is: the exact path says why
        # Pass 1 gave the distinct raw pricing keys: resolve them through the definition (Python).
        n = eng.normaliser
        resolved: dict[tuple, tuple] = {}
        rows = []
        if len({k[len(self.RAW) + 1] for k in keys}) != len(keys):
            return None  # two pricing keys with one hash (about 1 in 10^11): the exact path
        hashes = {}
        for file, *spellings, h, nrows, buckets, neg in keys:
            if neg or buckets != nrows:
                return None  # a count that is not plain digits, or the same bucket twice: the exact path names it
            hashes[(file, *spellings)] = h
            key = tuple(spellings)
            got = resolved.get(key)
            if got is None:
                try:
                    got = tuple(n.resolver(d)(v) for d, v in zip(
                        ("period", "model", "service_tier", "context_tier", "inference_geo", "speed"), key))
                except Exception:  # noqa: BLE001 - a Bad value: the exact path names its line
                    return None
                resolved[key] = got
            rows.append((file, *key, *got, nrows))
        covered: dict[tuple, str] = {}
        for file, *key_and_norm, _ in rows:
            day_model = (key_and_norm[6][:10], key_and_norm[7])
            first = covered.setdefault(day_model, file)
            if first != file:
                raise InputError(f"the same usage given twice: {first} and {file} both hold {day_model[1]} usage "
                                 f"on {day_model[0]}; give each period once (they would be summed)")
        eng.rows_read = sum(r[-1] for r in rows)
        self.files = {r[0] for r in rows}
        meta, scale = eng._rates(sorted({g[1:] for g in resolved.values()}))
        rate_of = {}
        for rid, r in eng._rate_rows.items():
            rate_of.setdefault(r[1:6], []).append((r[6], r[7], rid))
        table = []
        for file, *key_and_norm, _ in rows:
            key, norm = key_and_norm[:6], key_and_norm[6:]
            day = norm[0][:10]
            d = dt.date.fromisoformat(day)
            rid = next(i for lo, hi, i in rate_of[tuple(norm[1:])] if lo <= d < hi)
            in_range = (eng.since is None or d >= eng.since) and (eng.until is None or d <= eng.until)
            table.append((hashes[(file, *key)], norm[0], norm[0][:7], day, d, *norm[1:], rid, in_range))
        names = ["h", "period", "month", "day", "d", "model", "service_tier", "context_tier",
                 "inference_geo", "speed", "rate_id", "in_range"]
        types = [be.KEY_TYPE, *["VARCHAR"] * 3, "DATE", *["VARCHAR"] * 5, "INTEGER", "BOOLEAN"]
        be.table("scan_keys", names, table, types)
        self.filtered = sum(r[-1] for r, t in zip(rows, table) if not t[-1])
        # Pass 2: every row joined to its resolved key and rate; every breakdown in one GROUP BY.
        be.view("scanned", f"""
            SELECT k.period, k.month, k.day, k.d, k.model, k.service_tier, k.context_tier, k.inference_geo,
                   k.speed, trim(s.workspace_raw) AS workspace, trim(s.api_key_raw) AS api_key, s.source,
                   {', '.join(f's.{q(c)}' for c in COUNTS)}, k.rate_id, k.in_range
            FROM scan_src s JOIN scan_keys k ON k.h = {be.key_hash(['s.file', *(f's.{c}' for c in self.RAW)])}""")
        try:
            be.sums(eng.sums_query("scanned", be.dialect))
            result = eng._aggregate(meta, scale, sums_done=True)
        except be.errors:
            return None  # a count beyond int64: the exact path names its line

        result.rows_filtered = self.filtered
        return result
