"""Opening inputs once: files, gzip, standard input, FIFOs and process substitution.

A regular file can be opened as often as needed (to detect its format, then to read it). A pipe
cannot: bytes read to detect it are gone. So a stream that is not a regular file is opened once
per process; the bytes looked at first (``peek_input``) are kept and served again, in front of
the rest of the same stream, to whoever opens it next. No row is lost and nothing is read twice.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys

from calculator.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
HEAD = 65536

_STREAMS: dict[tuple, "_Replay"] = {}


class _Replay(io.RawIOBase):
    """A one-shot stream whose first bytes were peeked: serves them again, then the rest."""

    def __init__(self, raw):
        self.raw = raw
        self.prefix = b""
        self.pos = 0
        self.opened = 0

    def readable(self) -> bool:
        return True

    def peek_head(self, size: int) -> bytes:
        while len(self.prefix) < size:
            more = self.raw.read(size - len(self.prefix))
            if not more:
                break
            self.prefix += more
        return self.prefix[:size]

    def readinto(self, buf) -> int:
        if self.pos < len(self.prefix):
            n = min(len(buf), len(self.prefix) - self.pos)
            buf[:n] = self.prefix[self.pos:self.pos + n]
            self.pos += n
            if self.pos == len(self.prefix):
                self.prefix = b""  # served: do not keep a large head alive
                self.pos = 0
            return n
        data = self.raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        return n

    def close(self) -> None:
        # The underlying stream stays open until the process ends: a reader closing it after
        # detection must not lose what the next reader needs.
        pass


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _key(path: str):
    """The same stream, however often it is named: standard input by object, others by inode."""
    if path == "-":
        return ("-", id(sys.stdin))
    try:
        st = os.stat(path)
        return (path, st.st_dev, st.st_ino)
    except OSError:
        return (path,)


def _one_shot(path: str) -> _Replay:
    key = _key(path)
    stream = _STREAMS.get(key)
    if stream is None:
        try:
            raw = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=0)
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror})", path=path) from None
        stream = _STREAMS[key] = _Replay(raw)
    return stream


def open_input(path: str):
    """(a binary stream of the decompressed contents with ``peek``, the name to show).

    ``-`` is standard input. A pipe, FIFO or ``/dev/stdin`` is read once: opening it again
    continues the same stream, starting with the bytes a detector peeked at."""
    name = "<stdin>" if path == "-" else path
    if path != "-" and _is_regular(path):
        try:
            raw = open(path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror})", path=path) from None
    else:
        raw = io.BufferedReader(_one_shot(path), buffer_size=1 << 20)
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    try:
        magic = buffered.peek(2)[:2]
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", path=path) from None
    if magic == GZIP_MAGIC:
        return io.BufferedReader(gzip.GzipFile(fileobj=buffered, mode="rb"), buffer_size=1 << 20), name
    return buffered, name


def peek_input(path: str, size: int = HEAD) -> bytes:
    """The first ``size`` bytes of the decompressed contents (BOM removed), for detection,
    without consuming them: the next ``open_input`` of the same path starts at byte 0."""
    if path != "-" and _is_regular(path):
        fh, _ = open_input(path)
        try:
            data = fh.read(size)
        finally:
            fh.close()
    else:
        stream = _one_shot(path)
        raw = stream.peek_head(size)
        if raw[:2] == GZIP_MAGIC:
            # The compressed head decompresses to at most what it holds: enough for detection.
            raw = stream.peek_head(size * 4)
            try:
                data = gzip.GzipFile(fileobj=io.BytesIO(raw)).read(size)
            except EOFError:
                d = gzip.GzipFile(fileobj=io.BytesIO(raw))
                data = b""
                try:
                    while len(data) < size:
                        chunk = d.read1(size - len(data)) if hasattr(d, "read1") else d.read(1024)
                        if not chunk:
                            break
                        data += chunk
                except EOFError:
                    pass
        else:
            data = raw
    return data[3:] if data.startswith(BOM) else data


def loads_json(text, path: str, where: str | None = None):
    """``json.loads`` for input files: nesting too deep for an export (a hostile or corrupt file)
    and integers with thousands of digits are one-line errors naming the file, not a crash.
    ``json.JSONDecodeError`` is left to the caller (each format words it its own way)."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(f"{where + ': ' if where else ''}JSON nested too deeply to be an export "
                         f"(more than {sys.getrecursionlimit():,} levels)", path=path) from None
    except ValueError as exc:
        if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
            raise
        raise InputError(f"{where + ': ' if where else ''}not a JSON export batchcalc can read "
                         f"({str(exc).splitlines()[0][:120]})", path=path) from None
