"""Message Batches results JSONL: one line per request, ``{"custom_id", "result": {...}}``.

Only ``succeeded`` results are billed; ``errored``, ``canceled`` and ``expired`` are counted and
shown, not billed. ``usage.input_tokens`` EXCLUDES cached tokens. Results carry no date: they
are dated by --on. The long-context tier is decided per request from its own total input
(input + cache writes + cache reads) against the model's threshold on that date.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterator

from calculator.errors import InputError, ModelError, SourceMismatchError
from calculator.readers.frame import Chunk, ReaderInfo
from calculator.io import EXPORT, StreamError, open_input
from calculator.readers._policy import InvalidRows
from calculator.io import loads_json
from calculator.readers._records import CHUNK_ROWS, RecordBuffer, count_problem, whole
from calculator.readers.admin_usage import split_problem

RESULT_TYPES = ("succeeded", "errored", "canceled", "expired")


def read(path: str, info: ReaderInfo, policy: InvalidRows, on: dt.date, catalogue) -> Iterator[Chunk]:
    buf = RecordBuffer(path, buckets=False)
    seen: dict[str, int] = {}
    thresholds: dict[str, int | None] = {}
    split_assumed = 0
    src = open_input(path, what=EXPORT)
    any_line = False
    n = 0
    try:
        for n, raw in enumerate(src.stream, 1):
            if not raw.strip():
                continue
            any_line = True
            where = f"line {n}"
            try:
                obj = loads_json(raw, path, where)
            except InputError as exc:
                policy.bad(path, where, str(exc).split(f"{where}: ", 1)[-1], "malformed line")
                continue
            except UnicodeDecodeError as exc:
                policy.bad(path, where, f"not UTF-8 text (byte {exc.start + 1} of the line is "
                           f"0x{raw[exc.start]:02x}); export the file as UTF-8", "not UTF-8")
                continue
            except json.JSONDecodeError as exc:
                if n == 1:
                    raise SourceMismatchError("not a batch results JSONL file (the first line is not a "
                                              "JSON object)", path=path) from None
                policy.bad(path, where, f"not valid JSON ({exc})", "malformed line")
                continue
            if not isinstance(obj, dict) or "custom_id" not in obj or not isinstance(obj.get("result"), dict):
                if n == 1:
                    found = sorted(obj)[:6] if isinstance(obj, dict) else type(obj).__name__
                    raise SourceMismatchError(f"not a batch results JSONL file (expected "
                                              f"{{\"custom_id\", \"result\"}} on each line; found {found})",
                                              path=path)
                policy.bad(path, where, "expected {\"custom_id\", \"result\": {...}}", "malformed line")
                continue
            cid = str(obj["custom_id"])
            if cid in seen:
                policy.bad(path, where, f"duplicate custom_id {cid!r} (first on line {seen[cid]}): "
                           f"a request's result must be counted once", "duplicate row")
                continue
            seen[cid] = n
            result = obj["result"]
            rtype = result.get("type")
            if rtype not in RESULT_TYPES:
                policy.bad(path, where, f"result.type {rtype!r}: expected one of {', '.join(RESULT_TYPES)}",
                           "unknown result type")
                continue
            info.stats[rtype] = info.stats.get(rtype, 0) + 1
            if rtype != "succeeded":
                continue
            msg = result.get("message")
            usage = msg.get("usage") if isinstance(msg, dict) else None
            model = msg.get("model") if isinstance(msg, dict) else None
            if not isinstance(usage, dict) or not model or not isinstance(model, str):
                policy.bad(path, where, "a succeeded result needs message.model (a string) and message.usage "
                           "(an object)", "missing field")
                continue
            if usage.get("server_tool_use") is not None and not isinstance(usage.get("server_tool_use"), dict):
                policy.bad(path, where, f"usage.server_tool_use = {usage.get('server_tool_use')!r}: expected an "
                           f"object with web_search_requests", "malformed line")
                continue
            counts = {}
            cc = usage.get("cache_creation") if isinstance(usage.get("cache_creation"), dict) else None
            tools = usage.get("server_tool_use")
            fields = {"uncached_input": usage.get("input_tokens"), "output": usage.get("output_tokens"),
                      "cache_read": usage.get("cache_read_input_tokens"),
                      "web_search_requests": tools.get("web_search_requests") if isinstance(tools, dict) else None}
            if cc is not None:
                fields["cache_write_5m"] = cc.get("ephemeral_5m_input_tokens")
                fields["cache_write_1h"] = cc.get("ephemeral_1h_input_tokens")
            else:
                fields["cache_write_5m"] = usage.get("cache_creation_input_tokens")
                fields["cache_write_1h"] = 0
                if fields["cache_write_5m"]:
                    split_assumed += 1
            bad = False
            for k, v in fields.items():
                w = whole(v, k)
                if w is None:
                    policy.bad(path, where, f"usage {k} = {str(v)[:40]!r} {count_problem(v)}", "non-integer count")
                    bad = True
                    break
                counts[k] = w
            if bad:
                continue
            if cc is not None:
                problem = split_problem(usage.get("cache_creation_input_tokens"), cc,
                                        counts["cache_write_5m"], counts["cache_write_1h"])
                if problem:
                    policy.bad(path, where, problem, "cache writes not split")
                    continue
            if "input_tokens" not in usage or "output_tokens" not in usage:
                policy.bad(path, where, "usage needs input_tokens and output_tokens", "missing field")
                continue
            if model not in thresholds:
                try:
                    thresholds[model] = catalogue.long_context_threshold(model, on)
                except ModelError:
                    thresholds[model] = None  # the aggregator reports the model
            threshold = thresholds[model]
            total_input = (counts["uncached_input"] + counts["cache_write_5m"] + counts["cache_write_1h"]
                           + counts["cache_read"])
            long = threshold is not None and total_input > threshold
            buf.add({"period": on.isoformat(), "model": model, "service_tier": usage.get("service_tier") or "batch",
                     "context_tier": "long" if long else "base",
                     "inference_geo": usage.get("inference_geo") or "global",
                     "speed": usage.get("speed") or "standard", "workspace": "", "api_key": "",
                     "source": "batch_results", "requests": 1, **counts}, where)
            if len(buf) >= CHUNK_ROWS:
                yield buf.flush()
    except StreamError as exc:  # a gzip file cut short: the lines before it were read
        raise exc.at(n + 1) from None
    finally:
        src.close()
    if not any_line:
        raise InputError("file is empty (expected batch results JSONL)", path=path)
    chunk = buf.flush()
    if chunk is not None:
        yield chunk
    note = f"batch results carry no dates: priced at the rates in effect on {on.isoformat()} (--on)"
    if note not in info.assumptions:
        info.assumptions.append(note)
    if split_assumed:
        info.assumptions.append(f"{path}: {split_assumed:,} result(s) give cache_creation_input_tokens "
                                f"without the 5m/1h split: taken as 5-minute writes (the default TTL)")
