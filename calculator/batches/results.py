"""What each Message Batch cost and how it ran, from its batch object and its results.

Inputs (data-formats.md section 5): batch objects as ``client.messages.batches.retrieve``
returns them (one object, a list, or a ``{"data": [...]}`` page of ``.list()``), and the results
JSONL of each batch, named after its id (``msgbatch_....jsonl``, as saved from the API) or given
as ``BATCH_ID=FILE``. ``--from-api`` fetches both (:mod:`calculator.batches.api`).

Per batch:

- requests by status (from the results when present, else the object's ``request_counts``),
  the error rate errored / (succeeded + errored + canceled + expired), flagged above 1%, and the
  error types;
- turnaround ``ended_at - created_at`` in whole seconds, flagged over 1 hour and from 23 hours
  (the 24-hour limit is near: requests not done by then expire);
- the cost as billed (each succeeded result at its own ``usage.service_tier``, rates of the day
  the batch was created), the same usage at standard rates (``costing.price_usage`` both times:
  one pricing definition), the saving, the cost per succeeded request and its ratio to the
  standard cost per request. The ratio is taken on token charges (web search fees are not
  halved in batches) and flagged when it is not exactly 1/2: results billed at
  ``service_tier: "standard"`` (no batch discount) or in fast mode;
- cache reads against cache writes (tokens).

Only succeeded results are billed. A model or tier without a price is counted as unpriced and
warned, never priced at $0. Which requests to resubmit is kept per batch for
:mod:`calculator.batches.retry`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Iterable, Optional

from calculator.costing import TokenCounts, price_usage
from calculator.errors import InputError, InvalidUsageError, ModelError
from calculator.money import CONTEXT
from calculator.batches.api import parse_time
from calculator.net import DEFAULT_TIMEOUT
from pricing import Catalogue

STATUSES = ("succeeded", "errored", "canceled", "expired")
# Transient errors: the same request may well succeed when sent again.
RETRYABLE_ERRORS = ("overloaded_error", "api_error", "rate_limit_error", "timeout_error")
ERROR_RATE_FLAG = Decimal("0.01")
SLOW_SECONDS = 3600  # "most batches finish within 1 hour"
NEAR_LIMIT_SECONDS = 23 * 3600  # results are guaranteed within 24 hours; past that, requests expire
RATIO_PLACES = Decimal("0.000001")
BATCH_ID_FILE = re.compile(r"^(msgbatch_[A-Za-z0-9_-]+)\.jsonl(?:\.gz)?$")
NOT_RETRYABLE_LISTED = 200  # errored requests listed for a person, per batch (all are counted)

# Flags, per batch (the JSON carries these names).
FLAG_ERROR_RATE = "error_rate_above_1_percent"
FLAG_SLOW = "turnaround_over_1_hour"
FLAG_NEAR_LIMIT = "turnaround_near_24_hours"
FLAG_NOT_HALF = "cost_not_half_of_standard"
FLAG_NO_DISCOUNT = "billed_without_batch_discount"
FLAG_FAST = "fast_mode"
FLAG_EXPIRED = "expired_requests"
FLAG_CANCELED = "canceled_requests"
FLAG_UNPRICED = "unpriced_requests"
FLAG_NO_RESULTS = "no_results"
FLAG_NOT_ENDED = "not_ended"
FLAG_COUNTS_DIFFER = "request_counts_differ_from_results"


@dataclass
class BatchObject:
    id: str
    processing_status: str
    created_at: dt.datetime
    ended_at: Optional[dt.datetime]
    expires_at: Optional[dt.datetime]
    cancel_initiated_at: Optional[dt.datetime]
    request_counts: dict[str, int]
    source: str

    @property
    def turnaround_seconds(self) -> Optional[int]:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.created_at).total_seconds())

    @classmethod
    def from_json(cls, obj, where: str) -> "BatchObject":
        if not isinstance(obj, dict) or obj.get("type") != "message_batch" or not obj.get("id"):
            found = sorted(obj)[:6] if isinstance(obj, dict) else type(obj).__name__
            raise InputError(f"expected a batch object {{\"id\", \"type\": \"message_batch\", "
                             f"\"created_at\", \"request_counts\", ...}}; found {found}", path=where)
        counts = obj.get("request_counts") or {}
        if not isinstance(counts, dict):
            raise InputError(f"batch {obj['id']}: request_counts must be an object", path=where)
        clean = {}
        for k in ("processing", *STATUSES):
            v = counts.get(k, 0)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InputError(f"batch {obj['id']}: request_counts.{k} = {v!r}: expected a whole "
                                 f"number >= 0", path=where)
            clean[k] = v
        status = obj.get("processing_status")
        if status not in ("in_progress", "canceling", "ended"):
            raise InputError(f"batch {obj['id']}: processing_status {status!r}: expected in_progress, "
                             f"canceling or ended", path=where)
        created = parse_time(obj.get("created_at"), where, f"batch {obj['id']}: created_at")
        if created is None:
            raise InputError(f"batch {obj['id']}: no created_at", path=where)
        ended = parse_time(obj.get("ended_at"), where, f"batch {obj['id']}: ended_at")
        if ended is not None and ended < created:
            raise InputError(f"batch {obj['id']}: ended_at is before created_at", path=where)
        return cls(str(obj["id"]), status, created, ended,
                   parse_time(obj.get("expires_at"), where, f"batch {obj['id']}: expires_at"),
                   parse_time(obj.get("cancel_initiated_at"), where, f"batch {obj['id']}: cancel_initiated_at"),
                   clean, where)


def batch_objects_from_json(doc, where: str) -> list[BatchObject]:
    """One object, a list of them, or a ``.list()`` page ``{"data": [...]}``."""
    if isinstance(doc, dict) and isinstance(doc.get("data"), list) and "type" not in doc:
        doc = doc["data"]
    items = doc if isinstance(doc, list) else [doc]
    return [BatchObject.from_json(o, where) for o in items]


@dataclass
class ErroredRequest:
    custom_id: str
    error_type: str
    message: str


@dataclass
class Tally:
    """One batch's results, read once: counts, usage per pricing key, what to resubmit."""

    source: str
    counts: Counter = field(default_factory=Counter)
    error_types: Counter = field(default_factory=Counter)
    # (model, service_tier, long_context, inference_geo, speed) -> [usage, requests]
    usage: dict[tuple, list] = field(default_factory=dict)
    retry: dict[str, str] = field(default_factory=dict)  # custom_id -> error type or "expired"
    not_retryable: list[ErroredRequest] = field(default_factory=list)
    not_retryable_count: int = 0
    split_assumed: int = 0  # cache writes without the 5m/1h split, taken as 5m

    @property
    def total(self) -> int:
        return sum(self.counts[s] for s in STATUSES)


