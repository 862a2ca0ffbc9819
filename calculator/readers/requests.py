"""Readers for sample workloads: every input becomes a stream of :class:`Request`.

Auto-detected formats, each streamed (never loaded whole) and read through gzip when the file
starts with the gzip magic bytes:

- Message Batches request JSONL: one ``{"custom_id": ..., "params": {...}}`` per line;
- the Message Batches JSON body ``{"requests": [...]}`` (items decoded one at a time);
- a directory or glob of plain-text prompt files (one user message each; needs a model);
- a CSV with a prompt column (``column``; needs a model);
- ``-``: standard input, in any of the formats above except directories.

Every problem is an :class:`~calculator.errors.InputError` naming ``file:line``; a bad request
(a :class:`~calculator.errors.BadRow`) goes to the bad-row policy, which with --skip-invalid counts
it and goes on instead.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from calculator.errors import BadRow, InputError
from calculator.io import DATA_LIMIT, Input, StreamError, expand_glob, is_glob, open_input
from calculator.readers._policy import InvalidRows

PROMPT_SUFFIXES = {".txt", ".md", ".prompt", ".text"}
# No single line may be larger than a whole batch (256 MB): past that we stop reading it.
MAX_LINE_BYTES = 256_000_000
_HEAD_BYTES = 65536  # what detection looks at
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_NOT_UNICODE = re.compile("[\ud800-\udfff]")  # a lone surrogate, from a JSON escape


@dataclass
class Request:
    """One request of the sample, as read (not yet counted)."""

    custom_id: str
    params: dict[str, Any]
    source: str
    line: int
    size_bytes: int  # its size as one line of a batch request file

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class ReadStats:
    """What the readers read: the files and their bytes."""

    files: list[str] = field(default_factory=list)
    bytes_read: int = 0


def _fail(reason: str, message: str, path: str, line: Optional[int]) -> BadRow:
    return BadRow(reason, message, path=path, line=line)


# -- lines ---------------------------------------------------------------------------------

def _decode_line(data: bytes, path: str, lineno: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("not UTF-8", f"byte {exc.start + 1} of the line is not valid UTF-8 "
                    f"(0x{data[exc.start]:02x}): expected UTF-8 text", path, lineno) from None


def _iter_lines(src: Input) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without the newline, whether the line ended with a newline)."""
    lineno = 0
    try:
        while True:
            data = src.stream.readline(MAX_LINE_BYTES + 1)
            if not data:
                return
            lineno += 1
            if len(data) > MAX_LINE_BYTES:
                raise InputError(f"a line longer than {MAX_LINE_BYTES:,} bytes (the whole-batch "
                                 f"limit): not a file of batch requests or results", path=src.name, line=lineno)
            ended = data.endswith(b"\n")
            yield lineno, data.rstrip(b"\r\n") if ended else data, ended
    except StreamError as exc:
        raise exc.at(lineno + 1) from None


# -- request validation --------------------------------------------------------------------

def _request_from_obj(obj: Any, path: str, lineno: int, size: int, model: Optional[str]) -> Request:
    if not isinstance(obj, dict):
        raise _fail("not a request object", f"expected a JSON object like {{\"custom_id\": ..., "
                    f"\"params\": {{...}}}}, got {type(obj).__name__}", path, lineno)
    params = obj.get("params")
    if params is None:
        raise _fail("missing params", "no \"params\": expected a Message Batches request "
                    "{\"custom_id\": ..., \"params\": {\"model\", \"max_tokens\", \"messages\"}}", path, lineno)
    if not isinstance(params, dict):
        raise _fail("missing params", f"\"params\" must be an object, got {type(params).__name__}", path, lineno)
    messages = params.get("messages")
    if messages is None:
        raise _fail("missing messages", "no \"params.messages\": every request needs a messages list",
                    path, lineno)
    if not isinstance(messages, list) or not messages:
        raise _fail("missing messages", "\"params.messages\" must be a non-empty list", path, lineno)
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "content" not in m:
            raise _fail("invalid message", f"params.messages[{i}] must be an object with "
                        f"\"role\" and \"content\"", path, lineno)
    custom_id = obj.get("custom_id")
    if custom_id is None or custom_id == "":
        raise _fail("missing custom_id", "no \"custom_id\": every batch request needs one", path, lineno)
    for name, value in (("custom_id", custom_id), ("params.model", params.get("model"))):
        if isinstance(value, str) and _NOT_UNICODE.search(value):
            raise _fail("not Unicode", f"{name} {value!r} holds half a character (a lone surrogate such as "
                        f"\\ud800): not valid Unicode", path, lineno)
    if model:
        params = {**params, "model": model}
    if not isinstance(params.get("model"), str) or not params["model"]:
        raise _fail("missing model", "no \"params.model\" (give --model to set one)", path, lineno)
    mt = params.get("max_tokens")
    if not isinstance(mt, int) or isinstance(mt, bool) or mt < 1:
        raise _fail("missing max_tokens", f"\"params.max_tokens\" must be a whole number >= 1, got "
                    f"{mt!r}", path, lineno)
    return Request(str(custom_id), params, path, lineno, size)


