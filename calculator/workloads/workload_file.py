"""The workload file of `batchcalc plan`: a versioned YAML portfolio of the jobs a team runs.

    version: 1
    workloads:
      - name: nightly-summaries
        model: claude-sonnet-4-6
        requests_per_day: 2000          # or requests_per_week / requests_per_month (exactly one)
        input_tokens: 6000              # per request, the whole prompt (system, tools, messages)
        output_tokens: 400              # per request
        shared_prefix_tokens: 2500      # the identical leading part of input_tokens
        cache_ttl: 1h                   # optional, 5m or 1h: both kinds of traffic
        sync_cache_ttl: 5m              # optional: sync+cache only (batch_cache_ttl: batch+cache)
        person_waiting: false
        deadline_hours: 24
        cache_hit_rate: 0.8             # optional, 0-1 or 80%: both (sync_/batch_cache_hit_rate: one)
        current_mode: sync              # optional: sync, sync+cache, batch, batch+cache
        alternatives: [claude-haiku-4-5]
        notes: free text

Instead of input_tokens / output_tokens a workload may give ``sample: requests.jsonl`` (a
path relative to the workload file): the sample is counted with `batchcalc count`'s library
function, with the per-workload keys ``output_tokens``, ``output_ratio``, ``exact`` and
``calibration`` as that command's options, and its exact cost scaled to the monthly volume.

Cache values are read by :class:`~calculator.workloads.cache.CacheAssumptions` (defaults and
ranges there); a command-line option given for the whole plan overrides a workload's key.

`examples/workloads.yaml` documents every key. Every key is checked (``extra="forbid"``): a
typo, a missing key or an impossible value is an :class:`~calculator.errors.InputError` whose
one line names the file, the line, the workload and the key.

Volumes are normalised to requests per month, exactly: a month is 1/12 of a 365.25-day year,
30.4375 days, and a week 7 days, so ``per month = per day x 30.4375`` and ``per month = per week
x 30.4375 / 7`` (4.348... weeks a month). The product is computed as an exact fraction and a
fractional result is rounded *up* to a whole request (the estimate stays on the expensive side).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator, model_validator

from calculator.errors import InputError, ValueGivenError
from calculator.workloads.cache import FILE_KEYS, CacheAssumptions, parse_fraction

FILE_VERSION = 1
MODES = ("sync", "sync+cache", "batch", "batch+cache")
DAYS_PER_MONTH = Fraction(36525, 1200)  # 365.25 / 12 = 30.4375
DAYS_PER_WEEK = 7
PERIOD_KEYS = ("requests_per_month", "requests_per_week", "requests_per_day")


def _exact_decimal(v):
    # YAML floats (0.8) would carry binary noise into Decimal: go through their shortest repr.
    if isinstance(v, bool):
        return v  # let pydantic reject it
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


class WorkloadSpec(BaseModel):
    """One workload as written in the file (before normalisation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    model: str = Field(min_length=1)
    requests_per_month: Optional[StrictInt] = Field(default=None, ge=1)
    requests_per_week: Optional[StrictInt] = Field(default=None, ge=1)
    requests_per_day: Optional[StrictInt] = Field(default=None, ge=1)
    input_tokens: Optional[StrictInt] = Field(default=None, ge=0)
    output_tokens: Optional[StrictInt] = Field(default=None, ge=0)
    sample: Optional[str] = Field(default=None, min_length=1)
    output_ratio: Any = None  # with sample: as count --output-ratio (0-1 or 40%, read by parse_fraction)
    exact: StrictBool = False  # with sample: as count --exact
    calibration: Optional[str] = Field(default=None, min_length=1)  # with sample: as count --calibration
    shared_prefix_tokens: StrictInt = Field(default=0, ge=0)
    # Read by CacheAssumptions (one parser for the file, the options and `report`).
    cache_ttl: Any = None
    sync_cache_ttl: Any = None
    batch_cache_ttl: Any = None
    cache_hit_rate: Any = None
    sync_cache_hit_rate: Any = None
    batch_cache_hit_rate: Any = None
    person_waiting: StrictBool
    deadline_hours: Optional[Decimal] = Field(default=None, gt=0)
    current_mode: Literal["sync", "sync+cache", "batch", "batch+cache"] = "sync"
    alternatives: list[str] = []
    notes: Optional[str] = None

    @field_validator("deadline_hours", mode="before")
    @classmethod
    def _decimals(cls, v):
        return _exact_decimal(v)

    @model_validator(mode="after")
    def _consistent(self):
        given = [k for k in PERIOD_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise _KeyProblem(
                tuple(given) if len(given) > 1 else "requests_per_month",
                "give exactly one of requests_per_month, requests_per_week, requests_per_day"
                + (f" (got {', '.join(given)})" if given else ""))
        if self.sample is None:
            for key in ("input_tokens", "output_tokens"):
                if getattr(self, key) is None:
                    raise _KeyProblem(key, "missing required key (or give sample: with a request file)")
            if self.shared_prefix_tokens > self.input_tokens:
                raise _KeyProblem("shared_prefix_tokens",
                                  f"{self.shared_prefix_tokens} exceeds input_tokens ({self.input_tokens}): "
                                  f"the prefix is part of the prompt")
        else:
            if self.input_tokens is not None:
                raise _KeyProblem("input_tokens", "give either input_tokens or sample, not both")
            if "shared_prefix_tokens" in self.model_fields_set:
                raise _KeyProblem("shared_prefix_tokens", "the shared prefix of a sample is counted from its "
                                                          "requests: remove shared_prefix_tokens")
            if self.output_tokens is not None and self.output_ratio is not None:
                raise _KeyProblem(("output_tokens", "output_ratio"), "give one of output_tokens and output_ratio")
        if self.sample is None:
            for key in ("output_ratio", "exact", "calibration"):
                if key in self.model_fields_set:
                    raise _KeyProblem(key, "applies to a sample: (how its requests are counted)")
        if self.person_waiting and self.current_mode.startswith("batch"):
            raise _KeyProblem("current_mode", f"{self.current_mode} while person_waiting is true: "
                                              f"a batch cannot serve a person waiting for the answer")
        return self


class _KeyProblem(ValueError):
    """A cross-key check that knows which key is at fault."""

    def __init__(self, key: str | tuple[str, ...], message: str):
        # Several keys: the one written last in the file is named (the likelier mistake).
        super().__init__(message)
        self.key, self.message = key, message


class _FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    workloads: list[Any] = Field(min_length=1)


@dataclass(frozen=True)
class PlannedWorkload:
    """A validated workload, normalised to requests per month, that remembers where it was written."""

    spec: WorkloadSpec
    path: str  # the file, for messages
    line: int  # the line of the workload's first key
    key_lines: dict[str, int] = field(default_factory=dict)  # key -> line (1-based)
    alternative_lines: tuple[int, ...] = ()
    requests_per_month: int = 0
    per_month_from: str = "month"  # month | week | day: what the file gave
    input_tokens: int = 0
    output_tokens: int = 0
    shared_prefix_tokens: int = 0
    cache: CacheAssumptions = field(default_factory=CacheAssumptions.default)
    output_ratio: Optional[Decimal] = None  # of a sample: each request's share of its max_tokens

    @property
    def name(self) -> str:
        return self.spec.name

    def where(self, key: str | None = None) -> int:
        return self.key_lines.get(key, self.line) if key else self.line

    def error(self, key: str, message: str) -> InputError:
        """An error naming the file, the line, the workload and the key."""
        return InputError(f"workload {self.name!r}: {key}: {message}", path=self.path, line=self.where(key))


def monthly_requests(count: int, per: str) -> int:
    """``count`` requests per ``per`` (month, week or day) as whole requests per month, rounded up."""
    if per == "month":
        return count
    days = {"week": DAYS_PER_WEEK, "day": 1}[per]
    return math.ceil(Fraction(count) * DAYS_PER_MONTH / days)


# -- reading -----------------------------------------------------------------------------------

def _compose(text: str, path: str):
    """The YAML node tree (for line numbers) and the plain data; duplicate keys are named by
    :func:`_mapping_lines`, with the workload they are in."""
    from calculator.yaml_load import parse_yaml

    return parse_yaml(text, path, duplicates=False)


def _mapping_lines(node, path: str, what: str) -> dict[str, int]:
    """Key -> 1-based line for a YAML mapping node; a duplicated key is an error.

    Keys merged in with ``<<: *anchor`` get the line of the ``<<`` entry.
    """
    lines: dict[str, int] = {}
    merged: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            sources = value_node.value if value_node.id == "sequence" else [value_node]
            for src in sources:
                if src.id == "mapping":
                    for k in _mapping_lines(src, path, what):
                        merged.setdefault(k, line)
            continue
        if key in lines:
            raise InputError(f"{what}{key}: duplicate key (first on line {lines[key]})", path=path, line=line)
        lines[key] = line
    return {**merged, **lines}


def _value_node(node, key: str):
    """The value node of ``key`` in a mapping node, following merge keys; None when absent."""
    for k, v in node.value:
        if k.tag == "tag:yaml.org,2002:merge":
            continue
        if k.value == key:
            return v
    for k, v in node.value:
        if k.tag == "tag:yaml.org,2002:merge":
            for src in (v.value if v.id == "sequence" else [v]):
                found = _value_node(src, key) if src.id == "mapping" else None
                if found is not None:
                    return found
    return None


def _item_message(err: dict, fields: list[str], lines: dict[str, int]) -> tuple[str, str]:
    """(key, message) for the first pydantic error of a workload."""
    loc = err["loc"]
    key = str(loc[0]) if loc else ""
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        return key, f"unknown key{hint} (see examples/workloads.yaml for every key)"
    if err["type"] == "missing":
        return key, "missing required key"
    if err["type"] == "value_error":
        exc = err.get("ctx", {}).get("error")
        if isinstance(exc, _KeyProblem):
            key = exc.key if isinstance(exc.key, str) else max(exc.key, key=lambda k: lines.get(k, 0))
            return key, exc.message
    msg = err["msg"].replace("Input should be", "should be")
    if err["type"] == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"expected {expected}"
    if len(loc) > 1:  # inside a list, e.g. alternatives[1]
        key += "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    value = err.get("input")
    shown = f", got {value!r}" if not isinstance(value, (dict, list)) and value is not None else ""
    return key, f"{msg[0].lower() + msg[1:]}{shown}"


def read_workload_file(path: str | Path, text: str | None = None) -> list[PlannedWorkload]:
    """Validate a workload file and return its workloads, normalised to per month.

    ``text`` is the file's content when it does not come from ``path`` (standard input).
    ``sample:`` workloads are counted later, when a catalogue is at hand; here their token
    counts are left at zero.
    """
    path = str(path)
    if text is None:
        from calculator.io import CONFIG_LIMIT, read_text

        text = read_text(path, limit=CONFIG_LIMIT, what="workload file")
    root, data = _compose(text, path)
    if data is None:
        raise InputError("empty workload file: expected `version: 1` and a `workloads:` list", path=path)
    if not isinstance(data, dict):
        raise InputError("expected a mapping with `version: 1` and a `workloads:` list", path=path, line=1)
    top_lines = _mapping_lines(root, path, "")
    try:
        _FileSpec.model_validate(data)
    except ValidationError as exc:
        # A typo ("workload:") is both an unknown and a missing key: name the typo.
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        key = str(err["loc"][0]) if err["loc"] else "version"
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, ["version", "workloads"], n=1, cutoff=0.6)
            msg = "unknown top-level key" + (f"; did you mean {close[0]}?" if close else " (expected version, workloads)")
        elif err["type"] == "missing":
            msg = "missing required key" + (" (this file format is `version: 1`)" if key == "version" else "")
        elif key == "version":
            msg = f"unsupported version {data.get('version')!r}: this batchcalc reads version 1"
        elif err["type"] == "too_short":
            msg = "no workloads: list at least one"
        else:
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]}"
        raise InputError(f"{key}: {msg}", path=path, line=top_lines.get(key, 1)) from None

    workloads_node = _value_node(root, "workloads")
    fields = list(WorkloadSpec.model_fields)
    out: list[PlannedWorkload] = []
    seen: dict[str, int] = {}
    for i, (raw, node) in enumerate(zip(data["workloads"], workloads_node.value)):
        line = node.start_mark.line + 1
        label = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else f"#{i + 1}"
        if not isinstance(raw, dict):
            raise InputError(f"workloads[{i}]: expected a mapping of keys (name, model, ...)", path=path, line=line)
        key_lines = _mapping_lines(node, path, f"workload {label!r}: ")
        try:
            spec = WorkloadSpec.model_validate(raw)
        except ValidationError as exc:
            first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
            key, msg = _item_message(first, fields, key_lines)
            base = key.split("[")[0]
            err_line = key_lines.get(base, line)
            if base == "alternatives" and "[" in key:
                alt_node = next(v for k, v in node.value if k.value == "alternatives")
                idx = int(key.split("[")[1].split("]")[0])
                if idx < len(alt_node.value):
                    err_line = alt_node.value[idx].start_mark.line + 1
            raise InputError(f"workload {label!r}: {key}: {msg}", path=path, line=err_line) from None
        if spec.name in seen:
            raise InputError(f"workload {spec.name!r}: name: duplicate workload name (first on line "
                             f"{seen[spec.name]})", path=path, line=key_lines.get("name", line))
        seen[spec.name] = key_lines.get("name", line)
        alt_lines: tuple[int, ...] = ()
        if spec.alternatives:
            alt_node = _value_node(node, "alternatives")
            if alt_node is not None and alt_node.id == "sequence":
                alt_lines = tuple(n.start_mark.line + 1 for n in alt_node.value)
        try:
            cache = CacheAssumptions.given({k: f"the workload file's {v}" for k, v in FILE_KEYS.items()},
                                           **{k: getattr(spec, v) for k, v in FILE_KEYS.items()})
            output_ratio = parse_fraction(spec.output_ratio, "output_ratio")
        except ValueGivenError as exc:
            key = FILE_KEYS.get(exc.field, exc.key)
            raise InputError(f"workload {spec.name!r}: {key}: {exc.reason}", path=path,
                             line=key_lines.get(key, line)) from None
        period_key = next(k for k in PERIOD_KEYS if getattr(spec, k) is not None)
        per = period_key.rsplit("_", 1)[1]
        out.append(PlannedWorkload(
            spec=spec, path=path, line=line, key_lines=key_lines, alternative_lines=alt_lines,
            requests_per_month=monthly_requests(getattr(spec, period_key), per), per_month_from=per,
            input_tokens=spec.input_tokens or 0, output_tokens=spec.output_tokens or 0,
            shared_prefix_tokens=spec.shared_prefix_tokens, cache=cache, output_ratio=output_ratio))
    return out
