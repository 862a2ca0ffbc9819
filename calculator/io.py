"""Every input opened and every output written: one opener, one writer.

Inputs (:func:`open_input`): a file, ``-`` (standard input), a FIFO, ``/dev/stdin`` or a
process substitution ``<(zcat x.gz)`` are all read ONCE, as one stream. Detection looks at the
head of that same stream (:meth:`Input.head`), so nothing is re-opened and no row is lost on a
pipe. gzip is recognised by its magic bytes, a UTF-8 byte-order mark is dropped, and every input
has a bound on its (decompressed) size suited to what it is: a YAML or calibration file is small,
a request file or a usage export is large. Reading past the bound (``/dev/zero``, an endless
pipe, a gzip bomb) stops there with a one-line error naming the bound, before memory runs out.

Outputs (:func:`write_output`): a regular file is replaced atomically (a temporary file beside
it, fsync, rename; the old file's mode is kept), a symlink's target is written (atomically,
beside the target), and a device, FIFO or socket is written directly: it is never replaced by a
regular file (as root, ``-o /dev/null`` must leave /dev/null a device). Every output is scrubbed
of API keys (:mod:`calculator.scrub`).
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO, Optional

from calculator.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
MB = 1_000_000
GB = 1_000_000_000

# Bounds on the decompressed size of an input, by what it is.
CONFIG_LIMIT = 10 * MB       # YAML workloads, contracts, price files, a calibration file
DOCUMENT_LIMIT = 256 * MB    # a JSON document read whole: a saved report, --compare-to
DATA_LIMIT = 64 * GB         # streamed data: request files, batch results, usage and cost exports
EXPORT = "usage or cost export"  # how a size bound's error names a usage or cost file
# What a directory of usage or cost exports holds (the other files in it are not read).
EXPORT_SUFFIXES = (".json", ".jsonl", ".csv", ".gz", ".ndjson", ".parquet")

_CHUNK = 1 << 20


def describe_size(n: int) -> str:
    return f"{n // GB:,} GB" if n >= GB and n % GB == 0 else f"{n // MB:,} MB" if n % MB == 0 else f"{n:,} bytes"


class StreamError(InputError):
    """The input itself failed (corrupt gzip, past its size bound, an I/O error): a reader
    that knows the line it was on names it with :meth:`at`."""

    def __init__(self, reason: str, path: str):
        super().__init__(reason, path=path)
        self.reason = reason

    def at(self, line: Optional[int]) -> InputError:
        return InputError(self.reason, path=self.path, line=line)


class _Stream(io.RawIOBase):
    """A raw stream over ``source`` whose first bytes can be looked at before they are read
    (``fill``), counting what it pulls, stopping at ``limit`` bytes and turning the
    decompressor's errors into one-line InputErrors."""

    def __init__(self, source, name: str, limit: Optional[int], what: str, gz: bool = False):
        self.source, self.name, self.limit, self.what, self.gz = source, name, limit, what, gz
        self.pending = b""
        self.pulled = 0
        self.started = False

    def readable(self) -> bool:
        return True

    def _pull(self, n: int) -> bytes:
        try:
            data = self.source.read(n)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise StreamError(f"corrupt or truncated gzip data ({exc or type(exc).__name__})",
                              self.name) from None
        except OSError as exc:
            raise StreamError(f"cannot read ({exc.strerror or exc})", self.name) from None
        if data is None:  # a non-blocking source with nothing yet: not something we open
            data = b""
        self.pulled += len(data)
        if self.limit is not None and self.pulled > self.limit:
            raise StreamError(f"larger than {describe_size(self.limit)}, the bound for a {self.what} "
                              f"(reading stopped there)", self.name)
        return data

    def fill(self, n: int) -> bytes:
        """At least ``n`` bytes of what comes next (fewer only at the end), not consumed."""
        while len(self.pending) < n:
            data = self._pull(max(n - len(self.pending), 1 << 16))
            if not data:
                break
            self.pending += data
        return self.pending[:n]

    def drop(self, n: int) -> None:
        self.fill(n)
        self.pending = self.pending[n:]

    def readinto(self, buffer) -> int:
        self.started = True
        want = len(buffer)
        if self.pending:
            data, self.pending = self.pending[:want], self.pending[want:]
        else:
            data = self._pull(want)
        buffer[:len(data)] = data
        return len(data)