def _whole(v, name: str, where: str) -> int:
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise InputError(f"usage.{name} = {v!r}: expected a whole number of tokens", path=where)
    return v


def _usage(u: dict, where: str, tally: Tally) -> TokenCounts:
    cc = u.get("cache_creation")
    if isinstance(cc, dict):
        w5 = _whole(cc.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens", where)
        w1 = _whole(cc.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens", where)
        total = u.get("cache_creation_input_tokens")
        if total is not None and _whole(total, "cache_creation_input_tokens", where) != w5 + w1:
            raise InputError(f"cache_creation_input_tokens {total} is not the sum of the 5m and 1h "
                             f"writes ({w5} + {w1})", path=where)
    else:
        w5, w1 = _whole(u.get("cache_creation_input_tokens"), "cache_creation_input_tokens", where), 0
        if w5:
            tally.split_assumed += 1
    tools = u.get("server_tool_use") if isinstance(u.get("server_tool_use"), dict) else {}
    if "input_tokens" not in u or "output_tokens" not in u:
        raise InputError("usage needs input_tokens and output_tokens", path=where)
    return TokenCounts(uncached_input=_whole(u.get("input_tokens"), "input_tokens", where),
                       cache_write_5m=w5, cache_write_1h=w1,
                       cache_read=_whole(u.get("cache_read_input_tokens"), "cache_read_input_tokens", where),
                       output=_whole(u.get("output_tokens"), "output_tokens", where),
                       web_search_requests=_whole(tools.get("web_search_requests"),
                                                  "server_tool_use.web_search_requests", where))


def tally_results(lines: Iterable[bytes], source: str, on: dt.date, cat: Catalogue) -> Tally:
    """Read a results JSONL (one ``{"custom_id", "result"}`` per line, in any order)."""
    tally = Tally(source)
    seen: set[str] = set()
    thresholds: dict[str, Optional[int]] = {}
    n = 0
    for n, raw in enumerate(lines, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        where = f"{source}:{n}"
        try:
            obj = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not a JSON results line ({exc})", path=source, line=n) from None
        result = obj.get("result") if isinstance(obj, dict) else None
        if not isinstance(result, dict) or "custom_id" not in obj:
            raise InputError("expected a results line {\"custom_id\", \"result\": {\"type\", ...}}",
                             path=source, line=n)
        cid = str(obj["custom_id"])
        if cid in seen:
            raise InputError(f"custom_id {cid!r} appears twice: a request's result must be counted once",
                             path=source, line=n)
        seen.add(cid)
        rtype = result.get("type")
        if rtype not in STATUSES:
            raise InputError(f"result.type {rtype!r}: expected one of {', '.join(STATUSES)}",
                             path=source, line=n)
        tally.counts[rtype] += 1
        if rtype == "errored":
            err = result.get("error")
            inner = err.get("error") if isinstance(err, dict) and isinstance(err.get("error"), dict) else err
            etype = str(inner.get("type")) if isinstance(inner, dict) and inner.get("type") else "unknown_error"
            message = str(inner.get("message", "")) if isinstance(inner, dict) else ""
            tally.error_types[etype] += 1
            if etype in RETRYABLE_ERRORS:
                tally.retry[cid] = etype
            else:
                tally.not_retryable_count += 1
                if len(tally.not_retryable) < NOT_RETRYABLE_LISTED:
                    tally.not_retryable.append(ErroredRequest(cid, etype, message[:300]))
        elif rtype == "expired":
            tally.retry[cid] = "expired"
        if rtype != "succeeded":
            continue
        msg = result.get("message")
        u = msg.get("usage") if isinstance(msg, dict) else None
        model = msg.get("model") if isinstance(msg, dict) else None
        if not isinstance(u, dict) or not isinstance(model, str) or not model:
            raise InputError("a succeeded result needs message.model and message.usage", path=source, line=n)
        usage = _usage(u, where, tally)
        if model not in thresholds:
            try:
                thresholds[model] = cat.long_context_threshold(model, on)
            except ModelError:
                thresholds[model] = None  # priced (and reported as unpriced) below
        long = thresholds[model] is not None and usage.total_input > thresholds[model]
        key = (model, str(u.get("service_tier") or "batch"), long,
               str(u.get("inference_geo") or "global"), str(u.get("speed") or "standard"))
        entry = tally.usage.setdefault(key, [TokenCounts(), 0])
        entry[0] = entry[0] + usage
        entry[1] += 1
    if n == 0:
        raise InputError("empty results file (expected one JSON line per request)", path=source)
    return tally


@dataclass
class BatchFigures:
    """One batch (or the total), priced."""

    id: str
    obj: Optional[BatchObject]
    tally: Optional[Tally]
    on: dt.date
    requests: dict[str, int]
    error_types: dict[str, int]
    cost: Optional[Decimal]  # None: no results to price
    standard: Optional[Decimal]
    token_cost: Decimal = Decimal(0)
    token_standard: Decimal = Decimal(0)
    priced_requests: int = 0
    unpriced_requests: int = 0
    unpriced_models: set = field(default_factory=set)
    standard_tier_requests: int = 0
    fast_requests: int = 0
    usage: TokenCounts = field(default_factory=TokenCounts)
    flags: list[str] = field(default_factory=list)
    # (inference_geo, Cost as billed, Cost of the same usage at standard rates) per pricing key
    charges: list[tuple] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.requests[s] for s in STATUSES)

    @property
    def error_rate(self) -> Optional[Decimal]:
        if not self.total:
            return None
        return CONTEXT.divide(Decimal(self.requests["errored"]), Decimal(self.total)).quantize(
            RATIO_PLACES, rounding=ROUND_HALF_EVEN)

    @property
    def savings(self) -> Optional[Decimal]:
        return None if self.cost is None else self.standard - self.cost

    def per_request(self, amount: Optional[Decimal]) -> Optional[Decimal]:
        if amount is None or not self.priced_requests:
            return None
        return CONTEXT.divide(amount, Decimal(self.priced_requests))

    @property
    def ratio(self) -> Optional[Decimal]:
        """Cost per succeeded request over the standard cost per request, on token charges."""
        if self.cost is None or not self.token_standard:
            return None
        return CONTEXT.divide(self.token_cost, self.token_standard).quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN)

    @property
    def turnaround_seconds(self) -> Optional[int]:
        return self.obj.turnaround_seconds if self.obj else None


def _token_total(cost) -> Decimal:
    return sum((line.cost for line in cost.lines if line.token_type != "web_search"), Decimal(0))


def price_batch(batch_id: str, obj: Optional[BatchObject], tally: Optional[Tally], on: dt.date,
                cat: Catalogue, warnings: list[str]) -> BatchFigures:
    """Price one batch's results at the rates of ``on`` (the day it was created) and flag it."""
    if tally is not None:
        requests = {s: tally.counts[s] for s in STATUSES}
        error_types = dict(sorted(tally.error_types.items()))
    else:
        requests = {s: obj.request_counts[s] for s in STATUSES}
        error_types = {}
    b = BatchFigures(batch_id, obj, tally, on, requests, error_types, None, None)
    if tally is not None:
        b.cost = b.standard = Decimal(0)
        for (model, tier, long, geo, speed), (usage, n) in sorted(tally.usage.items()):
            # Fast mode is never batched: a fast result was billed at the standard tier.
            billed_tier = "standard" if speed == "fast" else tier
            try:
                billed = price_usage(cat, model, on, usage, service_tier=billed_tier, long_context=long,
                                     requests=n, inference_geo=geo, speed=speed)
                standard = price_usage(cat, model, on, usage, service_tier="standard", long_context=long,
                                       requests=n, inference_geo=geo)
            except (ModelError, InvalidUsageError) as exc:
                b.unpriced_requests += n
                b.unpriced_models.add(model)
                warnings.append(f"batch {batch_id}: {n:,} succeeded request(s) for {model} "
                                f"({tier} tier) cannot be priced and are left out of its costs: {exc}")
                continue
            b.charges.append((geo, billed, standard))
            b.cost += billed.total
            b.standard += standard.total
            b.token_cost += _token_total(billed)
            b.token_standard += _token_total(standard)
            b.priced_requests += n
            b.usage = b.usage + usage
            if billed_tier == "standard":
                b.standard_tier_requests += n
            if speed == "fast":
                b.fast_requests += n
        if tally.split_assumed:
            warnings.append(f"{tally.source}: {tally.split_assumed:,} result(s) give cache_creation_input_tokens "
                            f"without the 5m/1h split: taken as 5-minute writes")
        if obj is not None and obj.processing_status == "ended":
            expected = {s: obj.request_counts[s] for s in STATUSES}
            if expected != requests:
                b.flags.append(FLAG_COUNTS_DIFFER)
                warnings.append(f"batch {batch_id}: the batch object counts {expected} but its results file "
                                f"{tally.source} holds {requests}")
    _flag(b)
    return b


def _flag(b: BatchFigures) -> None:
    flags = b.flags
    if b.obj is not None and b.obj.processing_status != "ended":
        flags.append(FLAG_NOT_ENDED)
    elif b.tally is None:
        flags.append(FLAG_NO_RESULTS)
    if b.total and b.requests["errored"] * 100 > b.total:  # above 1%, exactly
        flags.append(FLAG_ERROR_RATE)
    t = b.turnaround_seconds
    if t is not None and t > SLOW_SECONDS:
        flags.append(FLAG_SLOW)
    if t is not None and t >= NEAR_LIMIT_SECONDS:
        flags.append(FLAG_NEAR_LIMIT)
    if b.requests["expired"]:
        flags.append(FLAG_EXPIRED)
    if b.requests["canceled"]:
        flags.append(FLAG_CANCELED)
    if b.cost is not None and b.token_standard and b.token_cost * 2 != b.token_standard:
        flags.append(FLAG_NOT_HALF)
    if b.standard_tier_requests - b.fast_requests > 0:
        flags.append(FLAG_NO_DISCOUNT)
    if b.fast_requests:
        flags.append(FLAG_FAST)
    if b.unpriced_requests:
        flags.append(FLAG_UNPRICED)


def total_of(batches: list[BatchFigures], on: dt.date) -> BatchFigures:
    """The batches summed (counts, money, usage); flags are the union."""
    requests = {s: sum(b.requests[s] for b in batches) for s in STATUSES}
    error_types: Counter = Counter()
    for b in batches:
        error_types.update(b.error_types)
    priced = [b for b in batches if b.cost is not None]
    t = BatchFigures("total", None, None, on, requests, dict(sorted(error_types.items())),
                     sum((b.cost for b in priced), Decimal(0)) if priced else None,
                     sum((b.standard for b in priced), Decimal(0)) if priced else None)
    for b in priced:
        t.token_cost += b.token_cost
        t.token_standard += b.token_standard
        t.priced_requests += b.priced_requests
        t.usage = t.usage + b.usage
    for b in batches:
        t.unpriced_requests += b.unpriced_requests
        t.standard_tier_requests += b.standard_tier_requests
        t.fast_requests += b.fast_requests
        t.flags.extend(f for f in b.flags if f not in t.flags)
    return t


def results_file_batch_id(path: str) -> Optional[str]:
    m = BATCH_ID_FILE.match(Path(path).name)
    return m.group(1) if m else None


# -- the whole run ---------------------------------------------------------------------------

@dataclass
class BatchesOptions:
    """Which batches `batchcalc batches` analyses (files, or the API with dates and ids) and
    where the retry file goes."""

    files: list[str] = field(default_factory=list)  # batch objects JSON and results JSONL, any order
    results: dict[str, str] = field(default_factory=dict)  # batch id -> results file (--results)
    on: Optional[dt.date] = None  # rates for results without a batch object (default today, UTC)
    requests: Optional[str] = None  # the original requests, for --retry-to
    retry_to: Optional[str] = None
    from_api: bool = False
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None
    batch_ids: list[str] = field(default_factory=list)
    concurrency: int = 4
    timeout: float = DEFAULT_TIMEOUT  # seconds for all the --from-api calls
    base_url: Optional[str] = None
    transport: object = None  # an httpx transport (tests)


@dataclass
class BatchesResult:
    options: BatchesOptions
    batches: list[BatchFigures]
    total: BatchFigures
    turnaround: dict  # {"batches", "median", "p95", "max"} in whole seconds (nearest rank)
    retry: object  # calculator.batches.retry.RetryResult or None
    not_retryable: list[tuple[str, ErroredRequest]]  # (batch id, request)
    not_retryable_count: int
    warnings: list[str]
    assumptions: list[str]


def _objects_or_results(path: str):
    """Open ``path`` once: None for a results JSONL (a first line with "custom_id" and
    "result"; read later, when the batch objects are known), else the parsed batch-objects JSON.
    One open, so a pipe (``<(zcat batches.json.gz)``) works too."""
    from calculator.io import EXPORT, open_input
    from calculator.readers.detect import detect_bytes

    # Read errors (a gzip file cut short) are the opener's one-line InputErrors.
    src = open_input(path, what=EXPORT)
    try:
        if detect_bytes(src.head(65536)) == "batch-results":
            return None
        data = src.read()
    finally:
        src.close()
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: expected batch objects (JSON) or results (JSONL)", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"neither batch objects (JSON) nor results (JSONL): {exc.msg}",
                         path=path, line=exc.lineno) from None