def _parse_json_line(text: str, path: str, lineno: int, ended: bool) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if not ended:
            raise _fail("truncated last line", f"the last line is cut off (no newline at the end and "
                        f"not complete JSON: {exc.msg}, column {exc.colno})", path, lineno) from None
        raise _fail("malformed JSON", f"not valid JSON ({exc.msg}, column {exc.colno})",
                    path, lineno) from None
    except RecursionError:
        raise _fail("malformed JSON", "JSON nested too deeply", path, lineno) from None


# -- formats --------------------------------------------------------------------------------

def _jsonl(src: Input, first: Optional[tuple[int, bytes, bool]], lines: Iterator,
           model: Optional[str], policy: InvalidRows) -> Iterator[Request]:
    def all_lines():
        if first is not None:
            yield first
        yield from lines

    for lineno, data, ended in all_lines():
        if not data.strip():
            continue
        try:
            text = _decode_line(data, src.name, lineno)
            obj = _parse_json_line(text, src.name, lineno, ended)
            yield _request_from_obj(obj, src.name, lineno, len(data) + 1, model)
        except BadRow as bad:
            policy.reject(bad)


def _json_body(src: Input, model: Optional[str], policy: InvalidRows, chunk: int = 1 << 20) -> Iterator[Request]:
    """Stream the items of ``{"requests": [...]}`` one at a time: the "requests" key of the
    top-level object only (a nested "meta": {"requests": ...} is not the list), its other
    members skipped, and nothing allowed after the object."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    buf = ""
    pos = 0
    line = 1  # line number of buf[pos]
    eof = False

    def more(n: int = chunk) -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        try:
            data = src.stream.read(n)
        except StreamError as exc:
            raise exc.at(line + buf.count("\n", pos)) from None
        if not data:
            eof = True
            try:
                tail = utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                raise InputError("not valid UTF-8 at the end of the file", path=src.name, line=line) from None
            buf = buf[pos:] + tail
            pos = 0
            return bool(tail)
        try:
            text = utf8.decode(data)
        except UnicodeDecodeError as exc:
            bad_line = line + buf.count("\n", pos) + data[:exc.start].count(b"\n")
            raise InputError("not valid UTF-8: expected UTF-8 text", path=src.name, line=bad_line) from None
        buf = buf[pos:] + text
        pos = 0
        return True

    def advance(to: int):
        nonlocal pos, line
        line += buf.count("\n", pos, to)
        pos = to

    def skip_ws() -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            n = len(buf)
            i = pos
            while i < n and buf[i] in " \t\r\n":
                i += 1
            advance(i)
            if pos < len(buf) or not more():
                return buf[pos] if pos < len(buf) else ""

    def value(what: str):
        """Decode the JSON value at pos (reading more until it is complete)."""
        start_line = line
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if not more(max(chunk, len(buf))):
                    raise _fail("malformed JSON", f"{what}: not valid JSON ({exc.msg})",
                                src.name, start_line) from None
            except RecursionError:
                raise _fail("malformed JSON", f"{what}: JSON nested deeper than the parser follows",
                            src.name, start_line) from None
        size = len(buf[pos:end].encode("utf-8")) + 1 if end - pos < 4096 else (end - pos) + 1
        advance(end)
        return obj, start_line, size

    def expect(char: str, what: str):
        if skip_ws() != char:
            found = repr(buf[pos]) if pos < len(buf) else "the end of the file"
            raise InputError(f"expected {what}, found {found}", path=src.name, line=line)
        advance(pos + 1)

    more()
    expect("{", "a JSON object {\"requests\": [...]}")
    seen = False
    while True:
        if skip_ws() == "}":
            advance(pos + 1)
            break
        key, key_line, _ = value("a key of the top-level object")
        if not isinstance(key, str):
            raise InputError("expected a key (a string) in the top-level object", path=src.name, line=key_line)
        expect(":", f"':' after the key {key!r}")
        if key != "requests":
            skip_ws()
            value(f"the value of {key!r}")
        else:
            if seen:
                raise InputError("a second \"requests\" key in the top-level object: which list is the "
                                 "batch?", path=src.name, line=key_line)
            seen = True
            expect("[", "the \"requests\" list")
            index = 0
            while True:
                c = skip_ws()
                if not c:
                    raise _fail("truncated file", "the file ends inside the \"requests\" list", src.name, line)
                if c == "]":
                    advance(pos + 1)
                    break
                if index and c == ",":
                    advance(pos + 1)
                    skip_ws()
                elif index:
                    raise InputError(f"expected ',' or ']' after requests[{index - 1}]", path=src.name, line=line)
                obj, start_line, size = value(f"requests[{index}]")
                try:
                    yield _request_from_obj(obj, src.name, start_line, size, model)
                except BadRow as bad:
                    policy.reject(bad)
                index += 1
        c = skip_ws()
        if c == ",":
            advance(pos + 1)
        elif c != "}":
            raise InputError(f"expected ',' or '}}' in the top-level object, found "
                             f"{repr(c) if c else 'the end of the file'}", path=src.name, line=line)
    if not seen:
        raise InputError("no \"requests\" list in the top-level JSON object", path=src.name, line=1)
    if skip_ws():
        raise InputError("data after the end of the JSON object: expected one {\"requests\": [...]} "
                         "object", path=src.name, line=line)


def _csv(src: Input, column: Optional[str], model: Optional[str], max_tokens: int,
         policy: InvalidRows) -> Iterator[Request]:
    import csv

    # surrogateescape: bytes that are not UTF-8 reach the row they are on (a strict decoder
    # fails on whichever 8 KB read holds them, which names the wrong line), which is named.
    text = io.TextIOWrapper(src.stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    # A long prompt is not a CSV error: the size checks come later, with the token count.
    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except StreamError as exc:
        raise exc.at(1) from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8: expected UTF-8 text", path=src.name, line=1) from None
    except csv.Error as exc:
        raise InputError(f"not a valid CSV header ({exc})", path=src.name, line=1) from None
    names = [h.strip() for h in header]
    if _NOT_UTF8.search("".join(names)):
        raise InputError("not valid UTF-8: expected UTF-8 text", path=src.name, line=1)
    if column is None:
        for guess in ("prompt", "text", "message", "content", "input"):
            if guess in names:
                column = guess
                break
        else:
            if len(names) == 1:
                column = names[0]
            else:
                raise InputError(f"which column holds the prompt? Give --column (columns: "
                                 f"{', '.join(names)})", path=src.name, line=1)
    if column not in names:
        raise InputError(f"no column {column!r} (columns: {', '.join(names)})", path=src.name, line=1)
    ci = names.index(column)
    id_col = next((names.index(c) for c in ("custom_id", "id") if c in names), None)
    model_col = names.index("model") if "model" in names else None
    row_no = 0
    while True:
        lineno = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8: expected UTF-8 text", path=src.name, line=lineno) from None
        except StreamError as exc:
            raise exc.at(lineno) from None
        except csv.Error as exc:
            policy.reject(_fail("malformed CSV", f"not valid CSV ({exc})", src.name, lineno))
            continue
        if not row or all(not c.strip() for c in row):
            continue
        row_no += 1
        bad = next((c for c in row if _NOT_UTF8.search(c)), None)
        if bad is not None:
            policy.reject(_fail("not UTF-8", "not valid UTF-8: expected UTF-8 text", src.name, lineno))
            continue
        if len(row) != len(names):
            # An unquoted comma splits a prompt in two: counting the first part would be a wrong number.
            policy.reject(_fail("malformed CSV", f"row has {len(row)} columns, the header {len(names)} "
                                f"(quote a prompt that contains commas)", src.name, lineno))
            continue
        row_model = model or (row[model_col] if model_col is not None and model_col < len(row) else None)
        if not row_model:
            raise InputError("no model: give --model (or a \"model\" column)", path=src.name, line=lineno)
        cid = row[id_col] if id_col is not None and id_col < len(row) and row[id_col] else f"row-{row_no}"
        params = {"model": row_model, "max_tokens": max_tokens,
                  "messages": [{"role": "user", "content": row[ci]}]}
        yield Request(cid, params, src.name, lineno, _params_size(cid, params))


def _params_size(custom_id: str, params: dict) -> int:
    return len(json.dumps({"custom_id": custom_id, "params": params}, ensure_ascii=False).encode("utf-8")) + 1


def _prompt_files(paths: list[str], display_root: Optional[str], model: Optional[str],
                  max_tokens: int, stats: ReadStats, policy: InvalidRows) -> Iterator[Request]:
    if not model:
        raise InputError("prompt files need --model (plain text carries no model)",
                         path=display_root or paths[0])
    for p in paths:
        stats.files.append(p)
        with open_input(p, limit=MAX_LINE_BYTES, what="prompt file") as src:
            data = src.read()
        stats.bytes_read += len(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            policy.reject(_fail("not UTF-8", f"byte {exc.start + 1} is not valid UTF-8 (0x{data[exc.start]:02x}): "
                                f"expected UTF-8 text", p, data[:exc.start].count(b"\n") + 1))
            continue
        if not text.strip():
            policy.reject(_fail("empty file", "empty prompt file", p, 1))
            continue
        cid = os.path.relpath(p, display_root) if display_root else os.path.basename(p)
        params = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": text}]}
        yield Request(cid, params, p, 1, _params_size(cid, params))


def _is_body_start(head: bytes) -> bool:
    """A JSON body: the file opens an object on a line of its own, or with a "requests" key."""
    return re.match(rb'\s*\{[ \t\r]*(?:\n|"requests"|$)', head) is not None


def _detect_and_read(src: Input, *, model, column, max_tokens, policy: InvalidRows) -> Iterator[Request]:
    lower = src.name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith((".csv", ".tsv")) or column is not None:
        yield from _csv(src, column, model, max_tokens, policy)
        return
    try:
        head = src.head(_HEAD_BYTES)
    except StreamError as exc:
        raise exc.at(1) from None
    if _is_body_start(head):
        yield from _json_body(src, model, policy)
        return
    lines = _iter_lines(src)
    first = next((item for item in lines if item[1].strip()), None)
    if first is None:
        raise _fail("empty file", "empty file: expected Message Batches requests, one JSON object "
                    "per line", src.name, 1)
    yield from _jsonl(src, first, lines, model, policy)


def expand_inputs(inputs: Iterable[str]) -> list[tuple[str, list[str] | None, str | None]]:
    """Each input as (path, prompt files or None, display root)."""
    out = []
    for item in inputs:
        if item == "-":
            out.append((item, None, None))
        elif os.path.isdir(item):
            files = [p for p in expand_glob(os.path.join(item, "**", "*"))
                     if os.path.splitext(p)[1].lower() in PROMPT_SUFFIXES]
            if not files:
                raise InputError(f"no prompt files ({', '.join(sorted(PROMPT_SUFFIXES))}) in this directory", path=item)
            out.append((item, files, item))
        elif is_glob(item) and not os.path.exists(item):
            files = expand_glob(item)
            if not files:
                raise InputError("no file matches this pattern", path=item)
            request_like = [f for f in files if f.lower().endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz",
                                                                      ".csv", ".csv.gz"))]
            if request_like and len(request_like) == len(files):
                out.extend((f, None, None) for f in files)
            else:
                out.append((item, files, os.path.dirname(item.split("*")[0]) or None))
        else:
            out.append((item, None, None))
    return out


def read_requests(inputs: Iterable[str], *, model: Optional[str] = None, column: Optional[str] = None,
                  max_tokens: int = 1024, policy: Optional[InvalidRows] = None, stats: Optional[ReadStats] = None,
                  progress: Optional[Callable[[int], None]] = None) -> Iterator[Request]:
    """Every request of every input, in order. Raises InputError on bad input; a bad request goes
    to ``policy`` (default: raise), which may count it and go on. ``stats`` receives the files read.

    ``max_tokens`` is the value given to prompt files and CSV rows (they carry none).
    ``progress`` is called now and then with the number of input bytes consumed so far.
    """
    policy = policy if policy is not None else InvalidRows()
    stats = stats if stats is not None else ReadStats()
    done_bytes = 0
    for path, files, root in expand_inputs(inputs):
        if files is not None:
            gen: Iterator = _prompt_files(files, root, model, max_tokens, stats, policy)
            src = None
        else:
            src = open_input(path, limit=DATA_LIMIT, what="request file")
            stats.files.append(src.name)
            gen = _detect_and_read(src, model=model, column=column, max_tokens=max_tokens, policy=policy)
        n = 0
        try:
            while True:
                try:
                    item = next(gen)
                except StopIteration:
                    break
                except BadRow as bad:  # a whole-file problem (an empty file, a body cut short) ends the file
                    policy.reject(bad)
                    break
                n += 1
                if progress is not None and src is not None and n % 256 == 0:
                    progress(done_bytes + src.position())
                yield item
        finally:
            if src is not None:
                pos = src.position()
                stats.bytes_read += pos
                done_bytes += pos
                src.close()
        if progress is not None:
            progress(done_bytes)


def input_size(inputs: Iterable[str]) -> Optional[int]:
    """Total bytes of the inputs on disk (for a progress bar), None when unknown (stdin)."""
    total = 0
    for path, files, _ in expand_inputs(inputs):
        if path == "-":
            return None
        for f in files if files is not None else [path]:
            try:
                total += os.path.getsize(f)
            except OSError:
                return None
    return total