class _Encoded:
    """A text stream with no binary buffer under it (an embedding program's io.StringIO as
    sys.stdin), read as UTF-8 bytes."""

    def __init__(self, text):
        self.text = text

    def read(self, n: int = -1) -> bytes:
        return self.text.read(n if n < 0 else max(1, n // 4)).encode("utf-8", "surrogateescape")

    def close(self) -> None:
        pass


class Input:
    """An opened input: ``stream`` (binary, decompressed, without a BOM, bounded), its display
    name, and the first bytes through :meth:`head` (looked at, not consumed)."""

    def __init__(self, name: str, raw: BinaryIO, outer: _Stream, inner: _Stream, gz: bool, owned: bool):
        self.name, self.gz = name, gz
        self._raw, self._outer, self._inner, self._owned = raw, outer, inner, owned
        self.stream: io.BufferedReader = io.BufferedReader(inner, buffer_size=_CHUNK)
        self._reading = False

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes (decompressed), without consuming them. Only before reading."""
        if self._inner.started:
            raise ValueError("head() after the stream was read")
        return self._inner.fill(n)

    def bound(self, limit: Optional[int], what: str) -> None:
        """Set the size bound once the input's kind is known (from its head)."""
        self._inner.limit, self._inner.what = limit, what

    def position(self) -> int:
        """Bytes of the underlying (possibly compressed) input consumed so far."""
        return self._outer.pulled

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def readline(self, limit: int = -1) -> bytes:
        return self.stream.readline(limit)

    def read_text(self, errors: str = "strict") -> str:
        """The whole input as text (UTF-8; an error names the line). ``errors="surrogateescape"``
        keeps bytes that are not UTF-8 as lone surrogates, so a row reader can name (or skip) the
        rows holding them."""
        data = self.stream.read()
        try:
            return data.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise InputError(f"not UTF-8 text (byte {column} of the line is 0x{data[exc.start]:02x}); "
                             f"save the file as UTF-8", path=self.name, line=line) from None

    def close(self) -> None:
        if self._owned:
            try:
                self._raw.close()
            except OSError:
                pass

    def __enter__(self) -> "Input":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# A stream that is not a regular file (standard input, a FIFO, ``<(...)``) can be read only once
# per process. Its Input is kept here: a detector that only looked at its head and the reader that
# opens it next get the same Input, so the head is served again and no row is lost.
_ONE_SHOT: dict[tuple, Input] = {}


def _stream_key(path: str) -> tuple:
    if path == "-":
        return ("-", id(sys.stdin))
    try:
        st = os.stat(path)
        return (st.st_dev, st.st_ino)
    except OSError:
        return (path,)


def open_input(path: str | os.PathLike, *, limit: Optional[int] = DATA_LIMIT, what: str = "file") -> Input:
    """Open ``path`` (``-`` is standard input) for reading once; see the module docstring.

    ``what`` names the kind of input in the error for ``limit`` ("calibration file"). Opening a
    pipe or standard input again returns the same Input, unread past what ``head`` looked at."""
    path = os.fspath(path)
    key = None if is_regular(path) else _stream_key(path)
    if key is not None and key in _ONE_SHOT and not _ONE_SHOT[key]._inner.started:
        again = _ONE_SHOT[key]
        again.bound(limit, what)
        return again
    opened = _open(path, limit, what)
    if key is not None:
        opened._owned = False  # closing it after detection must not lose what the reader needs
        _ONE_SHOT[key] = opened
    return opened


def _open(path: str, limit: Optional[int], what: str) -> Input:
    if path == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("standard input is a terminal: pipe a file into it or give a path", path="-")
        raw, name, owned = getattr(sys.stdin, "buffer", None) or _Encoded(sys.stdin), "<stdin>", False
    else:
        name, owned = path, True
        try:
            raw = open(path, "rb", buffering=0)
        except FileNotFoundError:
            raise InputError("file not found", path=path) from None
        except IsADirectoryError:
            raise InputError("is a directory, expected a file", path=path) from None
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror or exc})", path=path) from None
        try:
            if stat.S_ISDIR(os.fstat(raw.fileno()).st_mode):
                raw.close()
                raise InputError("is a directory, expected a file", path=path)
        except OSError:
            pass
    outer = _Stream(raw, name, None, what)
    try:
        gz = outer.fill(2) == GZIP_MAGIC
    except InputError:
        if owned:
            raw.close()
        raise
    if gz:
        decompressed = gzip.GzipFile(fileobj=io.BufferedReader(outer, buffer_size=_CHUNK), mode="rb")
        inner = _Stream(decompressed, name, limit, what, gz=True)
    else:
        inner = outer
        inner.limit, inner.what = limit, what
    try:
        if inner.fill(3) == BOM:
            inner.drop(3)
            if not gz:
                inner.pulled -= 3  # the bound is on the content
    except StreamError as exc:
        if owned:
            raw.close()
        raise exc.at(1) from None
    return Input(name, raw, outer, inner, gz, owned)


