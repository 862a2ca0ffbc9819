"""`batchcalc check`: will this request file be accepted as a Message Batch, and can it blow the
budget?

One pass over the file (the request reader of ``count``, streamed), with the token counting of
``count`` for the prices:

- limits: at most 100,000 requests and 256 MB per batch (``split_to`` writes the file as valid
  batches instead, filled in order under both limits);
- every ``custom_id`` unique (each duplicate with the lines it is on);
- every request valid: JSON, ``params.messages``, an integer ``max_tokens``, a model the
  catalogue knows (close spellings suggested for a typo);
- each ``cache_control`` prefix at least the model's minimum cacheable length (below it the API
  caches nothing, silently: a warning, not a rejection);
- the budget gate: the worst case is every request using all its ``max_tokens`` at batch rates
  with every cacheable prefix written (a cache miss); the expected case uses the output
  assumption and the expected hit rate. Above ``max_cost`` the file fails the gate.

A file is *rejected* (exit 4) for the limits (unless split), duplicate custom_ids or an invalid
request, and *over budget* (exit 4) above ``max_cost``. A request for a model that is known but
has no price cannot be costed: it is warned, and with ``max_cost`` the gate cannot pass.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional

from calculator.errors import InputError, ModelError, NoRequestsError, UnknownModelError
from calculator.workloads.cache import CacheAssumptions
from pricing import Catalogue

EXIT_REJECTED = 4
# The cost of the file as submitted: with cache_control breakpoints the batch caches, without
# them it does not (a detected shared prefix is what `count` proposes, not what this file does).
CACHED, UNCACHED = "batch+cache", "batch"
UNKNOWN_MODEL = "unknown model"
# `count` skips unknown and unpriced models under this reason; check tells them apart itself.
_COUNT_MODEL_REASON = "unknown or unpriced model"
LIST_LIMIT = 50  # duplicates and short prefixes listed one by one (all are counted)


@dataclass
class CheckOptions:
    """How `batchcalc check` judges a request file: the date of the rates, the cost limit, the
    expected output and cache, and where to split an oversized file."""

    on: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())
    max_cost: Optional[Decimal] = None
    split_to: Optional[str] = None
    # The expected case: output tokens per request, or a fraction of max_tokens (default: all).
    output_tokens: Optional[int] = None
    output_ratio: Optional[Decimal] = None
    # The expected case's cache assumption (its batch traffic; the worst case reads nothing).
    cache: CacheAssumptions = field(default_factory=CacheAssumptions.default)
    inference_geo: Optional[str] = None


@dataclass
class Duplicate:
    custom_id: str
    wheres: list[str]  # "file:line" of every request with this custom_id


@dataclass
class InvalidGroup:
    reason: str
    count: int
    examples: list[str]  # "file:line: message"


@dataclass
class ModelCost:
    model: str
    requests: int
    scenario: str  # CACHED or UNCACHED
    worst_usd: Decimal
    expected_usd: Decimal
    min_cacheable: int
    worst_costs: tuple = ()  # the Costs (one per context tier) behind worst_usd
    expected_costs: tuple = ()


@dataclass
class SplitFile:
    path: str
    requests: int
    bytes: int


@dataclass
class CheckResult:
    source: str
    options: CheckOptions
    requests: int  # valid requests read
    bytes: int
    batches_needed: int
    over_limits: bool
    duplicates: list[Duplicate]
    duplicate_requests: int  # requests repeating a custom_id already used
    invalid: list[InvalidGroup]
    unpriced: dict[str, int]  # model -> requests that cannot be priced
    short_prefixes: list[tuple[str, str, int, int, int]]  # where, custom_id, breakpoint, tokens, minimum
    short_prefix_count: int
    models: list[ModelCost]
    worst_usd: Optional[Decimal]  # None: nothing could be priced
    expected_usd: Optional[Decimal]
    split: list[SplitFile]
    split_refused: Optional[str]
    warnings: list[str]
    assumptions: list[str]

    @property
    def invalid_requests(self) -> int:
        return sum(g.count for g in self.invalid)

    @property
    def rejected(self) -> bool:
        return bool((self.over_limits and not self.split) or self.duplicates or self.invalid)

    @property
    def over_budget(self) -> bool:
        if self.options.max_cost is None:
            return False
        return self.worst_usd is None or bool(self.unpriced) or self.worst_usd > self.options.max_cost

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.rejected or self.over_budget else 0


class _Splitter:
    """Writes requests in order into part files of at most the batch limits; ``commit`` puts
    every part in place at once (atomically, each), ``discard`` leaves nothing behind."""

    def __init__(self, directory: str, stem: str):
        from calculator.workloads.count import BATCH_MAX_BYTES, BATCH_MAX_REQUESTS

        self.max_requests, self.max_bytes = BATCH_MAX_REQUESTS, BATCH_MAX_BYTES
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the directory ({exc.strerror})", path=directory) from None
        self.stem = stem
        self.files: list[SplitFile] = []
        self.outs: list = []  # one calculator.io.OutputFile per part

    def add(self, custom_id: str, params: dict) -> None:
        from calculator.io import OutputFile

        line = (json.dumps({"custom_id": custom_id, "params": params}, ensure_ascii=False,
                           separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass")
        cur = self.files[-1] if self.files else None
        if cur is None or cur.requests >= self.max_requests or cur.bytes + len(line) > self.max_bytes:
            path = self.dir / f"{self.stem}.part-{len(self.files) + 1:03d}.jsonl"
            try:
                self.outs.append(OutputFile(path))
            except OSError as exc:
                raise InputError(f"cannot write ({exc.strerror})", path=str(path)) from None
            cur = SplitFile(str(path), 0, 0)
            self.files.append(cur)
        self.outs[-1].write(line)
        cur.requests += 1
        cur.bytes += len(line)

    def commit(self) -> list[SplitFile]:
        for out in self.outs:
            out.commit()
        return self.files

    def discard(self) -> None:
        for out in self.outs:
            out.discard()


class _Tap:
    """Sees every request the reader yields: custom_ids, sizes, models, the split."""

    def __init__(self, cat: Catalogue, on: dt.date, splitter: Optional[_Splitter]):
        self.cat, self.on, self.splitter = cat, on, splitter
        self.first: dict[str, str] = {}  # custom_id -> where it first appears
        self.dups: dict[str, list[str]] = {}
        self.duplicate_requests = 0
        self.requests = 0
        self.bytes = 0
        self.model_status: dict[str, Optional[str]] = {}  # spelling -> None (ok), "unknown", "unpriced"
        self.unknown: dict[str, list] = {}  # spelling -> [count, examples]
        self.unpriced: dict[str, int] = {}

    def _status(self, spelling: str) -> Optional[str]:
        if spelling not in self.model_status:
            status = None
            try:
                self.cat.rate_card(spelling, self.on)
            except UnknownModelError:
                status = "unknown"
            except ModelError:
                status = "unpriced"
            self.model_status[spelling] = status
        return self.model_status[spelling]

    def __call__(self, r) -> None:
        self.requests += 1
        self.bytes += r.size_bytes
        first = self.first.get(r.custom_id)
        if first is None:
            self.first[r.custom_id] = r.where
        else:
            self.duplicate_requests += 1
            self.dups.setdefault(r.custom_id, [first]).append(r.where)
        spelling = r.params["model"]
        status = self._status(spelling)
        if status == "unknown":
            entry = self.unknown.setdefault(spelling, [0, []])
            entry[0] += 1
            if len(entry[1]) < 20:
                entry[1].append(r.where)
        elif status == "unpriced":
            self.unpriced[spelling] = self.unpriced.get(spelling, 0) + 1
        if self.splitter is not None:
            self.splitter.add(r.custom_id, r.params)


def check_requests(path: str, opts: CheckOptions, cat: Catalogue,
                   progress_factory: Optional[Callable] = None) -> CheckResult:
    """Check one request file (JSONL, a ``{"requests": [...]}`` body, gzip, ``-`` for stdin).
    ``progress_factory`` as for ``workloads.count.count_workload``."""
    from calculator.workloads.count import BATCH_MAX_BYTES, BATCH_MAX_REQUESTS, CountOptions, count_workload
    from calculator.readers._policy import InvalidRows
    from calculator.readers.requests import ReadStats

    stem = "requests" if path == "-" else Path(path).name.split(".")[0] or "requests"
    splitter = _Splitter(opts.split_to, stem) if opts.split_to else None
    tap = _Tap(cat, opts.on, splitter)
    copts = CountOptions(skip_invalid=True, on=opts.on, output_tokens=opts.output_tokens,
                         output_ratio=opts.output_ratio, cache=opts.cache, inference_geo=opts.inference_geo)
    stats = ReadStats()
    policy = InvalidRows(copts.skip_invalid)
    counted = None
    try:
        counted = count_workload([path], copts, cat, progress_factory, tap=tap, stats=stats, policy=policy)
    except NoRequestsError:
        # No request could be counted: a finding (exit 4) when they were all invalid.
        if not policy.count and not tap.unknown:
            if splitter is not None:
                splitter.discard()
            raise
    except BaseException:
        if splitter is not None:
            splitter.discard()
        raise

    invalid = [InvalidGroup(reason, n, policy.examples[reason])
               for reason, n in sorted(policy.by_reason.items()) if reason != _COUNT_MODEL_REASON]
    for spelling, (n, wheres) in sorted(tap.unknown.items()):
        suggestions = cat.suggest(spelling)
        hint = f" (did you mean {' or '.join(suggestions)}?)" if suggestions else ""
        invalid.append(InvalidGroup(UNKNOWN_MODEL, n, [f"{w}: unknown model {spelling!r}{hint}" for w in wheres]))
    duplicates = [Duplicate(cid, wheres) for cid, wheres in tap.dups.items()]
    over_limits = tap.requests > BATCH_MAX_REQUESTS or tap.bytes > BATCH_MAX_BYTES

    warnings: list[str] = []
    assumptions: list[str] = []
    models: list[ModelCost] = []
    short: list[tuple[str, str, int, int, int]] = []
    short_count = 0
    batches_needed = 0
    if counted is not None:
        from dataclasses import replace

        from calculator.workloads.scenarios import SCENARIOS, price_scenarios

        batches_needed = counted.batches["batches"]
        # The worst case writes every cacheable prefix: count's worst-case groups at a 0% hit rate.
        no_hit = replace(opts.cache, batch=replace(opts.cache.batch, hit_rate=Decimal(0), hit_rate_from="the worst case"))
        worst_case = price_scenarios(cat, opts.on, counted.worst_groups, no_hit, inference_geo=opts.inference_geo)
        for m in counted.models:
            # Breakpoints all below the minimum cache nothing: priced as the plain batch it is.
            name = CACHED if m.prefix_mode == "cache_control" and m.cacheable_prefix_tokens else UNCACHED
            worst, expected = worst_case[SCENARIOS.index(name)], counted.scenarios[SCENARIOS.index(name)]
            mid = m.model_id
            models.append(ModelCost(mid, m.requests, name, worst.total_of(mid), expected.total_of(mid), m.min_cacheable,
                                    tuple(c for c in worst.costs if c.model == mid),
                                    tuple(c for c in expected.costs if c.model == mid)))
            short_count += len(m.short_prefixes)
            for where, cid, bp, tokens in m.short_prefixes:
                if len(short) < LIST_LIMIT:
                    short.append((where, cid, bp, tokens, m.min_cacheable))
        # count's own notes, minus what check reports in its own words.
        skip_notes = ("requests repeat a custom_id", "were skipped and not priced", "Skipped invalid input",
                      "No output assumption given", "cache_control prefix below")
        warnings.extend(w for w in counted.warnings if not any(s in w for s in skip_notes))
        assumptions.append(f"Expected case: {counted.output_basis}; where the requests set cache_control "
                           f"breakpoints, {opts.cache.batch.describe()}")
    assumptions.append("Worst case: every request uses all its max_tokens, at batch rates, and every "
                       "cache_control prefix is written (no cache hit).")
    if short_count:
        warnings.append(f"{short_count:,} cache_control breakpoint(s) mark a prefix below the model's "
                        f"minimum cacheable length: the API caches nothing there, silently")
    for spelling, n in sorted(tap.unpriced.items()):
        warnings.append(f"{n:,} request(s) for {spelling!r}: the model has no price on "
                        f"{opts.on.isoformat()}: not in the costs")

    split: list[SplitFile] = []
    refused = None
    if splitter is not None:
        if duplicates or invalid:
            splitter.discard()
            refused = ("the file was not split: fix the duplicate custom_ids and invalid requests first "
                       "(each part must pass check)")
        else:
            split = splitter.commit()
    worst = sum((m.worst_usd for m in models), Decimal(0)) if models else None
    expected = sum((m.expected_usd for m in models), Decimal(0)) if models else None
    return CheckResult(stats.files[0] if stats.files else path, opts, tap.requests, tap.bytes,
                       batches_needed, over_limits, duplicates, tap.duplicate_requests, invalid,
                       dict(tap.unpriced), short, short_count, models, worst, expected, split, refused,
                       warnings, assumptions)
