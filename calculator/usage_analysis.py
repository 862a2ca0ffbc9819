"""Pricing a Usage frame: actual spend, realised and missed batch savings, breakdowns.

The frame arrives in chunks (``calculator.usage_readers``). For each chunk:

1. dimension values are dictionary-encoded and normalised once per distinct value (a model in
   any spelling becomes its catalogue id; an unknown model, tier, context window or date is a
   bad row, named by file and line);
2. rows are grouped by their *pricing key* (period, model, service tier, context tier,
   residency, speed, source) and the int64 counts are summed exactly;
3. duplicate buckets (the same pricing key, workspace and API key twice) are detected, never
   silently added up;
4. for breakdowns by workspace, API key or ``--group-by``, each row's cost is allocated in exact
   integer units of 10^-(6+E) USD from the rates of its pricing key (E = the decimal places of
   the catalogue's per-MTok rates), then summed per group.

At the end the token sums are grouped further by (model, rate epoch, tier, context, residency,
speed, month), where a *rate epoch* is a span of days over which no rate card, long-context
window, residency or fast-mode window or web-search fee of that model changes, and each
aggregate is priced with ``calculator.costing.price_usage`` in Decimal: aggregate first, price
last. Groups that cannot be priced (a known model without a price, an undocumented service tier,
a date before the model's first price) are counted and listed, never $0.

Savings:
    standard-equivalent  every row at the standard (synchronous) tier
    realised             batch rows: standard-equivalent minus what they cost
    missed               standard-tier rows (fast mode excluded: it has no batch) moved to batch
                         with the same token split (caching stacks with batch); also shown with
                         the cached tokens billed as uncached batch input, the case where batch
                         cache hits (best effort) do not happen
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from calculator.costing import TOKEN_COLUMNS, Cost, TokenCounts, price_usage
from calculator.errors import (BatchcalcError, InputError, InvalidUsageError, ModelError,
                               UnknownModelError)
from calculator.usage_frame import (CONTEXT_SPELLINGS, COUNTS, DIMENSIONS, NOT_GROUPED,
                                    PRICING_DIMENSIONS, SPEED_SPELLINGS, TIER_SPELLINGS,
                                    TOKEN_COUNTS, Chunk, normalise_period)
from calculator.usage_readers._policy import InvalidRows
from pricing import Catalogue

PRICE_COLUMNS = (*TOKEN_COUNTS, "web_search_requests")
GROUPABLE = ("month", "day", *DIMENSIONS)
LIMB = 26  # bits per limb in exact bincount sums (float64 holds 2^26 * 2^26 exactly)
MAX_CHUNK_ROWS = 1 << LIMB
TOTAL_LIMIT = float(1 << 62)  # a count column's running total must stay below this (int64 headroom)


class _Bad(Exception):
    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def exact_group_sum(codes, values, size: int):
    """Exact int64 sums of non-negative int64 ``values`` per code.

    np.bincount adds in float64, which is exact while every partial sum stays below 2^53: one
    pass when the whole column sums below that, else the values are split into 26-bit limbs
    (a chunk has at most 2^26 rows, so each limb's sums stay exact) and recombined.
    """
    import numpy as np

    out = np.zeros(size, dtype=np.int64)
    if len(values) == 0:
        return out
    top = int(values.max())
    if top == 0:
        return out
    if top < (1 << 53) // len(values):  # the total, hence every bin, stays below 2^53
        return np.bincount(codes, weights=values.astype(np.float64), minlength=size).astype(np.int64)
    v = values
    shift = 0
    while True:
        lo = (v & ((1 << LIMB) - 1)).astype(np.float64)
        out += np.bincount(codes, weights=lo, minlength=size).astype(np.int64) << shift
        v = v >> LIMB
        shift += LIMB
        if not v.any():
            return out


class DimIndex:
    """The distinct normalised values of one dimension, and how raw spellings map to them."""

    def __init__(self, name: str, normalise):
        self.name = name
        self.normalise = normalise
        self.values: list[str] = []
        self.codes: dict[str, int] = {}
        self.raw: dict[str, object] = {}

    def code(self, value: str) -> int:
        c = self.codes.get(value)
        if c is None:
            c = self.codes[value] = len(self.values)
            self.values.append(value)
        return c

    def lut(self, dictionary: list):
        """Codes for a chunk's dictionary (-1 for a bad value) and the bad values' errors."""
        import numpy as np

        out = np.empty(len(dictionary), dtype=np.int64)
        errors = {}
        for i, raw in enumerate(dictionary):
            raw = "" if raw is None else raw
            got = self.raw.get(raw)
            if got is None:
                try:
                    got = self.code(self.normalise(raw))
                except _Bad as exc:
                    got = exc
                self.raw[raw] = got
            if isinstance(got, _Bad):
                out[i] = -1
                errors[i] = got
            else:
                out[i] = got
        return out, errors


@dataclass
class PriceKey:
    """One pricing key's rates, as exact integers per token type (units 10^-(6+E) USD per token)."""

    actual: Optional[tuple[Decimal, ...]]  # USD per MTok per PRICE_COLUMNS (web search: USD each x 1e6)
    alt: Optional[tuple[Decimal, ...]]  # the other tier: batch -> standard, standard -> batch
    reason: Optional[str]  # why unpriced
    alt_reason: Optional[str]
    is_batch: bool
    missable: bool  # standard tier at standard speed: could have been a batch


@dataclass
class Aggregate:
    """Token sums of one priced group: (model, epoch, tier, context, geo, speed, month)."""

    model: str
    service_tier: str
    context_tier: str
    inference_geo: str
    speed: str
    month: str
    on: dt.date  # a day of the group (rates are constant over it)
    counts: dict[str, int]
    rows: int
    first_day: Optional[dt.date] = None
    last_day: Optional[dt.date] = None
    actual: Optional[Cost] = None
    alt: Optional[Cost] = None  # standard-equivalent (batch rows) or batch counterfactual
    alt_nocache: Optional[Cost] = None  # batch counterfactual with cache tokens as uncached input
    reason: Optional[str] = None

    @property
    def tokens(self) -> TokenCounts:
        return TokenCounts(**{c: self.counts[c] for c in PRICE_COLUMNS})

    @property
    def priced(self) -> bool:
        return self.actual is not None


@dataclass
class Money:
    """The four headline figures for any slice."""

    cost: Decimal = Decimal(0)
    standard_equivalent: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)
    missed: Decimal = Decimal(0)
    missed_without_cache: Decimal = Decimal(0)

    def add(self, other: "Money") -> None:
        self.cost += other.cost
        self.standard_equivalent += other.standard_equivalent
        self.realised += other.realised
        self.missed += other.missed
        self.missed_without_cache += other.missed_without_cache


