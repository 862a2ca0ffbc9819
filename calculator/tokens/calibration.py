"""Fitting the offline estimator to real token counts, and the user calibration file.

Batch results carry the real ``usage`` of every request. ``input_tokens`` EXCLUDES cached
tokens, so the real prompt size is ``input_tokens + cache_creation_input_tokens +
cache_read_input_tokens``. Per model, the factor that makes the estimate's total match the real
total is ``sum(real - fixed) / sum(raw)`` (raw: the cl100k_base count; fixed: image and
tool-use tokens counted directly), and the fit error is the per-request error at that factor.

The calibration file (YAML, one entry per model) lives at, in order of precedence: the
``--calibration`` option, ``$BATCHCALC_CALIBRATION``, ``$XDG_CONFIG_HOME/batchcalc/calibration.yaml``,
``~/.config/batchcalc/calibration.yaml``. Later runs use it instead of the catalogue's factor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Iterable, Optional

from calculator.errors import InputError

ENV_VAR = "BATCHCALC_CALIBRATION"


def calibration_path(override: Optional[str | Path] = None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "batchcalc" / "calibration.yaml"


@dataclass(frozen=True)
class Calibration:
    model: str
    factor: Decimal
    low: Decimal
    high: Decimal
    requests: int
    mean_abs_error_percent: Decimal
    max_abs_error_percent: Decimal
    fitted: dt.date
    results: str

    def as_yaml(self) -> dict:
        d = asdict(self)
        d.pop("model")
        for k in ("factor", "low", "high", "mean_abs_error_percent", "max_abs_error_percent"):
            d[k] = str(d[k])
        d["fitted"] = self.fitted.isoformat()
        return d


def load_calibration(path: Path) -> dict[str, Calibration]:
    """The calibrations in ``path`` by model id; {} when the file does not exist."""
    from calculator.yaml_load import line_of, load_yaml

    if not path.exists():
        return {}
    node, raw = load_yaml(path, what="calibration file")
    models = raw.get("models") if isinstance(raw, dict) else None
    if not isinstance(models, dict):
        raise InputError("expected a mapping with a 'models' key; fix or delete this calibration file",
                         path=str(path), line=line_of(node, "models"))
    out = {}
    for model, entry in models.items():
        line = line_of(node, "models", model)
        try:
            cal = Calibration(
                model=str(model), factor=_finite(entry["factor"]), low=_finite(entry["low"]),
                high=_finite(entry["high"]), requests=int(entry["requests"]),
                mean_abs_error_percent=_finite(entry["mean_abs_error_percent"]),
                max_abs_error_percent=_finite(entry["max_abs_error_percent"]),
                fitted=dt.date.fromisoformat(str(entry["fitted"])), results=str(entry.get("results", "")))
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise InputError(f"models.{model}: invalid calibration entry ({exc})", path=str(path), line=line) from None
        if cal.factor <= 0:
            raise InputError(f"models.{model}.factor must be positive", path=str(path), line=line)
        out[str(model)] = cal
    return out


def _finite(value) -> Decimal:
    """An exact number from the file; NaN and infinities are not factors."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    d = Decimal(str(value))
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return d