def read_batch_objects(path: str) -> list[BatchObject]:
    """The batch objects of a JSON file (one object, a list, or a ``.list()`` page)."""
    doc = _objects_or_results(path)
    if doc is None:
        raise InputError("holds batch results (JSONL), expected batch objects (JSON)", path=path)
    return batch_objects_from_json(doc, path)


def _read_file_tally(path: str, on: dt.date, cat: Catalogue) -> Tally:
    from calculator.io import EXPORT, open_input

    src = open_input(path, what=EXPORT)
    try:
        return tally_results(src.stream, path, on, cat)
    finally:
        src.close()


def analyse_batches(opts: BatchesOptions, cat: Catalogue) -> BatchesResult:
    """Every batch priced and flagged, the total, and the resubmission file when asked for."""
    from calculator.workloads.count import percentile

    today = dt.datetime.now(dt.timezone.utc).date()
    warnings: list[str] = []
    assumptions = ["Each batch is priced at the rates in effect on the day it was created (UTC).",
                   "cost_per_request_ratio: cost per succeeded request over the standard cost of the same "
                   "usage, on token charges (web search fees are not halved in batches); 0.5 is the batch "
                   "discount."]
    objects: dict[str, BatchObject] = {}
    tallies: dict[str, Tally] = {}

    def add_object(o: BatchObject):
        if o.id in objects:
            raise InputError(f"batch {o.id} is given twice (also in {objects[o.id].source}): it would be "
                             f"counted twice", path=o.source)
        objects[o.id] = o

    if opts.from_api:
        from calculator.batches import api

        def tally(obj: dict, lines, source: str):
            o = BatchObject.from_json(obj, source)
            return tally_results(lines, source, o.created_at.date(), cat)

        for obj, t in api.fetch(opts.batch_ids, opts.since, opts.until, tally, concurrency=opts.concurrency,
                                timeout=opts.timeout, base_url=opts.base_url,
                                transport=opts.transport):
            o = BatchObject.from_json(obj, "the Message Batches API")
            add_object(o)
            if t is not None:
                tallies[o.id] = t
    results_files = dict(opts.results)
    for path in opts.files:
        if path == "-":
            raise InputError("standard input cannot be told apart as batch objects or results: give "
                             "--results BATCH_ID=- for results", path="-")
        doc = _objects_or_results(path)
        if doc is None:
            bid = results_file_batch_id(path)
            if bid is None:
                raise InputError("a results file must be named after its batch (msgbatch_....jsonl, as saved "
                                 "from the API), or given as --results BATCH_ID=FILE", path=path)
            if bid in results_files:
                raise InputError(f"two results files for batch {bid} (also {results_files[bid]})", path=path)
            results_files[bid] = path
        else:
            for o in batch_objects_from_json(doc, path):
                add_object(o)
    for bid, path in results_files.items():
        if bid in tallies:
            raise InputError(f"batch {bid}'s results are given twice (from the API and {path})", path=path)
        o = objects.get(bid)
        on = o.created_at.date() if o else (opts.on or today)
        if o is None:
            note = (f"results without a batch object ({bid}) are priced at the rates of {on.isoformat()} "
                    f"(--on) and have no turnaround")
            if note not in assumptions:
                assumptions.append(note)
        tallies[bid] = _read_file_tally(path, on, cat)
    if not objects and not tallies:
        raise InputError("no batches: give batch objects (JSON) and their results (msgbatch_....jsonl), "
                         "or --from-api")

    ids = sorted(set(objects) | set(tallies),
                 key=lambda i: (objects[i].created_at if i in objects else dt.datetime.max.replace(
                     tzinfo=dt.timezone.utc), i))
    batches = [price_batch(i, objects.get(i), tallies.get(i),
                           objects[i].created_at.date() if i in objects else (opts.on or today), cat, warnings)
               for i in ids]
    total = total_of(batches, opts.on or today)
    times = sorted(b.turnaround_seconds for b in batches if b.turnaround_seconds is not None)
    turnaround = {"batches": len(times), "median": percentile(times, 50) if times else None,
                  "p95": percentile(times, 95) if times else None, "max": times[-1] if times else None}

    not_retryable = [(b.id, e) for b in batches if b.tally for e in b.tally.not_retryable]
    not_retryable_count = sum(b.tally.not_retryable_count for b in batches if b.tally)
    retry = None
    if opts.retry_to:
        retry = _retry(opts, batches, cat, warnings)
    elif opts.requests:
        raise InputError("--requests is the original request file for --retry-to: give --retry-to FILE too")
    return BatchesResult(opts, batches, total, turnaround, retry, not_retryable, not_retryable_count,
                         warnings, assumptions)