def read_text(path: str | os.PathLike, *, limit: Optional[int] = CONFIG_LIMIT, what: str = "file",
              errors: str = "strict") -> str:
    """The whole (decompressed, BOM-less) input as UTF-8 text, within ``limit`` bytes
    (``errors`` as for :meth:`Input.read_text`)."""
    with open_input(path, limit=limit, what=what) as src:
        return src.read_text(errors)


def head(path: str | os.PathLike, size: int = 65536, *, what: str = EXPORT) -> bytes:
    """The first ``size`` bytes of an input (decompressed, BOM-less), for detection: a regular file
    is closed again, a pipe or standard input keeps them for the reader that opens it next."""
    src = open_input(path, limit=DATA_LIMIT, what=what)
    data = src.head(size)
    if is_regular(path):
        src.close()
    return data


def spool(src: Input) -> Path:
    """The rest of ``src`` in a temporary file (removed at exit), for a reader that needs a file
    it can read twice; the name keeps the input's suffix (without .gz: the copy is plain)."""
    import atexit
    import shutil

    base = os.path.basename(src.name)
    if base.lower().endswith(".gz"):
        base = base[:-3]
    suffix = os.path.splitext(base)[1][:16] if src.name != "<stdin>" else ""
    fd, name = tempfile.mkstemp(prefix="batchcalc-input-", suffix=suffix)
    atexit.register(lambda: os.path.exists(name) and os.unlink(name))
    with os.fdopen(fd, "wb") as fh:
        shutil.copyfileobj(src.stream, fh, _CHUNK)
    return Path(name)


