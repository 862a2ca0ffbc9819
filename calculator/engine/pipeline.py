"""The usage pipeline on DuckDB: relations -> normalise -> validate -> price -> aggregate.

Readers deliver relations with the canonical raw columns (``RAW_DIMENSIONS`` as text, the
``COUNTS`` as int64) plus where each row came from. Then, in SQL:

1. the distinct raw spellings of each dimension are resolved once in Python
   (``calculator.engine.normalise``) and joined back as small tables;
2. bad rows (a value that does not normalise, a negative count) are named by file and line, or
   skipped and counted with --skip-invalid; --since/--until filter by UTC day;
3. within a file whose rows are buckets, the same bucket twice is a duplicate (an error, or the
   first kept); across files, two files holding usage of the same day and model are refused;
4. the used rows are summed by the scan's GROUPING SETS query (``calculator.engine.scan``, the
   one that also reads large files): every breakdown (priced groups, month, model, tier,
   workspace, API key, --group-by, and the day-level lines reconcile joins on) in one pass;
5. each breakdown's sums (HUGEINT) are joined to the rate table generated from the catalogue
   (``calculator.engine.rates``) by rate epoch and priced in one DECIMAL type (``_aggregate``).

Money leaves the engine as exact Decimals in USD: the engine sums ``tokens x rate`` in units of
10^-6 USD-per-MTok (the rate's own scale) and the division by a million is a shift of the
decimal point in Python.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from calculator.engine.normalise import CONTEXT_WINDOW_NAMES, Normaliser
from calculator.engine.rates import NOT_GROUPED, PRICED, PricedKey, rate_rows, scale_of
from calculator.engine.scan import Scan, _q
from calculator.errors import InputError, ModelError

from calculator.readers.frame import COUNTS, RAW_DIMENSIONS, TOKEN_COUNTS, ReaderInfo  # noqa: F401

NORMALISED = ("period", "model", "service_tier", "context_tier", "inference_geo", "speed")
GROUPABLE = ("month", "day", *RAW_DIMENSIONS)
DEFAULTS = {"service_tier": "standard", "context_tier": "", "inference_geo": "global", "speed": "standard",
            "workspace": "", "api_key": "", "source": "usage"}
SHOWN_DUPLICATES = 5
MEMORY_LIMIT = "640MB"  # DuckDB's working memory; the process stays under 1 GB


@dataclass
class Money:
    """The headline figures of any slice."""

    cost: Decimal = Decimal(0)
    standard_equivalent: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)
    missed: Decimal = Decimal(0)
    missed_without_cache: Decimal = Decimal(0)


@dataclass
class Slice:
    """One row of a breakdown: its key, money, count sums and rows."""

    key: tuple
    money: Money
    counts: dict[str, int]
    rows: int
    unpriced_rows: int

    @property
    def input_tokens(self) -> int:
        return sum(self.counts[c] for c in TOKEN_COUNTS[:4])

    @property
    def output_tokens(self) -> int:
        return self.counts["output"]


@dataclass
class PricedGroup:
    """Usage of one (month, model, tier, context, geo, speed) over one rate epoch, priced."""

    month: str
    model: str
    service_tier: str
    context_tier: str
    inference_geo: str
    speed: str
    counts: dict[str, int]
    rows: int
    first_day: dt.date
    last_day: dt.date
    money: Money
    rates: Optional[tuple]  # USD per million units per PRICED column, None when unpriced
    line_costs: Optional[tuple]  # USD per PRICED column
    reason: Optional[str]
    key: Optional[PricedKey]
    rate_id: int = -1

    @property
    def priced(self) -> bool:
        return self.rates is not None


@dataclass
class Charge:
    """Usage of one (day, model, tier, context, geo, speed, workspace, API key) over one rate
    epoch, priced per token type: the grain of a FOCUS export."""

    day: str
    model: str
    service_tier: str
    context_tier: str
    inference_geo: str
    speed: str
    workspace: Optional[str]
    api_key: Optional[str]
    counts: dict[str, int]
    rates: Optional[tuple]  # USD per million units per PRICED column, None when unpriced
    line_costs: Optional[tuple]  # USD per PRICED column


@dataclass
class UsageResult:
    catalogue_version: str
    rows_read: int
    rows_used: int
    rows_skipped: int
    rows_filtered: int
    rows_unpriced: int
    duplicates: int
    groups: list[PricedGroup]
    totals: Money
    counts: dict[str, int]
    breakdowns: dict[str, list[Slice]]  # month, model, service_tier, workspace, api_key, group, day_lines
    group_by: tuple[str, ...]
    first_period: Optional[str]
    last_period: Optional[str]
    since: Optional[dt.date]
    until: Optional[dt.date]
    shared_prefix_input_share: Optional[Decimal]
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    frame: object = None  # the canonical relation (pandas), when asked for
    # Per day, workspace and API key; None unless asked for (UsageOptions.charges: FOCUS output).
    charges: Optional[list[Charge]] = None

    @property
    def unpriced(self) -> list[PricedGroup]:
        return [g for g in self.groups if not g.priced]


def _merge(records: list[dict], key: str) -> list[dict]:
    """``records`` summed by ``key`` (money and counts added, first and last days kept)."""
    out: dict = {}
    for rec in records:
        acc = out.get(rec[key])
        if acc is None:
            out[rec[key]] = dict(rec)
            continue
        for k, v in rec.items():
            if k in ("first_day", "first_period"):
                acc[k] = min(x for x in (acc[k], v) if x is not None) if (acc[k] or v) else None
            elif k in ("last_day", "last_period"):
                acc[k] = max(x for x in (acc[k], v) if x is not None) if (acc[k] or v) else None
            elif k not in (key, "gid", "rate_id") and isinstance(v, (int, Decimal)) and not isinstance(v, bool):
                acc[k] = (acc[k] or 0) + v
    return list(out.values())


class UsageEngine:
    """Collects usage relations, then ``finish()`` runs the pipeline once."""

    def __init__(self, catalogue, *, since: Optional[dt.date] = None, until: Optional[dt.date] = None,
                 policy=None, group_by: tuple[str, ...] = (), strict: bool = False,
                 tier_map: Optional[dict[str, str]] = None, day_lines: bool = False,
                 charges: bool = False):
        import duckdb

        from calculator.readers._policy import InvalidRows

        for g in group_by:
            if g not in GROUPABLE:
                raise InputError(f"--group-by {g!r}: expected any of {', '.join(GROUPABLE)}")
        self.catalogue = catalogue
        self.since, self.until = since, until
        self.policy = policy or InvalidRows()
        self.group_by = tuple(group_by)
        self.strict = strict
        self.day_lines = day_lines
        self.charges = charges
        self.normaliser = Normaliser(catalogue, tier_map)
        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = false")
        # batchcalc shows its own progress (rich, on a terminal only); DuckDB's bar would print
        # into piped stderr too.
        self.con.execute("SET enable_progress_bar = false")
        # Large inputs spill to disk instead of growing the process: usage of any size in bounded
        # memory. Into the system's temp directory, not DuckDB's default ./.tmp in the user's folder
        # (DuckDB removes the directory it created when the connection closes).
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        spill = os.path.join(tempfile.gettempdir(), f"batchcalc-{os.getpid()}-{id(self):x}")
        self.con.execute(f"SET temp_directory = '{spill.replace(chr(39), chr(39) * 2)}'")
        cols = ", ".join([*(f"{_q(d)} VARCHAR" for d in RAW_DIMENSIONS), *(f"{_q(c)} BIGINT" for c in COUNTS),
                          "_c INTEGER", "_p INTEGER"])
        self.con.execute(f"CREATE TABLE raw ({cols})")
        self.chunks: list = []  # chunk id -> Chunk (path, locate, buckets)
        self.rows_read = 0
        self.source = None

    # -- input ------------------------------------------------------------------------------
    def consume(self, source) -> None:
        self.source = source
        for chunk in source.chunks():
            self.add_chunk(chunk)

    def add_chunk(self, chunk) -> None:
        t = chunk.table
        n = t.num_rows
        if n == 0:
            return
        cid = len(self.chunks)
        self.chunks.append(chunk)
        self.rows_read += n
        names = set(t.column_names)
        select = []
        for d in RAW_DIMENSIONS:
            if d in names:
                select.append(f"coalesce(CAST({_q(d)} AS VARCHAR), '')")
            elif d in DEFAULTS:
                select.append(f"'{DEFAULTS[d]}'")
            else:
                raise InputError(f"no {d} in this export", path=chunk.path)
        for c in COUNTS:
            select.append(f"coalesce(CAST({_q(c)} AS BIGINT), 0)" if c in names else "0")
        select += [str(cid), "CAST(row_number() OVER () - 1 AS INTEGER)"]
        self.con.register("_chunk", t)
        try:
            self.con.execute(f"INSERT INTO raw SELECT {', '.join(select)} FROM _chunk")
        finally:
            self.con.unregister("_chunk")

    def locate(self, c: int, p: int) -> tuple[str, str]:
        chunk = self.chunks[c]
        return chunk.path, chunk.locate(int(p))

    # -- normalise and validate ---------------------------------------------------------------
    def _table(self, name: str, columns: list[str], rows: list[tuple], types: list[str]) -> None:
        """A small Python-made table (spellings, rates) into DuckDB, ``types`` in SQL: a list
        parameter per column, unnested side by side (no Arrow, which would import pandas)."""
        cols = ", ".join(f"unnest(CAST(? AS {t}[])) AS {_q(c)}" for c, t in zip(columns, types))
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {cols}",
                         [[r[i] for r in rows] for i in range(len(columns))])

    def _normalise(self) -> None:
        con = self.con
        for d in NORMALISED:
            raws = [r[0] for r in con.execute(f"SELECT DISTINCT {_q(d)} FROM raw").fetchall()]
            rows = self.normaliser.table(d, raws)
            self._table(f"n_{d}", ["raw", "val", "err", "reason"], rows, ["VARCHAR"] * 4)
        joins = " ".join(f"JOIN n_{d} ON n_{d}.raw = raw.{_q(d)}" for d in NORMALISED)
        vals = ", ".join(f"n_{d}.val AS {_q(d)}" for d in NORMALISED)
        errs = ", ".join(f"n_{d}.err AS err_{d}, n_{d}.reason AS why_{d}" for d in NORMALISED)
        texts = ", ".join(f"trim(raw.{_q(d)}) AS {_q(d)}" for d in ("workspace", "api_key", "source"))
        counts = ", ".join(f"raw.{_q(c)}" for c in COUNTS)
        con.execute(f"CREATE VIEW normed AS SELECT {vals}, {texts}, {counts}, {errs}, raw._c, raw._p "
                    f"FROM raw {joins}")

    def _validate(self) -> int:
        """Name (or count) bad rows; returns how many rows were dropped."""
        con = self.con
        bad_value = " OR ".join(f"err_{d} IS NOT NULL" for d in NORMALISED)
        negative = " OR ".join(f"{_q(c)} < 0" for c in COUNTS)
        if not con.execute(f"SELECT count(*) FROM normed WHERE {bad_value} OR {negative}").fetchone()[0]:
            return 0
        problems = []  # (c, p, message, reason, more)
        for d in NORMALISED:
            for err, why, c, p, n in con.execute(
                    f"SELECT err_{d}, any_value(why_{d}), arg_min(_c, (_c, _p)), arg_min(_p, (_c, _p)), count(*) "
                    f"FROM normed WHERE err_{d} IS NOT NULL GROUP BY err_{d}").fetchall():
                problems.append((c, p, err, why, n))
        for col in COUNTS:
            what = "searches" if "web" in col else "requests" if col == "requests" else "tokens"
            got = con.execute(f"SELECT arg_min(_c, (_c, _p)), arg_min(_p, (_c, _p)), arg_min({_q(col)}, (_c, _p)), "
                              f"count(*) FROM normed WHERE {_q(col)} < 0").fetchone()
            if got and got[3]:
                c, p, v, n = got
                problems.append((c, p, f"{col} = {v} is negative (expected a whole number of {what} >= 0)",
                                 "negative count", n))
        if not problems:
            return 0
        problems.sort(key=lambda x: (x[0], x[1]))
        for c, p, message, reason, n in problems:
            path, where = self.locate(c, p)
            self.policy.bad(path, where, message, reason)
            self.policy.more(n - 1, reason)
        return con.execute(f"SELECT count(*) FROM normed WHERE {bad_value} OR {negative}").fetchone()[0]

    def _in_range(self) -> str:
        conds = []
        if self.since:
            conds.append(f"CAST(left(period, 10) AS DATE) >= DATE '{self.since.isoformat()}'")
        if self.until:
            conds.append(f"CAST(left(period, 10) AS DATE) <= DATE '{self.until.isoformat()}'")
        return " AND ".join(conds) or "TRUE"

    def _duplicates(self) -> int:
        """The same bucket twice (a file whose rows are buckets): an error naming both rows, or
        the first kept and the others counted. Returns how many rows were dropped."""
        con = self.con
        bucket_chunks = [i for i, ch in enumerate(self.chunks) if ch.buckets]
        if not bucket_chunks:
            con.execute("CREATE TABLE dups (_c INTEGER, _p INTEGER)")
            return 0
        self._table("bucket_chunks", ["_c"], [(i,) for i in bucket_chunks], ["INTEGER"])
        key = ", ".join(_q(d) for d in RAW_DIMENSIONS)
        con.execute(f"""CREATE TABLE dups AS
            SELECT _c, _p, first_c, first_p, rn FROM (
                SELECT _c, _p, {key},
                       row_number() OVER w AS rn,
                       first_value(_c) OVER w AS first_c, first_value(_p) OVER w AS first_p
                FROM clean WHERE _c IN (SELECT _c FROM bucket_chunks)
                WINDOW w AS (PARTITION BY {key} ORDER BY _c, _p)) WHERE rn > 1""")
        rows = con.execute("SELECT _c, _p, first_c, first_p FROM dups ORDER BY _c, _p LIMIT ?",
                           [SHOWN_DUPLICATES]).fetchall()
        if not rows:
            return 0
        total = con.execute("SELECT count(*) FROM dups").fetchone()[0]
        for c, p, fc, fp in rows:
            path, where = self.locate(c, p)
            fpath, fwhere = self.locate(fc, fp)
            first = f"{fpath} {fwhere}" if (fpath != path or c != fc) else fwhere
            what = con.execute(f"SELECT period, model, service_tier, context_tier, inference_geo, speed FROM clean "
                               f"WHERE _c = ? AND _p = ?", [c, p]).fetchone()
            self.policy.bad(path, where, f"duplicate row: the same bucket and dimensions ({', '.join(what)}) as "
                            f"{first}; it is not counted twice", "duplicate row")
        self.policy.more(total - len(rows), "duplicate row")
        return total

    def _overlaps(self) -> None:
        """Two files with usage of the same day and model: the same usage given twice."""
        paths = {i: ch.path for i, ch in enumerate(self.chunks) if ch.buckets}
        if len({*paths.values()}) < 2:
            return
        files = {p: n for n, p in enumerate(dict.fromkeys(paths.values()))}
        self._table("chunk_file", ["_c", "file"], [(c, files[p]) for c, p in paths.items()], ["INTEGER"] * 2)
        got = self.con.execute("""
            WITH cover AS (SELECT DISTINCT f.file, left(u.period, 10) AS day, u.model
                           FROM used u JOIN chunk_file f USING (_c))
            SELECT a.file, b.file, a.day, a.model FROM cover a JOIN cover b
              ON a.day = b.day AND a.model = b.model AND a.file < b.file
            ORDER BY a.day, a.model LIMIT 1""").fetchone()
        if got:
            names = list(files)
            raise InputError(f"the same usage given twice: {names[got[0]]} and {names[got[1]]} both hold "
                             f"{got[3]} usage on {got[2]}; give each period once (they would be summed)")

    # -- price and aggregate -------------------------------------------------------------------
    def _rates(self, keys) -> tuple[dict, int]:
        """The rate table for ``keys`` (model, tier, context, geo, speed)."""
        rows, meta = rate_rows(self.catalogue, keys)
        scale = min(max(scale_of(rows), 0), 12)
        dec = f"DECIMAL(38, {scale})"
        columns = ["rate_id", "model", "service_tier", "context_tier", "inference_geo", "speed", "valid_from",
                   "valid_to", "reason", "alt_reason", "missable", "is_batch",
                   *(f"{p}_{c}" for p in ("r", "a", "n") for c in PRICED)]
        types = ["INTEGER", *["VARCHAR"] * 5, "DATE", "DATE", "VARCHAR", "VARCHAR", "BOOLEAN",
                 "BOOLEAN", *[dec] * (3 * len(PRICED))]
        self._table("rates", columns, rows, types)
        self._rate_rows = {r[0]: r for r in rows}
        return meta, scale

    def finish(self) -> UsageResult:
        con = self.con
        self._normalise()
        dropped = self._validate()
        bad_value = " OR ".join(f"err_{d} IS NOT NULL" for d in NORMALISED)
        negative = " OR ".join(f"{_q(c)} < 0" for c in COUNTS)
        con.execute(f"CREATE VIEW valid AS SELECT * FROM normed WHERE NOT ({bad_value} OR {negative})")
        rows_filtered = 0
        if self.since or self.until:
            rows_filtered = con.execute(f"SELECT count(*) FROM valid WHERE NOT ({self._in_range()})").fetchone()[0]
        con.execute(f"CREATE TABLE clean AS SELECT * EXCLUDE ({', '.join(f'err_{d}, why_{d}' for d in NORMALISED)}) "
                    f"FROM valid WHERE {self._in_range()}")
        duplicates = self._duplicates()
        con.execute("CREATE VIEW used AS SELECT * FROM clean ANTI JOIN dups USING (_c, _p)")
        self._overlaps()
        result = self._sum_used()
        result.rows_filtered = rows_filtered
        result.duplicates = duplicates
        dropped += duplicates
        # Rows the readers skipped never reached the engine: they were read all the same.
        result.rows_read = self.rows_read + max(0, self.policy.count - dropped)
        result.rows_skipped = self.policy.count
        self._warn(result)
        return result

    def _sum_used(self) -> UsageResult:
        """The used rows priced and summed by the same scan as a file DuckDB reads itself
        (``scan.Scan``): their values are already normalised, and their duplicates already named."""
        cols = ", ".join([*(f"{_q(d)} AS {d}_raw" for d in NORMALISED), "workspace", "api_key", "source",
                          *(_q(c) for c in COUNTS)])
        result = Scan(self, [f"SELECT '' AS file, {cols}, 0 AS bad FROM used"], normalised=True).run()
        if result is None:
            raise AssertionError("the scan refused rows the exact path had validated")
        return result

    def sets(self) -> dict[str, tuple]:
        """Every breakdown, as the dimensions of one grouping set (each also split by rate_id)."""
        sets = {"groups": ("month",), "model": ("model",),
                "service_tier": ("service_tier",), "workspace": ("workspace",), "api_key": ("api_key",),
                "total": ()}
        if self.group_by:
            sets["group"] = self.group_by
        if self.day_lines:
            sets["day_lines"] = ("day", "workspace")
        if self.charges:
            sets["charges"] = ("day", "workspace", "api_key")
        return sets

    def plan_sets(self, sets: dict[str, tuple]) -> None:
        """``all_dims`` (every breakdown's dimensions) and ``_masks`` (GROUPING() bit mask -> the
        breakdowns with that set of dimensions), as ``_aggregate`` reads them."""
        all_dims = self.all_dims = list(dict.fromkeys(d for dims in sets.values() for d in dims))
        # GROUPING() sets a bit per dimension NOT in the set (the first dimension is the highest bit).
        masks: dict[int, list[str]] = {}
        for name, dims in sets.items():
            mask = sum(1 << (len(all_dims) - 1 - i) for i, d in enumerate(all_dims) if d not in dims)
            masks.setdefault(mask, []).append(name)
        self._masks = masks

    def _aggregate(self, meta: dict, scale: int) -> UsageResult:
        """Price each (breakdown, rate epoch) row of ``agg`` (the scan's sums) from the rate table
        and sum the breakdowns up."""
        con = self.con
        dec = "DECIMAL(38, 0)"
        sets = self.sets()
        all_dims = self.all_dims
        masks = self._masks
        keep_rate = [m for m, names in masks.items() if {"groups", "day_lines", "charges"} & set(names)]

        def dot(prefix: str) -> str:
            return " + ".join(f"CAST(g.{_q(c)} AS {dec}) * r.{prefix}_{c}" for c in PRICED)

        line_costs = ", ".join(f"sum(CASE WHEN r.reason IS NULL THEN CAST(g.{_q(c)} AS {dec}) * r.r_{c} END) AS lc_{c}"
                               for c in PRICED)
        counts = ", ".join(f"CAST(sum(g.{_q(c)}) AS HUGEINT) AS {_q(c)}" for c in COUNTS)
        rid = f"CASE WHEN g.gid IN ({', '.join(map(str, keep_rate))}) THEN g.rate_id END" if keep_rate else "NULL"
        query = f"""SELECT g.gid, {', '.join(f'g.{d}' for d in all_dims)}, {rid} AS rate_id,
                   sum(CASE WHEN r.reason IS NULL THEN {dot('r')} ELSE 0 END) AS cost,
                   sum(CASE WHEN r.is_batch THEN {dot('a')} - ({dot('r')}) ELSE 0 END) AS realised,
                   sum(CASE WHEN r.missable THEN ({dot('r')}) - ({dot('a')}) ELSE 0 END) AS missed,
                   sum(CASE WHEN r.missable THEN ({dot('r')}) - ({dot('n')}) ELSE 0 END) AS missed_nocache,
                   {counts}, sum(g.nrows) AS nrows,
                   sum(CASE WHEN r.reason IS NOT NULL THEN g.nrows ELSE 0 END) AS unpriced_rows, {line_costs},
                   min(g.first_day) AS first_day, max(g.last_day) AS last_day,
                   min(g.first_period) AS first_period, max(g.last_period) AS last_period
            FROM agg g JOIN rates r USING (rate_id)
            WHERE g.in_range GROUP BY ALL"""
        out = con.execute(query)
        names = [c[0] for c in out.description]
        records = [dict(zip(names, r)) for r in out.fetchall()]
        by_set: dict[str, list[dict]] = {name: [] for name in sets}
        for rec in records:
            for name in masks.get(rec["gid"], []):
                by_set[name].append(rec)
        # The month breakdown is the priced groups summed over their rate epochs.
        sets["month"] = ("month",)
        by_set["month"] = _merge(by_set["groups"], "month")

        def usd(v) -> Decimal:
            return Decimal(0) if v is None else Decimal(v).scaleb(-6)

        def money_of(rec) -> Money:
            cost, realised = usd(rec["cost"]), usd(rec["realised"])
            return Money(cost, cost + realised, realised, usd(rec["missed"]), usd(rec["missed_nocache"]))

        def counts_of(rec) -> dict[str, int]:
            return {c: int(rec[c] or 0) for c in COUNTS}

        def slices(name: str, dims: tuple) -> list[Slice]:
            rows = [Slice(tuple(rec[d] for d in dims), money_of(rec), counts_of(rec), int(rec["nrows"] or 0),
                          int(rec["unpriced_rows"] or 0)) for rec in by_set[name] if rec["nrows"]]
            rows.sort(key=lambda s: (-s.money.cost, s.key))
            return rows

        breakdowns = {name: slices(name, dims) for name, dims in sets.items()
                      if name not in ("groups", "total", "day_lines", "charges")}
        if self.day_lines:
            breakdowns["day_lines"] = [
                Slice((rec["day"], *self._rate_rows[rec["rate_id"]][1:6], rec["workspace"]), money_of(rec),
                      counts_of(rec), int(rec["nrows"]), int(rec["unpriced_rows"]))
                for rec in sorted(by_set["day_lines"], key=lambda r: (r["day"], r["rate_id"], r["workspace"]))]
        n = len(PRICED)
        charges = [] if self.charges else None
        for rec in sorted(by_set.get("charges", ()), key=lambda r: (r["day"], r["rate_id"], r["workspace"] or "",
                                                            r["api_key"] or "")):
            r = self._rate_rows[rec["rate_id"]]
            priced = r[8] is None
            charges.append(Charge(rec["day"], *r[1:6], rec["workspace"], rec["api_key"], counts_of(rec),
                                  tuple(r[12:12 + n]) if priced else None,
                                  tuple(usd(rec[f"lc_{c}"]) for c in PRICED) if priced else None))
        groups = []
        for rec in by_set["groups"]:
            r = self._rate_rows[rec["rate_id"]]
            _, model, tier, ctx, geo, speed = r[:6]
            priced = r[8] is None
            n = len(PRICED)
            groups.append(PricedGroup(
                rec["month"], model, tier, ctx, geo, speed, counts_of(rec), int(rec["nrows"]), rec["first_day"],
                rec["last_day"], money_of(rec), tuple(r[12:12 + n]) if priced else None,
                tuple(usd(rec[f"lc_{c}"]) for c in PRICED) if priced else None, r[8], meta.get(rec["rate_id"]),
                rec["rate_id"]))
        groups.sort(key=lambda g: (g.month, g.model, g.service_tier, g.context_tier, g.inference_geo, g.speed,
                                   g.first_day))
        total = by_set["total"][0] if by_set["total"] and by_set["total"][0]["nrows"] else None
        counts = counts_of(total) if total else {c: 0 for c in COUNTS}
        std = [s for s in breakdowns["service_tier"] if s.key == ("standard",)]
        share = None
        if std and std[0].input_tokens:
            c = std[0].counts
            share = Decimal(c["cache_read"] + c["cache_write_5m"] + c["cache_write_1h"]) * 100 / Decimal(std[0].input_tokens)
        unpriced_rows = int(total["unpriced_rows"]) if total else 0
        return UsageResult(
            catalogue_version=self.catalogue.version, rows_read=0, rows_used=int(total["nrows"]) if total else 0,
            rows_skipped=0, rows_filtered=0, rows_unpriced=unpriced_rows, duplicates=0, groups=groups,
            totals=money_of(total) if total else Money(), counts=counts, breakdowns=breakdowns,
            group_by=self.group_by, first_period=total["first_period"] if total else None,
            last_period=total["last_period"] if total else None, since=self.since, until=self.until,
            shared_prefix_input_share=share, charges=charges)

    def frame(self, relation: str = "used"):
        """The used rows grouped by every dimension (after ``finish()``), as a pandas frame."""
        dims = ", ".join(_q(d) for d in RAW_DIMENSIONS)
        sums = ", ".join(f"CAST(sum({_q(c)}) AS BIGINT) AS {_q(c)}" for c in COUNTS)
        where = "WHERE in_range" if relation != "used" else ""
        return self.con.execute(f"SELECT {dims}, {sums} FROM {relation} {where} GROUP BY ALL ORDER BY ALL").df()

    def finish_scan(self, result: UsageResult, kinds: dict[str, str], source=None) -> None:
        """Counts and notes of a one-scan result (``scan.Scan``); ``source``: the Python readers'
        source when they read the rows (its notes and stats), else the files' ``kinds``."""
        from calculator.engine.normalise import parse_period

        for attr in ("first_period", "last_period"):
            value = getattr(result, attr)
            if value is not None:
                setattr(result, attr, parse_period(value))
        # Rows the readers skipped (--skip-invalid) never reached the scan: they were read all the same.
        result.rows_read = self.rows_read + self.policy.count
        result.rows_skipped = self.policy.count
        result.duplicates = 0
        if source is None:
            class source:  # noqa: N801 - a stand-in with the attributes _warn reads
                info = ReaderInfo(source="auto", paths=list(kinds))

        source.kinds = {**getattr(source, "kinds", {}), **kinds}
        self.source = source
        self._warn(result)

    def _warn(self, result: UsageResult) -> None:
        info = getattr(self.source, "info", None)
        warnings = list(info.warnings) if info else []
        result.assumptions = list(info.assumptions) if info else []
        warnings += self.policy.warnings()
        if result.duplicates and self.policy.skip:
            warnings.append(f"{result.duplicates:,} duplicate row(s) (the same bucket twice) were not counted twice")
        unpriced = result.unpriced
        if unpriced and self.strict:
            g = unpriced[0]
            raise ModelError(f"{sum(x.rows for x in unpriced):,} row(s) cannot be priced (--strict): "
                             f"{g.model} {g.service_tier} in {g.month}: {g.reason}")
        for g in unpriced:
            tokens = sum(g.counts[c] for c in TOKEN_COUNTS)
            warnings.append(f"unpriced: {g.rows:,} row(s) of {g.model} ({g.service_tier}, {g.month}): {g.reason}; "
                            f"{tokens:,} tokens not in the totals")
        used = [self._rate_rows[g.rate_id] for g in result.groups]
        for reason in sorted({r[9] for r in used if r[8] is None and r[9]}):
            warnings.append(f"some usage has no batch counterfactual: {reason}")
        if self.rows_read == 0:
            warnings.append("no usage rows were read")
        result.warnings = warnings
        result.sources = dict(getattr(self.source, "kinds", {}) or {})
        result.stats = dict(info.stats) if info else {}


def context_name(tier: str) -> str:
    return CONTEXT_WINDOW_NAMES.get(tier, tier)


__all__ = ["UsageEngine", "UsageResult", "PricedGroup", "Slice", "Money", "COUNTS", "TOKEN_COUNTS",
           "GROUPABLE", "NOT_GROUPED", "context_name"]