def save_calibration(path: Path, entries: Iterable[Calibration]) -> None:
    """Merge ``entries`` into the file (other models are kept), written atomically."""
    import yaml

    from calculator.io import write_output

    header = ("# batchcalc calibration: per model, the factor that turns a tiktoken cl100k_base\n"
              "# count into Claude tokens, fitted by `batchcalc count REQUESTS --calibrate RESULTS`.\n"
              "# factor: the fit; low/high: the per-request error band; requests: how many were\n"
              "# matched; *_abs_error_percent: per-request error at that factor.\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Read, merge and write under a lock: two runs at once must not lose a model.
        with _locked(path):
            existing = load_calibration(path)
            for c in entries:
                existing[c.model] = c
            doc = {"schema_version": 1,
                   "models": {m: existing[m].as_yaml() for m in sorted(existing)}}
            write_output(path, header + yaml.safe_dump(doc, sort_keys=False))
    except OSError as exc:
        raise InputError(f"cannot write the calibration file ({exc.strerror})", path=str(path)) from None


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path``'s lock file (beside it) for as long as the block runs."""
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# -- batch results ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultUsage:
    model: Optional[str]
    input_total: int  # input + cache writes + cache reads: the whole prompt
    output_tokens: int


def read_results(path: str, *, policy=None) -> tuple[dict[str, ResultUsage], int]:
    """Succeeded results of a Message Batches results JSONL by custom_id, and how many lines
    were not succeeded results (errored, canceled, expired). A bad line goes to ``policy`` (an
    :class:`~calculator.readers._policy.InvalidRows`; default: raise)."""
    from calculator.errors import BadRow
    from calculator.io import DATA_LIMIT, open_input, parse_json
    from calculator.readers._policy import InvalidRows
    from calculator.readers.requests import _decode_line, _iter_lines

    policy = policy if policy is not None else InvalidRows()

    src = open_input(path, limit=DATA_LIMIT, what="batch results file")
    out: dict[str, ResultUsage] = {}
    others = 0
    try:
        for lineno, data, ended in _iter_lines(src):
            if not data.strip():
                continue
            try:
                obj = parse_json(_decode_line(data, src.name, lineno), path=src.name, line=lineno)
                result = obj.get("result") if isinstance(obj, dict) else None
                if not isinstance(result, dict) or "custom_id" not in obj:
                    raise InputError("expected a batch result {\"custom_id\": ..., \"result\": {...}}",
                                     path=src.name, line=lineno)
                if result.get("type") != "succeeded":
                    others += 1
                    continue
                msg = result.get("message") or {}
                usage = msg.get("usage") if isinstance(msg, dict) else None
                if not isinstance(usage, dict) or "input_tokens" not in usage:
                    raise InputError("succeeded result without message.usage.input_tokens",
                                     path=src.name, line=lineno)
                tokens = {k: _tokens(usage, k, src.name, lineno) for k in (
                    "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")}
                total = tokens["input_tokens"] + tokens["cache_creation_input_tokens"] \
                    + tokens["cache_read_input_tokens"]
                model = msg.get("model")
                out[str(obj["custom_id"])] = ResultUsage(model if isinstance(model, str) else None, total,
                                                         tokens["output_tokens"])
            except BadRow as bad:
                policy.reject(bad, f"bad results line ({bad.reason})")
            except InputError as exc:
                policy.reject(exc, "bad results line")
    finally:
        src.close()
    return out, others


def _tokens(usage: dict, key: str, path: str, line: int) -> int:
    """A token count of a result's usage: absent or null is 0, anything but a whole number
    >= 0 is an error naming the line."""
    value = usage.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"usage.{key} is {value!r}: expected a whole number of tokens", path=path, line=line)
    return value


# -- the fit -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fit:
    model: str
    requests: int
    factor: Decimal
    previous_factor: Decimal
    mean_abs_error_percent: Decimal
    max_abs_error_percent: Decimal
    previous_mean_abs_error_percent: Decimal
    total_error_percent_before: Decimal  # the sample total at the previous factor vs real

    def calibration(self, results: str, on: dt.date) -> Calibration:
        band = self.mean_abs_error_percent / 100
        q = Decimal("0.0001")
        return Calibration(self.model, self.factor.quantize(q, ROUND_HALF_UP),
                           max(Decimal("0.01"), self.factor * (1 - band)).quantize(q, ROUND_HALF_UP),
                           (self.factor * (1 + band)).quantize(q, ROUND_HALF_UP), self.requests,
                           self.mean_abs_error_percent.quantize(Decimal("0.01"), ROUND_HALF_UP),
                           self.max_abs_error_percent.quantize(Decimal("0.01"), ROUND_HALF_UP), on, results)


def fit_factor(model: str, samples: list[tuple[int, int, int]], previous: Decimal) -> Fit:
    """``samples`` are (raw cl100k count, fixed tokens, real tokens) per request."""
    from calculator.tokens.counter import estimate_tokens

    if not samples:
        raise InputError(f"no request of {model} matched a succeeded result: nothing to calibrate")
    raw_sum = sum(r for r, _, _ in samples)
    var_sum = sum(real - fixed for _, fixed, real in samples)
    if raw_sum <= 0 or var_sum <= 0:
        raise InputError(f"{model}: the matched requests have no text to calibrate on")
    factor = Decimal(var_sum) / Decimal(raw_sum)

    def errors(f: Decimal) -> list[Decimal]:
        return [abs(Decimal(estimate_tokens(r, f) + fx - real)) * 100 / real
                for r, fx, real in samples if real > 0]

    errs, prev = errors(factor), errors(previous)
    real_total = sum(real for _, _, real in samples)
    est_prev = sum(estimate_tokens(r, previous) + fx for r, fx, _ in samples)
    n = Decimal(max(1, len(errs)))
    return Fit(model, len(samples), factor, previous, sum(errs, Decimal(0)) / n, max(errs, default=Decimal(0)),
               sum(prev, Decimal(0)) / n,
               (Decimal(est_prev - real_total) * 100 / real_total) if real_total else Decimal(0))
