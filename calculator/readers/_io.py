"""Opening inputs: plain or gzip files, standard input ("-"), directories of exports."""

from __future__ import annotations

import gzip
from pathlib import Path

from calculator.errors import InputError
from calculator.io import BOM, DATA_LIMIT, GZIP_MAGIC, is_regular, open_input  # noqa: F401

EXPORT_SUFFIXES = (".json", ".jsonl", ".csv", ".gz", ".ndjson", ".parquet")


def expand(paths) -> list[str]:
    """Files to read: directories become their export files, sorted by name."""
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


def open_binary(path: str):
    """A binary stream of the (decompressed) contents, with a peekable buffer (read once for a pipe)."""
    return open_input(path, limit=DATA_LIMIT, what="usage or cost export").stream


def head(path: str, size: int = 65536) -> bytes:
    """The first ``size`` bytes of the decompressed contents, BOM removed (for detection); a pipe
    or standard input keeps them for the reader that opens it next."""
    try:
        src = open_input(path, limit=DATA_LIMIT, what="usage or cost export")
        data = src.head(size)
        if is_regular(path):
            src.close()
        return data
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file: corrupt or truncated gzip data ({exc})"
                         if isinstance(exc, (EOFError, gzip.BadGzipFile)) else f"cannot read file ({exc})",
                         path=path) from None


def read_text(path: str, errors: str = "strict") -> str:
    """The whole (decompressed) file as text, BOM removed; for JSON documents.

    ``errors="surrogateescape"`` keeps bytes that are not UTF-8 as lone surrogates, so a row
    reader can name (or skip) the rows holding them."""
    fh = open_binary(path)
    try:
        data = fh.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file: corrupt or truncated gzip data ({exc})"
                         if isinstance(exc, (EOFError, gzip.BadGzipFile)) else f"cannot read file ({exc})",
                         path=path) from None
    finally:
        if path != "-":
            fh.close()
    if data.startswith(BOM):
        data = data[3:]
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 text (byte {column} of the line is 0x{data[exc.start]:02x}); "
                         f"export the file as UTF-8", path=path, line=line) from None
