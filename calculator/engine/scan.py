"""The scan: usage summed at every grain a breakdown needs, from files the engine reads itself.

The exact path (``pipeline.UsageEngine``) takes rows from Python readers into DuckDB and names
each bad row by file and line. Large files (a Console usage CSV on disk, Parquet: a file or a
directory) are read by the engine itself instead, in two scans: a plain GROUP BY of each row's
bucket finds a bucket given twice, then one GROUPING SETS query over the raw spellings sums the
counts at every grain a breakdown needs. The distinct spellings are then resolved in Python
(``normalise``, the one definition), priced from the rate table and summed into the breakdowns by
small queries over that result. The exact path's validated rows are summed by the same query.

A grain without the day (the workspace and API key breakdowns) is grouped by the *price epoch*
instead: the span between two days on which any catalogue price may change (``rates.all_bounds``),
found by comparing the raw period with those days. After resolution every (key, epoch) must have
one rate; a period whose raw text puts it in another epoch than its UTC day (an offset across
midnight on a price change) sends the files to the exact path.

A count that is not plain digits (DuckDB's typed read would round 12.5 to 13 and take 1e3, so
text counts are checked), a negative count, a spelling that does not resolve, or the same bucket
twice sends the files to the exact path, which names the row by line; a correct file is never
held in memory.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional

from calculator.errors import InputError
from calculator.readers.frame import COUNTS


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Dialect:
    """What differs between the SQL engines that run the scan."""

    name: str
    exact_sum: str  # sum() of an int64 column, exact: DuckDB sums BIGINT into HUGEINT itself
    grouping: str  # the multi-column GROUPING() bit mask function
    text: str  # the string type

    @staticmethod
    def quote(name: str) -> str:
        return _q(name)

    def canonical_count(self, expr: str) -> str:
        """True when the text ``expr`` is a count as a program writes one: a non-negative int64 in
        plain digits, no sign, no leading zero. Checked by a round trip through BIGINT, which costs
        half what a regular expression does; anything else ("12.5", which DuckDB casts to 13,
        "1e3", "007") goes to the exact path, which decides."""
        return f"(CAST(CAST({expr} AS BIGINT) AS {self.text}) = {expr} AND {expr} NOT LIKE '-%')"


@dataclass(frozen=True)
class SparkDialect(Dialect):
    @staticmethod
    def quote(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"


DUCKDB = Dialect("duckdb", "sum({})", "GROUPING", "VARCHAR")
SPARK = SparkDialect("spark", "sum(CAST({} AS DECIMAL(38, 0)))", "grouping_id", "STRING")


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
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                 "HUGEINT", "tinyint", "smallint", "int", "bigint"}  # DuckDB's and Spark's names
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


def _project(canon: dict[str, str], src: str, path: str, source: str, dialect=DUCKDB,
             typed: frozenset = frozenset()) -> str:
    """SELECT the scan's columns from ``src``, whose column for each canonical name is
    ``canon[name]``: the raw pricing key as text (a missing dimension gets its default), the
    workspace and API key trimmed, the counts as int64 (a missing one is zero) and ``bad``, 1 on a
    row with a count that is not plain digits (text) or is negative (``typed``: integer columns)."""
    q, text = dialect.quote, dialect.text

    def raw(c: str) -> str:
        return f"coalesce(CAST({q(canon[c])} AS {text}), '')" if c in canon else _lit(DEFAULTS[c])

    cols = [f"{raw(c)} AS {c}_raw" for c in ("period", "model", "service_tier", "context_tier", "inference_geo",
                                             "speed")]
    cols += [f"trim({raw(c)}) AS {c}" for c in ("workspace", "api_key")]
    checks = []
    for c in COUNTS:
        if c not in canon:
            cols.append(f"CAST(0 AS BIGINT) AS {q(c)}")
        elif c in typed:
            cols.append(f"coalesce(CAST({q(canon[c])} AS BIGINT), 0) AS {q(c)}")
            checks.append(f"coalesce({q(canon[c])}, 0) >= 0")
        else:
            # Checked as text: DuckDB casts "12.5" to 13, a wrong number, not an error.
            value = f"coalesce(CAST({q(canon[c])} AS {text}), '')"
            count = f"CASE WHEN {value} = '' THEN '0' ELSE {value} END"
            cols.append(f"CAST({count} AS BIGINT) AS {q(c)}")
            checks.append(dialect.canonical_count(count))
    bad = f"CASE WHEN {' AND '.join(checks)} THEN 0 ELSE 1 END" if checks else "0"
    return f"SELECT {_lit(path)} AS file, {_lit(source)} AS source, {', '.join(cols)}, {bad} AS bad FROM {src}"


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
    # Integer columns are summed as they are (no text round trip); any other type is checked as text.
    typed = frozenset(c for c, col in (canon or {}).items() if c in COUNTS and dict(
        (r[0], r[1]) for r in described)[col].upper() in INTEGER_TYPES)
    return None if canon is None else _project(canon, src, path, "parquet", typed=typed)


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
    """Runs the scan on the engine's own DuckDB connection."""

    def __init__(self, engine):
        import duckdb

        self.engine = engine
        self.dialect = DUCKDB
        self.errors = (duckdb.Error,)
        self.key_type = "UBIGINT"  # DuckDB's hash()
        self.memory_errors = (duckdb.OutOfMemoryException,)

    def view(self, name: str, query: str) -> None:
        self.engine.con.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")

    def key_hash(self, columns: list[str]) -> str:
        return f"hash({', '.join(columns)})"

    def collect(self, name: str, query: str, types: dict[str, str]) -> None:
        """The (small) result of ``query`` as the DuckDB table ``name``."""
        self.engine.con.execute(f"CREATE OR REPLACE TABLE {name} AS {query}")

    def scalar(self, query: str):
        return self.engine.con.execute(query).fetchone()[0]