def is_regular(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a regular file (one that can be read twice)."""
    if os.fspath(path) == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def disk_head(path: str | os.PathLike, size: int) -> Optional[bytes]:
    """The first ``size`` bytes of a regular file, for a reader that will let DuckDB read the file
    itself; None for standard input, a pipe or an unreadable path (a Python reader reads those once)."""
    if not is_regular(path):
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return None


# -- outputs ---------------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: str | os.PathLike, data: str | bytes, *, scrub: bool = True) -> None:
    """Write ``data`` to ``path``: atomically for a regular file (or a new one), through a
    symlink to its target, directly to a device or FIFO. Raises OSError as the OS reports it."""
    if scrub:
        from calculator.scrub import scrub_output

        data = scrub_output(data)
    out = OutputFile(path)
    try:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
    except BaseException:
        out.discard()
        raise
    out.commit()


class OutputFile:
    """An output written in pieces (a file split into batches, a retry file) as
    :func:`write_output` writes a whole one: into a temporary file beside a regular target (or
    a new one) that :meth:`commit` renames into place, so an interrupted run leaves no
    half-written file (:meth:`discard` removes it); through a symlink to its target; directly
    into a device or FIFO. Raises OSError as the OS reports it."""

    def __init__(self, path: str | os.PathLike):
        self.target = Path(os.path.realpath(path))  # a symlink's target (chains resolved)
        self.tmp: Optional[str] = None
        try:
            st = os.stat(self.target)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if st is not None and not stat.S_ISREG(st.st_mode):
            # A device, FIFO or socket: write into it; replacing it would destroy it.
            self.fh = open(self.target, "wb", buffering=0)
            return
        # A short temporary name: a valid 255-byte target name must still leave room for it.
        fd, self.tmp = tempfile.mkstemp(prefix=".batchcalc-", suffix=".tmp", dir=self.target.parent)
        try:
            # mkstemp makes the file private (0600); give it the mode a plain open() would have
            # (the existing file's, or 0666 less the umask) so a shared report stays readable.
            os.fchmod(fd, (st.st_mode & 0o7777) if st is not None else 0o666 & ~_umask())
            if st is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                try:
                    os.fchown(fd, st.st_uid, st.st_gid)
                except OSError:
                    pass
            self.fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self.discard()
            raise

    def write(self, payload: bytes) -> None:
        view = memoryview(payload)
        while view:
            view = view[self.fh.write(view):]

    def commit(self) -> None:
        try:
            if self.tmp is None:
                self.fh.close()
                return
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        self.tmp = None
        _fsync_directory(self.target.parent)

    def discard(self) -> None:
        fh = getattr(self, "fh", None)
        if fh is not None:
            try:
                fh.close()
            except OSError:
                pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _fsync_directory(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# -- documents -------------------------------------------------------------------------------

def parse_json(text: str | bytes, *, path: str, line: Optional[int] = None):
    """``text`` as JSON, or a one-line InputError naming ``path`` (and the line): malformed
    JSON, or nesting deeper than Python can follow (a 200,000-deep array is hostile, not a bug)."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        column = f", column {exc.colno}" if line is None or exc.lineno == 1 else ""
        raise InputError(f"not valid JSON ({exc.msg}{column})", path=path, line=where) from None
    except RecursionError:
        raise InputError("JSON nested deeper than the parser follows (thousands of levels): not a "
                         "file batchcalc reads", path=path, line=line) from None
    except ValueError as exc:  # an integer of thousands of digits (int_max_str_digits)
        raise InputError(f"not a JSON file batchcalc can read ({str(exc).splitlines()[0][:120]})",
                         path=path, line=line) from None


def json_pages(text: str, path: str, what: str) -> list:
    """The JSON documents of an API export as saved: one document, a JSON list of them, or one per
    line (each response appended to the file). An empty file or a line that is not JSON is a
    one-line error naming ``what`` was expected, or the line."""
    import json

    if not text.strip():
        raise InputError(f"file is empty (expected {what})", path=path)
    try:
        doc = loads_json(text, path)
    except json.JSONDecodeError as first:
        doc = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    doc.append(loads_json(line, path, f"line {n}"))
                except json.JSONDecodeError as exc:
                    where = f"line {n}: " if n > 1 or first.lineno > 1 else ""
                    raise InputError(f"{where}not valid JSON ({exc.msg} at column {exc.colno})",
                                     path=path) from None
    return doc if isinstance(doc, list) else [doc]


def loads_json(text: str | bytes, path: str, where: Optional[str] = None):
    """``json.loads`` for export readers that word malformed JSON their own way: too deep a
    nesting or a thousand-digit integer is a one-line error naming the file; a
    ``json.JSONDecodeError`` is left to the caller."""
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


# -- globs and directories -------------------------------------------------------------------

def expand(paths) -> list[str]:
    """The usage or cost files to read: each directory becomes its export files
    (``EXPORT_SUFFIXES``), sorted by name; ``-`` is standard input. Raises InputError for a path
    that does not exist, a directory without exports, or no path at all."""
    out: list[str] = []
    for p in paths:
        p = str(p)
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(str(f) for f in path.iterdir()
                           if f.is_file() and f.name.lower().endswith(EXPORT_SUFFIXES))
            if not files:
                raise InputError("no .json, .jsonl, .csv or .gz files in this directory", path=p)
            out.extend(files)
        elif not path.exists():
            raise InputError("file not found", path=p)
        else:
            out.append(p)
    if not out:
        raise InputError("no input files given")
    return out


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def expand_glob(pattern: str) -> list[str]:
    """The regular files ``pattern`` matches (``**`` spans directories), sorted, each file ONCE:
    directories are followed through symlinks but never twice, so a symlink loop neither repeats
    files nor hangs. Names starting with a dot match only a pattern part that starts with one."""
    import fnmatch

    parts = pattern.split(os.sep)
    fixed = 0
    while fixed < len(parts) - 1 and not is_glob(parts[fixed]):
        fixed += 1
    root = os.sep.join(parts[:fixed]) or ("." if not pattern.startswith(os.sep) else os.sep)
    rest = parts[fixed:]
    if rest[-1] == "**":  # every file below
        rest.append("*")
    found: dict[tuple[int, int], str] = {}
    seen_dirs: set[tuple[int, int]] = set()

    def matches(name: str, part: str) -> bool:
        if name.startswith(".") and not part.startswith("."):
            return False
        return fnmatch.fnmatchcase(name, part)

    def walk(directory: str, i: int) -> None:
        """Match rest[i:] under ``directory``."""
        try:
            st = os.stat(directory)
        except OSError:
            return
        key = (st.st_dev, st.st_ino, i)
        if key in seen_dirs:  # reached again (a symlink loop, or ** over a linked tree)
            return
        seen_dirs.add(key)
        if i == len(rest):
            return
        part, last = rest[i], i == len(rest) - 1
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        if part == "**":
            walk(directory, i + 1)  # ** matching no directory at all
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        walk(entry.path, i)
                except OSError:
                    continue
            return
        for entry in entries:
            if not matches(entry.name, part):
                continue
            try:
                if not last and entry.is_dir():
                    walk(entry.path, i + 1)
                elif last and entry.is_file():
                    est = os.stat(entry.path)
                    found.setdefault((est.st_dev, est.st_ino), _display(entry.path, root, pattern))
            except OSError:
                continue

    walk(root, 0)
    return sorted(found.values())


def _display(path: str, root: str, pattern: str) -> str:
    """``path`` spelled as the pattern spelled its root (no leading ./ when it had none)."""
    if root == "." and not pattern.startswith("." + os.sep) and path.startswith("." + os.sep):
        return path[2:]
    return path