@dataclass
class GroupRow:
    key: tuple[str, ...]
    money: Money
    input_tokens: int
    output_tokens: int
    rows: int
    unpriced_rows: int


@dataclass
class UsageResult:
    catalogue_version: str
    rows_read: int
    rows_used: int
    rows_skipped: int
    rows_filtered: int
    rows_unpriced: int
    duplicates: int
    aggregates: list[Aggregate]
    totals: Money
    breakdowns: dict[str, list[GroupRow]]  # "workspace", "api_key", "group" -> rows by cost
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

    @property
    def unpriced(self) -> list[Aggregate]:
        return [a for a in self.aggregates if not a.priced]


def _norm_text(raw: str) -> str:
    return raw.strip()


class UsageAnalyser:
    """Consumes chunks of a Usage frame; ``finish()`` prices the aggregates."""

    def __init__(self, catalogue: Catalogue, *, since: Optional[dt.date] = None,
                 until: Optional[dt.date] = None, policy: Optional[InvalidRows] = None,
                 skip_invalid: bool = False, group_by: tuple[str, ...] = (),
                 keep_frame: bool = False, strict: bool = False,
                 frame_dims: tuple[str, ...] = DIMENSIONS):
        import numpy as np

        self.np = np
        self.catalogue = catalogue
        self.since, self.until = since, until
        self.policy = policy or InvalidRows(skip_invalid)
        self.strict = strict
        for g in group_by:
            if g not in GROUPABLE:
                raise InputError(f"--group-by {g!r}: expected any of {', '.join(GROUPABLE)}")
        self.group_by = tuple(group_by)
        self.keep_frame = keep_frame
        # With keep_frame, the frame keeps these dimensions (the others become ""): each chunk is
        # grouped by them as it arrives, so a frame without api_key stays small.
        self.frame_dims = tuple(frame_dims)
        self._frames: list = []
        tiers = {"standard", "batch", NOT_GROUPED, *catalogue.meta.unpriced_service_tiers}
        self.dims = {
            "period": DimIndex("period", self._norm_period),
            "model": DimIndex("model", self._norm_model),
            "service_tier": DimIndex("service_tier", lambda r: self._norm_choice(
                r, TIER_SPELLINGS, tiers, "service tier")),
            "context_tier": DimIndex("context_tier", lambda r: self._norm_choice(
                r, CONTEXT_SPELLINGS, set(), "context window")),
            "inference_geo": DimIndex("inference_geo", lambda r: (r.strip().lower() or "global")
                                      if r.strip().lower() not in ("not_available", "none") else "global"),
            "speed": DimIndex("speed", lambda r: self._norm_choice(r, SPEED_SPELLINGS, set(), "speed")),
            "workspace": DimIndex("workspace", _norm_text),
            "api_key": DimIndex("api_key", _norm_text),
            "source": DimIndex("source", _norm_text),
        }
        self.defaults = {"period": None, "model": None, "service_tier": "standard", "context_tier": "",
                         "inference_geo": "global", "speed": "standard", "workspace": "",
                         "api_key": "", "source": "usage"}
        # pricing keys
        self.pk_index: dict[tuple[int, ...], int] = {}
        self.pk_tuples: list[tuple[int, ...]] = []
        self.pk_rates: list[PriceKey] = []
        self.pk_counts = np.zeros((0, len(COUNTS) + 1), dtype=np.int64)  # + source rows
        self.pk_chunks: list[list[int]] = []  # the earlier chunks each key was seen in
        self._rate_cache: dict[tuple, PriceKey] = {}
        self._epochs: dict[str, list[dt.date]] = {}
        self.exp = 4  # rates are exact integers at 10^-exp USD per MTok
        self._int_tables = None
        # dedup memory: per chunk (keys, pks, locate, path, kept-row positions)
        self._seen: list[tuple] = []
        # breakdown accumulators: name -> (dims, {group tuple: index}, [tuples], object arrays)
        self._groups: dict[str, dict] = {}
        for name, dims in self.breakdown_specs().items():
            self._groups[name] = {"dims": dims, "index": {}, "tuples": [], "sums": None}
        self._totals: dict[str, float] = {}
        self.rows_read = 0
        self.rows_used = 0
        self.rows_filtered = 0
        self.duplicates = 0
        self.dropped = 0  # rows read into chunks, then skipped here (bad values, duplicates)
        self.chunks = 0
        self._period_in_range = np.zeros(0, dtype=bool)
        self._month_of_period: list[int] = []
        self._months = DimIndex("month", lambda r: r)
        self._days = DimIndex("day", lambda r: r)
        self._day_of_period: list[int] = []

    # -- normalisation ------------------------------------------------------------------
    def _norm_period(self, raw: str) -> str:
        p = normalise_period(raw)
        if p is None:
            raise _Bad(f"date {raw!r} is not a date (expected YYYY-MM-DD or an ISO timestamp)", "bad date")
        return p

    def _norm_model(self, raw: str) -> str:
        if raw == NOT_GROUPED:
            return raw
        if not raw.strip():
            raise _Bad("the model is empty", "unknown model")
        try:
            return self.catalogue.model(raw.strip()).id
        except UnknownModelError as exc:
            raise _Bad(str(exc), "unknown model") from None

    @staticmethod
    def _norm_choice(raw: str, spellings: dict, extra: set, what: str) -> str:
        key = raw.strip().lower()
        for k in (key, key.replace(" ", "_").replace("-", "_")):  # "Batch API", "message-batches"
            if k in spellings:
                return spellings[k]
            if k in extra:
                return k
        if raw == NOT_GROUPED:
            return raw
        known = sorted({*spellings.values(), *(e for e in extra if e != NOT_GROUPED)})
        raise _Bad(f"unknown {what} {raw!r} (expected {', '.join(known)})", f"unknown {what}")

    def breakdown_specs(self) -> dict[str, tuple[str, ...]]:
        specs = {"workspace": ("workspace",), "api_key": ("api_key",)}
        if self.group_by:
            specs["group"] = self.group_by
        return specs

    # -- rates --------------------------------------------------------------------------
    def _epoch(self, model_id: str, day: dt.date) -> int:
        bounds = self._epochs.get(model_id)
        if bounds is None:
            cat = self.catalogue
            dates = set()
            try:
                m = cat.model(model_id)
                windows = [*m.rate_cards, *m.fast_mode, *m.min_cacheable_history]
                for card in m.rate_cards:
                    windows.extend(card.long_context)
            except BatchcalcError:
                windows = []
            windows += [*cat.meta.residency, *cat.meta.web_search]
            for w in windows:
                for d in (w.effective_from, w.effective_to):
                    if d is not None:
                        dates.add(d)
            bounds = self._epochs[model_id] = sorted(dates)
        return bisect.bisect_right(bounds, day)

    def _resolve(self, model: str, day: dt.date, tier: str, ctx: str, geo: str, speed: str):
        """(rates per PRICE_COLUMNS in USD per MTok, None) or (None, reason)."""
        if model == NOT_GROUPED:
            return None, "the export is not grouped by model"
        if tier == NOT_GROUPED:
            return None, "the export is not grouped by service tier"
        try:
            r = self.catalogue.resolve(model, day, service_tier=tier, long_context=ctx == "long",
                                       inference_geo=geo, speed=None if speed == "standard" else speed)
            fee = self.catalogue.web_search_fee(day)
        except (ModelError, InvalidUsageError) as exc:
            return None, str(exc)
        ws = Decimal(0) if fee is None else fee.usd / fee.per * 1_000_000
        return tuple(r.rates.get(TOKEN_COLUMNS[c]) for c in TOKEN_COUNTS) + (ws,), None

    def _price_key(self, pk: tuple[int, ...]) -> PriceKey:
        d = self.dims
        period, model, tier, ctx, geo, speed, _source = (d[n].values[c] for n, c in zip(PRICING_DIMENSIONS, pk))
        day = dt.date.fromisoformat(period[:10])
        cache_key = (model, self._epoch(model, day), tier, ctx, geo, speed)
        got = self._rate_cache.get(cache_key)
        if got is None:
            actual, reason = self._resolve(model, day, tier, ctx, geo, speed)
            alt = alt_reason = None
            if actual is not None and tier in ("standard", "batch"):
                other = "batch" if tier == "standard" else "standard"
                if tier == "standard" and speed == "fast":
                    alt_reason = "fast mode has no batch equivalent"
                else:
                    alt, alt_reason = self._resolve(model, day, other, ctx, geo, speed)
            got = PriceKey(actual, alt, reason, alt_reason, tier == "batch",
                           tier == "standard" and speed == "standard" and alt is not None)
            self._rate_cache[cache_key] = got
        return got

    def _ints(self, rates: tuple[Decimal, ...]) -> list[int]:
        while True:
            scaled = [r.scaleb(self.exp) for r in rates]
            if all(s == s.to_integral_value() for s in scaled):
                return [int(s) for s in scaled]
            self._rescale(self.exp + 1)

    def _rescale(self, exp: int) -> None:
        factor = 10 ** (exp - self.exp)
        for g in self._groups.values():
            if g["sums"] is not None:
                g["sums"][:, :3] *= factor
        self.exp = exp
        self._int_tables = None

    def _tables(self):
        """Per pricing key: int rates (actual, alt) per PRICE_COLUMNS, and flags; grown as keys appear."""
        np = self.np
        n = len(self.pk_rates)
        t = self._int_tables
        if t is None or t["exp"] != self.exp:
            t = self._int_tables = {"exp": self.exp, "n": 0, "cap": 0}
        if t["n"] == n:
            return t["priced"][:n], t["ra"][:, :n], t["rb"][:, :n], t["is_batch"][:n], t["missable"][:n]
        if n > t["cap"]:
            cap = max(1024, 2 * n)
            grown = {"priced": np.zeros(cap, dtype=bool), "is_batch": np.zeros(cap, dtype=bool),
                     "missable": np.zeros(cap, dtype=bool),
                     "ra": np.zeros((len(PRICE_COLUMNS), cap), dtype=np.int64),
                     "rb": np.zeros((len(PRICE_COLUMNS), cap), dtype=np.int64)}
            for k, v in grown.items():
                if t["n"]:
                    v[..., : t["n"]] = t[k][..., : t["n"]]
            t.update(grown)
            t["cap"] = cap
        exp = self.exp
        ints: dict[int, tuple] = t.setdefault("ints", {})  # id(PriceKey) -> int rates (few distinct)
        for i in range(t["n"], n):
            p = self.pk_rates[i]
            if p.actual is None:
                continue
            got = ints.get(id(p))
            if got is None:
                a = self._ints(p.actual)
                got = ints[id(p)] = (a, self._ints(p.alt) if p.alt is not None else a)
            a, b = got
            if self.exp != exp:  # a rate needed more decimal places: rebuild at the new scale
                self._int_tables = None
                return self._tables()
            t["priced"][i] = True
            t["ra"][:, i] = a
            t["rb"][:, i] = b
            t["is_batch"][i] = p.is_batch and p.alt is not None
            t["missable"][i] = p.missable
        t["n"] = n
        return t["priced"][:n], t["ra"][:, :n], t["rb"][:, :n], t["is_batch"][:n], t["missable"][:n]

    # -- chunks -------------------------------------------------------------------------
    def consume(self, source) -> None:
        self.source = source
        for chunk in source.chunks():
            self.add_chunk(chunk)

    def _encode(self, chunk: Chunk, name: str, n: int):
        """Global codes of one dimension for every row (-1 where the value is bad), and the bad
        values with their rows. Each arrow chunk's dictionary is mapped once, not each row."""
        import pyarrow as pa
        import pyarrow.compute as pc

        np = self.np
        t = chunk.table
        index = self.dims[name]
        bad: dict[str, list] = {}
        if name not in t.column_names:
            default = self.defaults[name]
            if default is None:
                raise InputError(f"no {name} in this export", path=chunk.path)
            lut, errors = index.lut([default])
            for err in errors.values():
                bad[str(err)] = [err, [np.arange(n)]]
            return np.full(n, lut[0], dtype=np.int64), bad
        parts = []
        offset = 0
        for arr in t[name].chunks:
            if not pa.types.is_dictionary(arr.type):
                if arr.null_count:
                    arr = pc.fill_null(arr, "")
                arr = pc.dictionary_encode(arr)
            indices = arr.indices.to_numpy(zero_copy_only=False)
            lut, errors = index.lut(arr.dictionary.to_pylist())
            parts.append(lut[indices])
            for di, err in errors.items():
                bad.setdefault(str(err), [err, []])[1].append(offset + np.flatnonzero(indices == di))
            offset += len(arr)
        codes = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return codes, bad

    def add_chunk(self, chunk: Chunk) -> None:
        np = self.np
        t = chunk.table
        n = t.num_rows
        if n == 0:
            return
        if n > MAX_CHUNK_ROWS:
            raise ValueError("chunk too large")
        self.chunks += 1
        self.rows_read += n
        bad = None
        codes = {}
        for name in DIMENSIONS:
            c, errors = self._encode(chunk, name, n)
            if errors:
                # Name the first row of each bad value; with --skip-invalid count the others.
                for err, row_parts in sorted(errors.values(), key=lambda e: int(e[1][0][0])):
                    rows = np.concatenate(row_parts)
                    self.policy.bad(chunk.path, chunk.locate(int(rows.min())), str(err), err.reason)
                    self.policy.more(len(rows) - 1, err.reason)
                bad = (c < 0) if bad is None else (bad | (c < 0))
            codes[name] = c
        counts = {}
        for name in COUNTS:
            if name in t.column_names:
                col = t[name]
                arr = col.to_numpy() if col.num_chunks == 1 else col.combine_chunks().to_numpy()
                arr = arr.astype(np.int64, copy=False)
            else:
                arr = np.zeros(n, dtype=np.int64)
            if n and arr.min() < 0:
                neg = np.flatnonzero(arr < 0)
                what = "searches" if "web" in name else "requests" if name == "requests" else "tokens"
                self.policy.bad(chunk.path, chunk.locate(int(neg[0])),
                                f"{name} = {int(arr[neg[0]])} is negative (expected a whole number of "
                                f"{what} >= 0)", "negative count")
                self.policy.more(len(neg) - 1, "negative count")
                bad = (arr < 0) if bad is None else (bad | (arr < 0))
            counts[name] = arr
        positions = np.arange(n)
        if bad is not None and bad.any():
            keep = ~bad
            self.dropped += int(bad.sum())
            codes = {k: v[keep] for k, v in codes.items()}
            counts = {k: v[keep] for k, v in counts.items()}
            positions = positions[keep]
        # --since / --until
        if self.since or self.until:
            in_range = self._period_mask()
            keep = in_range[codes["period"]]
            if not keep.all():
                self.rows_filtered += int((~keep).sum())
                codes = {k: v[keep] for k, v in codes.items()}
                counts = {k: v[keep] for k, v in counts.items()}
                positions = positions[keep]
        m = len(positions)
        if m == 0:
            return
        pk_rows, chunk_pks = self._pricing_keys(codes)
        # duplicates
        if chunk.buckets:
            keys = self._dup_keys(pk_rows, codes)
            drop = self._duplicates(chunk, keys, pk_rows, chunk_pks, positions)
            if drop is not None:
                keep = ~drop
                codes = {k: v[keep] for k, v in codes.items()}
                counts = {k: v[keep] for k, v in counts.items()}
                pk_rows, keys, positions = pk_rows[keep], keys[keep], positions[keep]
            self._seen.append((keys, pk_rows, chunk.locate, chunk.path, positions))
            for p in chunk_pks:
                self.pk_chunks[p].append(len(self._seen) - 1)
        m = len(positions)
        if m == 0:
            return
        self._check_totals(chunk, counts, positions)
        self.rows_used += m
        # exact token sums per pricing key
        size = len(self.pk_rates)
        if self.pk_counts.shape[0] < size:
            grown = np.zeros((size, self.pk_counts.shape[1]), dtype=np.int64)
            grown[: self.pk_counts.shape[0]] = self.pk_counts
            self.pk_counts = grown
        for j, name in enumerate(COUNTS):
            if counts[name].any():
                self.pk_counts[:, j] += exact_group_sum(pk_rows, counts[name], size)
        self.pk_counts[:, len(COUNTS)] += np.bincount(pk_rows, minlength=size)
        self._allocate(codes, counts, pk_rows)
        if self.keep_frame:
            if self.frame_dims != DIMENSIONS:
                import pandas as pd

                df = pd.DataFrame({**{d: codes[d] for d in self.frame_dims}, **counts})
                g = df.groupby(list(self.frame_dims), sort=False)[list(COUNTS)].sum().reset_index()
                codes = {d: g[d].to_numpy() for d in self.frame_dims}
                counts = {c: g[c].to_numpy() for c in COUNTS}
            self._frames.append((codes, counts))

    def _check_totals(self, chunk: Chunk, counts, positions) -> None:
        """Refuse counts whose running total would leave int64: the sums would wrap around
        silently (two rows of 2^63 - 1 tokens add up to -2). Every per-key sum is at most its
        column's total, so bounding the totals (in float64, exact enough for a bound) is enough."""
        np = self.np
        for name in COUNTS:
            arr = counts[name]
            total = self._totals.get(name, 0.0) + float(arr.sum(dtype=np.float64))
            if total >= TOTAL_LIMIT:
                i = int(np.argmax(arr))
                raise InputError(f"the {name} counts add up to more than 2^62 ({total:.3g}); the largest is "
                                 f"{int(arr[i]):,} at {chunk.locate(int(positions[i]))}: not a real export?",
                                 path=chunk.path)
            self._totals[name] = total

    def _period_mask(self):
        np = self.np
        vals = self.dims["period"].values
        if len(self._period_in_range) != len(vals):
            out = np.zeros(len(vals), dtype=bool)
            for i, p in enumerate(vals):
                day = dt.date.fromisoformat(p[:10])
                out[i] = (self.since is None or day >= self.since) and (self.until is None or day <= self.until)
            self._period_in_range = out
        return self._period_in_range

    def _pricing_keys(self, codes):
        """Global pricing-key id of every row, and the distinct ids of this chunk."""
        import pandas as pd

        np = self.np
        sizes = [max(1, len(self.dims[d].values)) for d in PRICING_DIMENSIONS]
        total = 1
        for s in sizes:
            total *= s
        if total >= 2 ** 62:
            raise InputError("too many distinct dimension values to aggregate")
        combined = np.zeros(len(codes["period"]), dtype=np.int64)
        for d, s in zip(PRICING_DIMENSIONS, sizes):
            combined = combined * s + codes[d]
        inv, uniq = pd.factorize(combined)
        parts = np.unravel_index(uniq, sizes) if len(uniq) else [np.zeros(0, dtype=np.int64) for _ in sizes]
        lut = np.empty(len(uniq), dtype=np.int64)
        for i, tup in enumerate(zip(*(p.tolist() for p in parts))):
            g = self.pk_index.get(tup)
            if g is None:
                g = self.pk_index[tup] = len(self.pk_tuples)
                self.pk_tuples.append(tup)
                self.pk_rates.append(self._price_key(tup))
                self.pk_chunks.append([])
            lut[i] = g
        return lut[inv], lut

    def _dup_keys(self, pk_rows, codes):
        np = self.np
        ws, key = codes["workspace"], codes["api_key"]
        if len(self.pk_tuples) < (1 << 23) and len(self.dims["workspace"].values) < (1 << 20) \
                and len(self.dims["api_key"].values) < (1 << 20):
            return (pk_rows << 40) | (ws << 20) | key
        # Beyond those sizes: a 64-bit mix of the three codes (a collision is ~n^2/2^64 unlikely).
        x = (pk_rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (ws.astype(np.uint64) << np.uint64(32)) ^ key.astype(np.uint64)
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(29)
        return x.view(np.int64)

    def _duplicates(self, chunk, keys, pk_rows, chunk_pks, positions):
        """Rows that repeat a bucket already seen: an error, or dropped with --skip-invalid."""
        import pandas as pd

        np = self.np
        dup = pd.Series(keys).duplicated(keep="first").to_numpy()
        earlier_chunk = [p for p in chunk_pks.tolist() if self.pk_chunks[p]]
        if earlier_chunk:
            shared = np.zeros(len(self.pk_rates), dtype=bool)
            shared[earlier_chunk] = True
            mine = shared[pk_rows]
            if mine.any():
                seen_in = sorted({c for p in earlier_chunk for c in self.pk_chunks[p]})
                prev = [self._seen[c][0][shared[self._seen[c][1]]] for c in seen_in]
                prev = np.concatenate(prev) if prev else np.zeros(0, dtype=np.int64)
                dup = dup | (mine & np.isin(keys, prev))
        if not dup.any():
            return None
        rows = np.flatnonzero(dup)
        self.duplicates += len(rows)
        self.dropped += len(rows)
        for r in rows[:5]:  # the first ones are described (and the very first is the error)
            first = self._first_location(keys[r], keys[:r], chunk, positions)
            what = self._describe(pk_rows[r])
            self.policy.bad(chunk.path, chunk.locate(int(positions[r])),
                            f"duplicate row: the same bucket and dimensions ({what}) as {first}; "
                            f"it is not counted twice", "duplicate row")
        self.policy.more(len(rows) - 5, "duplicate row")
        return dup

    def _first_location(self, key, earlier_keys, chunk, positions) -> str:
        np = self.np
        for keys, _pk, locate, path, pos in self._seen:
            hit = np.flatnonzero(keys == key)
            if len(hit):
                return f"{path} {locate(int(pos[hit[0]]))}"
        hit = np.flatnonzero(earlier_keys == key)
        if len(hit):
            return chunk.locate(int(positions[hit[0]]))
        return "an earlier row"

    def _describe(self, pk: int) -> str:
        tup = self.pk_tuples[pk]
        vals = [self.dims[d].values[c] for d, c in zip(PRICING_DIMENSIONS, tup)]
        return ", ".join(vals[:6])

    # -- allocations (breakdowns) -------------------------------------------------------
    def _derived(self, name: str, codes):
        np = self.np
        if name in codes:
            return codes[name], self.dims[name]
        periods = self.dims["period"].values
        index, lookup = (self._months, self._month_of_period) if name == "month" else (self._days, self._day_of_period)
        while len(lookup) < len(periods):
            p = periods[len(lookup)]
            lookup.append(index.code(p[:7] if name == "month" else p[:10]))
        return np.asarray(lookup, dtype=np.int64)[codes["period"]], index

    def _allocate(self, codes, counts, pk_rows) -> None:
        import pandas as pd

        np = self.np
        priced, ra, rb, is_batch, missable = self._tables()
        m = len(pk_rows)
        # overflow guard: the largest count times the largest rate must fit in int64
        biggest = max(int(counts[c].max()) for c in PRICE_COLUMNS)
        use_object = biggest * max(int(ra.max(initial=0)), int(rb.max(initial=0)), 1) >= (1 << 62)
        dtype = object if use_object else np.int64
        ua = np.zeros(m, dtype=dtype)
        ub = np.zeros(m, dtype=dtype)
        for j, c in enumerate(PRICE_COLUMNS):
            x = counts[c]
            if not x.any():
                continue
            x = x.astype(dtype)
            ua += x * ra[j][pk_rows].astype(dtype)
            ub += x * rb[j][pk_rows].astype(dtype)
        batch_rows = is_batch[pk_rows]
        miss_rows = missable[pk_rows]
        zero = np.zeros(m, dtype=dtype)
        realised = np.where(batch_rows, ub - ua, zero)
        missed = np.where(miss_rows, ua - ub, zero)
        unpriced = (~priced[pk_rows]).astype(np.int64)
        input_tokens = counts["uncached_input"] + counts["cache_write_5m"] + counts["cache_write_1h"] + counts["cache_read"]
        columns = [ua, realised, missed, input_tokens, counts["output"], np.ones(m, dtype=np.int64), unpriced]
        for name, g in self._groups.items():
            dims = g["dims"]
            parts = [self._derived(d, codes) for d in dims]
            if len(parts) == 1:
                gcodes, idx = parts[0]
                size = len(idx.values)
                known = g.setdefault("lut", [])
                for c in range(len(known), size):
                    tup = (c,)
                    gi = g["index"].get(tup)
                    if gi is None:
                        gi = g["index"][tup] = len(g["tuples"])
                        g["tuples"].append(tup)
                    known.append(gi)
                lut = np.asarray(known, dtype=np.int64)
                inv = gcodes
            else:
                sizes = [max(1, len(ix.values)) for _, ix in parts]
                combined = np.zeros(m, dtype=np.int64)
                for (c, _), s in zip(parts, sizes):
                    combined = combined * s + c
                inv, uniq = pd.factorize(combined)
                size = len(uniq)
                decoded = np.unravel_index(uniq, sizes) if size else [np.zeros(0, dtype=np.int64) for _ in sizes]
                lut = np.empty(size, dtype=np.int64)
                for i, tup in enumerate(zip(*(p.tolist() for p in decoded))):
                    gi = g["index"].get(tup)
                    if gi is None:
                        gi = g["index"][tup] = len(g["tuples"])
                        g["tuples"].append(tup)
                    lut[i] = gi
            ng = len(g["tuples"])
            sums = g["sums"]
            if sums is None or sums.shape[0] < ng:
                grown = np.zeros((ng, len(columns)), dtype=object)
                if sums is not None:
                    grown[: sums.shape[0]] = sums
                else:
                    grown[:] = 0
                g["sums"] = sums = grown
            for j, col in enumerate(columns):
                if j < 3:
                    if use_object:
                        part = pd.Series(col).groupby(inv).sum()
                        local = np.zeros(size, dtype=object)
                        local[:] = 0
                        local[part.index.to_numpy()] = part.to_numpy()
                    elif m == 0 or col.min() >= 0:
                        local = exact_group_sum(inv, col, size).astype(object)
                    else:
                        # a saving can be negative (a custom rate card): exact sums of both signs
                        pos = exact_group_sum(inv, np.where(col > 0, col, 0), size)
                        neg = exact_group_sum(inv, np.where(col < 0, -col, 0), size)
                        local = pos.astype(object) - neg.astype(object)
                elif j == 5:  # rows: a plain count
                    local = np.bincount(inv, minlength=size).astype(object)
                else:
                    local = exact_group_sum(inv, col.astype(np.int64, copy=False), size).astype(object)
                sums[lut, j] += local

    # -- results ------------------------------------------------------------------------
    def _aggregates(self) -> list[Aggregate]:
        groups: dict[tuple, Aggregate] = {}
        d = self.dims
        for i, tup in enumerate(self.pk_tuples):
            row = self.pk_counts[i]
            if row[len(COUNTS)] == 0:
                continue
            period, model, tier, ctx, geo, speed, _source = (d[n].values[c] for n, c in zip(PRICING_DIMENSIONS, tup))
            day = dt.date.fromisoformat(period[:10])
            key = (model, self._epoch(model, day) if model != NOT_GROUPED else 0, tier, ctx, geo, speed, period[:7])
            agg = groups.get(key)
            if agg is None:
                agg = groups[key] = Aggregate(model, tier, ctx, geo, speed, period[:7], day,
                                              {c: 0 for c in COUNTS}, 0)
            for j, c in enumerate(COUNTS):
                agg.counts[c] += int(row[j])
            agg.rows += int(row[len(COUNTS)])
            agg.first_day = day if agg.first_day is None else min(agg.first_day, day)
            agg.last_day = day if agg.last_day is None else max(agg.last_day, day)
        out = sorted(groups.values(), key=lambda a: (a.month, a.model, a.service_tier, a.context_tier,
                                                     a.inference_geo, a.speed))
        for a in out:
            self._price(a)
        return out

    def _price(self, a: Aggregate) -> None:
        rates = self._price_key_for(a)
        if rates.actual is None:
            a.reason = rates.reason
            return
        usage = a.tokens
        speed = None if a.speed == "standard" else a.speed
        kw = dict(long_context=a.context_tier == "long", inference_geo=a.inference_geo)
        a.actual = price_usage(self.catalogue, a.model, a.on, usage, service_tier=a.service_tier,
                               speed=speed, **kw)
        if rates.alt is None:
            return
        other = "batch" if a.service_tier == "standard" else "standard"
        a.alt = price_usage(self.catalogue, a.model, a.on, usage, service_tier=other,
                            speed=speed if other == "standard" else None, **kw)
        if other == "batch":
            uncached = TokenCounts(uncached_input=usage.total_input, output=usage.output,
                                   web_search_requests=usage.web_search_requests)
            a.alt_nocache = price_usage(self.catalogue, a.model, a.on, uncached, service_tier="batch", **kw)

    def _price_key_for(self, a: Aggregate) -> PriceKey:
        cache_key = (a.model, self._epoch(a.model, a.on) if a.model != NOT_GROUPED else 0,
                     a.service_tier, a.context_tier, a.inference_geo, a.speed)
        got = self._rate_cache.get(cache_key)
        if got is None:  # not reached: every aggregate's key was resolved while reading
            actual, reason = self._resolve(a.model, a.on, a.service_tier, a.context_tier, a.inference_geo, a.speed)
            got = PriceKey(actual, None, reason, None, False, False)
        return got

    @staticmethod
    def money_of(a: Aggregate) -> Money:
        m = Money()
        if not a.priced:
            return m
        m.cost = a.actual.total
        m.standard_equivalent = m.cost
        if a.alt is not None:
            if a.service_tier == "batch":
                m.standard_equivalent = a.alt.total
                m.realised = a.alt.total - m.cost
            elif a.speed == "standard":
                m.missed = m.cost - a.alt.total
                m.missed_without_cache = m.cost - a.alt_nocache.total
        return m

    def _unit_money(self, v) -> Decimal:
        return Decimal(int(v)).scaleb(-(6 + self.exp))

    def _breakdown_rows(self, name: str) -> list[GroupRow]:
        g = self._groups[name]
        if g["sums"] is None:
            return []
        rows = []
        for tup, gi in g["index"].items():
            s = g["sums"][gi]
            if int(s[5]) == 0:
                continue
            vals = []
            for d, c in zip(g["dims"], tup):
                idx = self._months if d == "month" else self._days if d == "day" else self.dims[d]
                vals.append(idx.values[c])
            cost, realised, missed = (self._unit_money(s[j]) for j in range(3))
            rows.append(GroupRow(tuple(vals), Money(cost, cost + realised, realised, missed),
                                 int(s[3]), int(s[4]), int(s[5]), int(s[6])))
        rows.sort(key=lambda r: (-r.money.cost, r.key))
        return rows

    def finish(self) -> UsageResult:
        aggregates = self._aggregates()
        totals = Money()
        for a in aggregates:
            totals.add(self.money_of(a))
        unpriced = [a for a in aggregates if not a.priced]
        if unpriced and self.strict:
            a = unpriced[0]
            raise ModelError(f"{sum(x.rows for x in unpriced):,} row(s) cannot be priced (--strict): "
                             f"{a.model} {a.service_tier} in {a.month}: {a.reason}")
        breakdowns = {name: self._breakdown_rows(name) for name in self._groups}
        used_periods = sorted({self.dims["period"].values[t[0]] for i, t in enumerate(self.pk_tuples)
                               if self.pk_counts[i][len(COUNTS)]})
        std_input = sum(a.tokens.total_input for a in aggregates if a.service_tier == "standard")
        cached_input = sum(a.counts["cache_read"] + a.counts["cache_write_5m"] + a.counts["cache_write_1h"]
                           for a in aggregates if a.service_tier == "standard")
        share = (Decimal(cached_input) * 100 / Decimal(std_input)) if std_input else None
        info = getattr(getattr(self, "source", None), "info", None)
        warnings = list(info.warnings) if info else []
        assumptions = list(info.assumptions) if info else []
        warnings += self.policy.warnings()
        if self.duplicates and self.policy.skip:
            warnings.append(f"{self.duplicates:,} duplicate row(s) (the same bucket twice) were not counted twice")
        for a in unpriced:
            warnings.append(f"unpriced: {a.rows:,} row(s) of {a.model} ({a.service_tier}, {a.month}): {a.reason}; "
                            f"{a.tokens.total_input + a.tokens.output:,} tokens not in the totals")
        alt_missing = {self._rate_cache.get(k).alt_reason for k in self._rate_cache
                       if self._rate_cache[k].actual is not None and self._rate_cache[k].alt is None
                       and self._rate_cache[k].alt_reason}
        for reason in sorted(r for r in alt_missing if r):
            warnings.append(f"some usage has no batch counterfactual: {reason}")
        if self.rows_read == 0:
            warnings.append("no usage rows were read")
        # Rows the readers skipped never reached a chunk: they were read all the same.
        rows_read = self.rows_read + max(0, self.policy.count - self.dropped)
        return UsageResult(
            catalogue_version=self.catalogue.version, rows_read=rows_read, rows_used=self.rows_used,
            rows_skipped=self.policy.count, rows_filtered=self.rows_filtered,
            rows_unpriced=sum(a.rows for a in unpriced), duplicates=self.duplicates,
            aggregates=aggregates, totals=totals, breakdowns=breakdowns, group_by=self.group_by,
            first_period=used_periods[0] if used_periods else None,
            last_period=used_periods[-1] if used_periods else None,
            since=self.since, until=self.until, shared_prefix_input_share=share,
            warnings=warnings, assumptions=assumptions,
            sources=dict(getattr(getattr(self, "source", None), "kinds", {}) or {}),
            stats=dict(info.stats) if info else {})

    def frame(self):
        """The canonical Usage frame (pandas), one row per distinct dimension combination."""
        import pandas as pd

        np = self.np
        if not self._frames:
            return pd.DataFrame({**{d: pd.Series([], dtype="category") for d in DIMENSIONS},
                                 **{c: pd.Series([], dtype="int64") for c in COUNTS}})
        cols = {}
        n = sum(len(f[1]["output"]) for f in self._frames)
        for d in DIMENSIONS:
            if d in self.frame_dims:
                cols[d] = pd.Categorical.from_codes(np.concatenate([f[0][d] for f in self._frames]),
                                                    categories=self.dims[d].values)
            else:
                cols[d] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[""])
        for c in COUNTS:
            cols[c] = np.concatenate([f[1][c] for f in self._frames])
        df = pd.DataFrame(cols)
        return df.groupby(list(DIMENSIONS), observed=True, sort=True)[list(COUNTS)].sum().reset_index()


def analyse_usage(source, catalogue: Catalogue, *, since=None, until=None, group_by=(), strict=False) -> UsageResult:
    """Read every chunk of ``source`` (a ``calculator.usage_readers.UsageSource``) and price it."""
    analyser = UsageAnalyser(catalogue, since=since, until=until, policy=source.policy,
                             group_by=tuple(group_by), strict=strict)
    analyser.consume(source)
    return analyser.finish()