def epoch_case(column: str, bounds: list[str], first: int = 0) -> str:
    """The index of the span of ``bounds`` (sorted 'YYYY-MM-DD') holding ``column``'s text: a
    binary search of nested CASEs, about log2(len(bounds)) comparisons per row."""
    if not bounds:
        return str(first)
    mid = len(bounds) // 2
    return (f"CASE WHEN {column} >= {_lit(bounds[mid])} THEN {epoch_case(column, bounds[mid + 1:], first + mid + 1)} "
            f"ELSE {epoch_case(column, bounds[:mid], first)} END")


class Scan:
    """The pipeline over ``relations`` (SELECTs of ``_project``'s columns), on DuckDB (default) or
    another backend (``calculator.engine.spark``)."""

    RAW = ("period_raw", "model_raw", "service_tier_raw", "context_tier_raw", "inference_geo_raw", "speed_raw")
    FREE = ("workspace", "api_key", "source")  # dimensions not resolved through the catalogue
    DATED = ("period", "month", "day")
    DIMS = ("period", "model", "service_tier", "context_tier", "inference_geo", "speed")

    def __init__(self, engine, relations: list[str], backend=None, *, normalised: bool = False,
                 forms: tuple[str, ...] = ("one_scan", "per_grain")):
        """``normalised``: the rows are the exact path's, whose values are already canonical and
        whose duplicate buckets are already named (rows that are not buckets, such as batch
        results, may repeat a key). ``forms``: the query forms of the sums to try, in order, the
        next one when the engine runs out of memory (see ``run``)."""
        self.engine = engine
        self.relations = relations
        self.backend = backend or DuckDBBackend(engine)
        self.normalised = normalised
        self.forms = forms

    def _raw_sets(self, sets: dict[str, tuple]) -> dict[str, tuple]:
        """Each breakdown's raw grain: the file and raw pricing key with the breakdown's free
        dimensions when it needs the day (or has no free dimension), else one grain shared by all
        such breakdowns: a 64-bit hash of the raw key without the period, its price epoch and
        their free dimensions (an API key belongs to one workspace, so one grain costs one hash
        table, not two; a narrow key, because five strings per group of millions ran DuckDB out of
        memory on 100M rows)."""
        def free(dims: tuple) -> tuple:
            return tuple(d for d in self.FREE if d in dims)

        dated = {name: name == "groups" or not free(dims) or any(d in self.DATED for d in dims)
                 for name, dims in sets.items()}
        shared = tuple(d for d in self.FREE if any(d in dims for name, dims in sets.items() if not dated[name]))
        # A dated grain carries the key hash too (a function of the raw key: no more groups), so the
        # grain of the breakdowns without a free dimension is also the one that lists the keys.
        return {name: tuple(dict.fromkeys(("file", *self.RAW, "ep", "source", "key_hash", *free(dims))))
                if dated[name]
                else ("key_hash", "ep", *shared) for name, dims in sets.items()}

    def run(self):
        """The result, or None when a row needs the exact path (it names the row by line)."""
        from calculator.engine.rates import all_bounds

        eng, be = self.engine, self.backend
        d = be.dialect
        q = d.quote
        be.view("scan_src", " UNION ALL ".join(f"({r})" for r in self.relations))
        bounds = sorted({b.isoformat() for b in all_bounds(eng.catalogue)}
                        | {b.isoformat() for b in (eng.since, eng.until and eng.until + dt.timedelta(days=1)) if b})
        sets = eng.sets()
        raw_sets = self._raw_sets(sets)
        key_set = ("file", *self.RAW, "ep", "source", "key_hash")  # also the grain of every dated breakdown
        distinct = list(dict.fromkeys([key_set, *raw_sets.values()]))
        cols = list(dict.fromkeys(c for g in distinct for c in g))
        mask = {g: sum(1 << (len(cols) - 1 - i) for i, c in enumerate(cols) if c not in g) for g in distinct}
        sums = ", ".join(f"{d.exact_sum.format(q(c))} AS {q(c)}" for c in COUNTS)
        src = (f"(SELECT *, {epoch_case('period_raw', bounds)} AS ep, {be.key_hash(list(self.RAW[1:]))} AS key_hash "
               f"FROM scan_src) s")
        aggregates = f"{sums}, count(*) AS nrows, sum(bad) AS bad"
        # Every grain in one scan (GROUPING SETS); or, when DuckDB's budget cannot hold that (its
        # grouping sets do not spill: 100M Parquet rows ran out of 640 MB), one plain GROUP BY per
        # grain, each a scan of its own that spills like any aggregate.
        queries = {
            "one_scan": (f"SELECT {d.grouping}({', '.join(cols)}) AS rgid, {', '.join(cols)}, {aggregates} "
                         f"FROM {src} GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(g) + ')' for g in distinct)})"),
            "per_grain": " UNION ALL ".join(
                f"SELECT {mask[g]} AS rgid, {', '.join(c if c in g else f'NULL AS {c}' for c in cols)}, "
                f"{aggregates} FROM {src} GROUP BY {', '.join(g)}" for g in distinct)}
        types = {"rgid": "BIGINT", "ep": "INTEGER", "nrows": "BIGINT", "bad": "BIGINT", "key_hash": be.key_type,
                 **{c: "DECIMAL(38, 0)" for c in COUNTS}}
        # The same bucket twice, in a plain GROUP BY of a 64-bit hash of each row's bucket: a
        # collision looks like a duplicate, and the exact path then decides.
        repeated = (f"SELECT count(*) FROM (SELECT {be.key_hash(['file', *self.RAW, 'workspace', 'api_key'])} AS b "
                    f"FROM scan_src GROUP BY b HAVING count(*) > 1) d")
        try:
            if not self.normalised and be.scalar(repeated):
                return None  # the same bucket twice: the exact path names both rows
            for form in self.forms:
                try:
                    be.collect("scan_agg", queries[form], types)
                    break
                except be.memory_errors:
                    if form == self.forms[-1]:
                        raise
        except be.memory_errors:
            # Never the exact path for this: it would hold every row.
            raise InputError("the engine ran out of its memory budget on these files; free memory or give "
                             "fewer files at a time") from None
        except be.errors:
            return None  # a file the engine cannot read as it is, or a count beyond int64: the exact path says why
        con = eng.con
        keys = con.execute(f"SELECT file, {', '.join(self.RAW)}, ep, key_hash, nrows, bad FROM scan_agg "
                           f"WHERE rgid = {mask[key_set]}").fetchall()
        if any(k[-1] for k in keys):
            return None  # a count that is not plain digits, or negative: the exact path names it
        table = self._resolve(keys)
        if table is None:
            return None
        meta, scale, key_rows, epoch_rows = table
        key_cols = ["file", *self.RAW, "period", "month", "day", "d", *self.DIMS[1:], "rate_id", "in_range"]
        key_types = [*["VARCHAR"] * 10, "DATE", *["VARCHAR"] * 5, "INTEGER", "BOOLEAN"]
        eng._table("scan_keys", key_cols, key_rows, key_types)
        eng._table("scan_epochs", ["key_hash", "ep", *self.DIMS[1:], "rate_id", "in_range"], epoch_rows,
                   [be.key_type, "INTEGER", *["VARCHAR"] * 5, "INTEGER", "BOOLEAN"])
        con.execute(f"CREATE OR REPLACE TABLE agg AS {self._sums(sets, raw_sets, mask)}")
        result = eng._aggregate(meta, scale)
        result.rows_filtered = self.filtered
        return result

    def _resolve(self, keys: list[tuple]):
        """Resolve each distinct raw pricing key (file, spellings, epoch) through ``normalise``:
        the rows of ``scan_keys`` and ``scan_epochs``, or None when a spelling does not resolve
        or a raw epoch holds two rates."""
        eng = self.engine
        n = eng.normaliser
        resolvers = [(lambda v: v) if self.normalised else n.resolver(dim) for dim in self.DIMS]
        # Each column's distinct spellings resolved once (a few hundred days, a few models).
        columns: list[dict[str, str]] = [{} for _ in self.DIMS]
        resolved: dict[tuple, tuple] = {}
        hashes: dict = {}
        rows = []
        try:
            for file, *spellings, ep, h, nrows, _ in keys:
                key = tuple(spellings)
                if hashes.setdefault(h, key[1:]) != key[1:]:
                    return None  # two raw keys with one hash (about 1 in 10^13): the exact path
                got = resolved.get(key)
                if got is None:
                    got = resolved[key] = tuple(
                        done[v] if v in done else done.setdefault(v, resolve(v))
                        for done, resolve, v in zip(columns, resolvers, key))
                rows.append((file, key, ep, h, got, nrows))
        except Exception:  # noqa: BLE001 - a Bad value: the exact path names its line
            return None
        covered: dict[tuple, str] = {}
        for file, _, _, _, norm, _ in rows:
            day_model = (norm[0][:10], norm[1])
            first = covered.setdefault(day_model, file)
            if first != file:
                raise InputError(f"the same usage given twice: {first} and {file} both hold {day_model[1]} usage "
                                 f"on {day_model[0]}; give each period once (they would be summed)")
        if not self.normalised:  # the exact path counts what its readers read
            eng.rows_read = sum(r[-1] for r in rows)
        meta, scale = eng._rates(sorted({g[1:] for g in resolved.values()}))
        rate_of: dict[tuple, list] = {}
        for rid, r in eng._rate_rows.items():
            rate_of.setdefault(r[1:6], []).append((r[6], r[7], rid))
        key_rows, epochs = [], {}
        self.filtered = 0
        for file, key, ep, h, norm, nrows in rows:
            day = norm[0][:10]
            d = dt.date.fromisoformat(day)
            rid = next(i for lo, hi, i in rate_of[norm[1:]] if lo <= d < hi)
            in_range = (eng.since is None or d >= eng.since) and (eng.until is None or d <= eng.until)
            self.filtered += 0 if in_range else nrows
            key_rows.append((file, *key, norm[0], day[:7], day, d, *norm[1:], rid, in_range))
            priced = (*norm[1:], rid, in_range)
            if epochs.setdefault((h, ep), priced) != priced:
                return None  # a raw period in another price epoch than its UTC day: the exact path
        epoch_rows = [(*k, *v) for k, v in epochs.items()]
        return meta, scale, key_rows, epoch_rows

    def _sums(self, sets: dict[str, tuple], raw_sets: dict[str, tuple], mask: dict[tuple, int]) -> str:
        """``agg`` (what ``UsageEngine._aggregate`` prices): each breakdown's rows of ``scan_agg``
        joined to their resolved key and summed per breakdown, rate epoch and range."""
        eng = self.engine
        eng.plan_sets(sets)
        parts = []
        for gid, names in eng._masks.items():
            name = names[0]
            dims, raw = sets[name], raw_sets[name]
            dated = "file" in raw
            k = "scan_keys" if dated else "scan_epochs"
            on = " AND ".join(f"a.{c} = k.{c}" for c in (("file", *self.RAW) if dated else ("key_hash", "ep")))
            exprs = [f"a.{dim}" if dim in self.FREE else f"k.{dim}" for dim in eng.all_dims]
            select = [f"CAST({e if dim in dims else 'NULL'} AS VARCHAR) AS {dim}" for e, dim in zip(exprs, eng.all_dims)]
            group = [e for e, dim in zip(exprs, eng.all_dims) if dim in dims]
            span = ("min(k.d) AS first_day, max(k.d) AS last_day, min(k.period) AS first_period, "
                    "max(k.period) AS last_period" if dated else
                    "CAST(NULL AS DATE) AS first_day, CAST(NULL AS DATE) AS last_day, "
                    "CAST(NULL AS VARCHAR) AS first_period, CAST(NULL AS VARCHAR) AS last_period")
            parts.append(
                f"SELECT {gid} AS gid, {', '.join(select)}, "
                f"k.rate_id, k.in_range, {', '.join(f'sum(a.{_q(c)}) AS {_q(c)}' for c in COUNTS)}, "
                f"sum(a.nrows) AS nrows, {span} FROM scan_agg a JOIN {k} k ON {on} WHERE a.rgid = {mask[raw]} "
                f"GROUP BY {', '.join([*group, 'k.rate_id', 'k.in_range'])}")
        return " UNION ALL ".join(parts)

    def frame(self):
        """The used rows grouped by every dimension, as a pandas frame (``UsageEngine.frame``)."""
        eng = self.engine
        eng.con.execute(f"""CREATE OR REPLACE VIEW scanned AS
            SELECT k.period, k.model, k.service_tier, k.context_tier, k.inference_geo, k.speed, s.workspace,
                   s.api_key, s.source, {', '.join(f's.{_q(c)}' for c in COUNTS)}, k.in_range
            FROM scan_src s JOIN scan_keys k ON {' AND '.join(f's.{c} = k.{c}' for c in ('file', *self.RAW))}""")
        return eng.frame("scanned")