def _retry(opts: BatchesOptions, batches: list[BatchFigures], cat: Catalogue, warnings: list[str]):
    from calculator.batches.check import CheckOptions, check_requests
    from calculator.batches.retry import write_retry

    if not opts.requests:
        raise InputError("--retry-to needs --requests ORIGINAL.jsonl (the requests the batches were made of)")
    to_retry: dict[str, tuple[str, str]] = {}
    for b in batches:
        if b.tally is None:
            continue
        for cid, reason in b.tally.retry.items():
            if cid in to_retry:
                warnings.append(f"custom_id {cid!r} is to be resubmitted from two batches ({to_retry[cid][0]} "
                                f"and {b.id}): written once")
                continue
            to_retry[cid] = (b.id, reason)
    if not to_retry:
        warnings.append("nothing to resubmit: no request errored with a transient error or expired; "
                        f"{opts.retry_to} was not written")
        return None
    res = write_retry(opts.requests, opts.retry_to, to_retry)
    if res.missing:
        warnings.append(f"{res.missing:,} request(s) to resubmit are not in {opts.requests} (first: "
                        f"{', '.join(res.missing_examples[:5])})")
    # The retry priced like `check` prices a file: output tokens as the mean of the succeeded
    # requests of the batches the retried requests come from.
    sources = [b for b in batches if b.tally is not None and b.tally.retry]
    succeeded = sum(b.priced_requests for b in sources)
    out_tokens = sum(b.usage.output for b in sources)
    mean_output = (2 * out_tokens + succeeded) // (2 * succeeded) if succeeded else None  # half up
    priced = check_requests(res.path, CheckOptions(on=opts.on or dt.datetime.now(dt.timezone.utc).date(),
                                                   output_tokens=mean_output), cat)
    res.worst_usd, res.expected_usd = priced.worst_usd, priced.expected_usd
    return res
