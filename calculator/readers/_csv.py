"""Reading a large CSV in blocks with pyarrow: bounded memory, every core, exact int64 counts.

The file is read in blocks of whole lines (a block ends at its last newline), each parsed by
``pyarrow.csv.read_csv`` with the column types fixed, so a 10-million-row export never has to fit
in memory and a block parses on all cores. A block that fails to convert (a count that is not a
whole number, a row with too few fields) is parsed again as text to name the bad row.
Limitation: a quoted field containing a newline that falls on a block boundary is reported as a
malformed row.
"""

from __future__ import annotations

import re
from typing import Iterator

from calculator.errors import InputError
from calculator.readers.frame import COUNTS, Chunk
from calculator.io import EXPORT, StreamError, open_input
from calculator.readers._policy import InvalidRows
from calculator.readers.detect import csv_header

BLOCK_SIZE = 16 << 20  # 16 MiB of text per block: ~130,000 Console rows
INT64_MAX = (1 << 63) - 1
_INT = re.compile(r"^\s*[+]?\d+(?:\.0*)?\s*$")


def _line_locator(first_line: int):
    return lambda i: f"line {first_line + i}"


class CsvBlocks:
    """A CSV file's header and its blocks of whole lines."""

    def __init__(self, path: str, block_size: int | None = None):
        self.path = path
        self.block_size = block_size or BLOCK_SIZE
        self.src = open_input(path, what=EXPORT)
        self.fh = self.src.stream
        try:
            first = self.fh.readline()
            while first and not first.strip():
                first = self.fh.readline()  # blank lines before the header
        except StreamError:
            self.close()  # the opener's one-line error (corrupt gzip, an I/O error) names the file
            raise
        if not first.strip():
            self.close()
            raise InputError("file is empty (expected a CSV header line)", path=path)
        self.header = csv_header(first)
        if len(self.header) < 2:
            self.close()
            raise InputError(f"not a CSV file: the first line has no comma-separated columns "
                             f"({first[:60].decode('utf-8', 'replace').strip()!r})", path=path)

    def close(self):
        self.src.close()

    def blocks(self) -> Iterator[bytes]:
        """Bytes of whole lines, about ``block_size`` at a time."""
        rest = b""
        try:
            while True:
                buf = self.fh.read(self.block_size)
                if not buf:
                    if rest.strip():
                        yield rest + b"\n"
                    return
                data = rest + buf
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
                yield data
        finally:
            self.close()


def find_columns(path: str, header: list[str], wanted: dict[str, str], required: set[str],
                 what: str) -> dict[str, int]:
    """Canonical name -> column index. ``wanted`` maps canonical names to header names
    (matched case-insensitively); a missing required column is an error naming expected and found."""
    index = {h.strip().lower(): i for i, h in enumerate(header)}
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().lower()
        if key in seen and key in {c.strip().lower() for c in wanted.values()}:
            raise InputError(f"{what}: column {h.strip()!r} appears twice (columns {seen[key] + 1} and "
                             f"{i + 1}): which one holds the values is ambiguous", path=path, line=1)
        seen.setdefault(key, i)
    found = {}
    missing = []
    for canon, col in wanted.items():
        i = index.get(col.strip().lower())
        if i is None:
            if canon in required:
                missing.append(col)
        else:
            found[canon] = i
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(repr(m) for m in missing)}; expected "
            f"{', '.join(wanted[c] for c in wanted if c in required)} (required) and optionally "
            f"{', '.join(wanted[c] for c in wanted if c not in required) or 'nothing else'}; "
            f"found {', '.join(repr(h) for h in header)}", path=path, line=1)
    return found


def read_chunks(blocks: CsvBlocks, columns: dict[str, int], policy: InvalidRows,
                constants: dict[str, str] | None = None) -> Iterator[Chunk]:
    """Chunks with canonical column names from the selected CSV columns."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    path = blocks.path
    header = blocks.header
    names = [f"c{i}" for i in range(len(header))]
    by_index = {i: canon for canon, i in columns.items()}
    include = [names[i] for i in sorted(by_index)]
    # Dimension columns are dictionary-encoded by the parser itself: few distinct values, and
    # the aggregator maps each dictionary once instead of every row.
    dim_type = pa.dictionary(pa.int32(), pa.string())
    types = {names[i]: (pa.int64() if by_index[i] in COUNTS else dim_type) for i in by_index}
    # Only an empty cell is null (a zero count): pyarrow's default null spellings ("NaN", "N/A",
    # "null", "-nan", ...) would turn a count that is not a number into 0, a wrong number.
    read_opts = pacsv.ReadOptions(column_names=names, block_size=1 << 20)
    conv = pacsv.ConvertOptions(column_types=types, include_columns=include, null_values=[""],
                                strings_can_be_null=False, quoted_strings_can_be_null=False)
    # Line numbers count rows (a blank line inside the file, which the parser skips, would shift
    # the numbers after it by one); a block that needs the careful parse counts its newlines.
    first_line = 2
    for data in blocks.blocks():
        buf = pa.py_buffer(data)
        try:
            table = pacsv.read_csv(buf, read_options=read_opts, convert_options=conv)
        except pa.ArrowInvalid:
            parsed = _careful(buf, names, by_index, include, first_line, path, policy)
            first_line += data.count(b"\n")
            table, locate = parsed.table, parsed.locate
        else:
            locate = _line_locator(first_line)
            first_line += table.num_rows
        table = table.rename_columns([by_index[int(n[1:])] for n in table.column_names])
        n = table.num_rows
        for canon, value in (constants or {}).items():
            table = table.append_column(canon, pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype=np.int32)),
                pa.array([value])))
        # Empty count cells are zero.
        for c in COUNTS:
            if c in table.column_names and table[c].null_count:
                table = table.set_column(table.column_names.index(c), c, pc.fill_null(table[c], 0))
        yield Chunk(table, path, locate)


class _Parsed:
    def __init__(self, table, locate):
        self.table, self.locate = table, locate


def _careful(buf, names, by_index, include, first_line, path, policy: InvalidRows):
    """Parse a block that failed fast conversion as text, naming (or skipping) each bad row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad_shape: list[int] = []
    shape_errors: list[tuple] = []

    def on_invalid(row):
        # Never raise in here (pyarrow would print and swallow it): record, report after parsing.
        bad_shape.append(row.number if row.number is not None else -1)
        shape_errors.append((f"line {first_line + row.number - 1}" if row.number else None,
                             f"expected {row.expected_columns} fields, found {row.actual_columns} "
                             f"({row.text[:80]!r})"))
        return "skip"

    # The block size covers the whole block: a line longer than pyarrow's default block (a 20 MB
    # cell) fails the fast parse with "straddling object" and is parsed here in one piece.
    read_opts = pacsv.ReadOptions(column_names=names, use_threads=False, block_size=max(1 << 20, buf.size + 1))
    parse = pacsv.ParseOptions(invalid_row_handler=on_invalid)
    conv = pacsv.ConvertOptions(column_types={n: pa.string() for n in include}, include_columns=include,
                                strings_can_be_null=False)
    # Lines that are not UTF-8 (a Latin-1 export): named, and with --skip-invalid skipped and
    # counted. The parse sees them decoded with replacement characters, then drops their rows.
    data = buf.to_pybytes()
    not_utf8: list[int] = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        fixed = []
        for k, line in enumerate(data.split(b"\n")):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                policy.bad(path, f"line {first_line + k}", f"not UTF-8 text (byte {exc.start + 1} of the "
                           f"line is 0x{line[exc.start]:02x}); export the file as UTF-8", "not UTF-8")
                not_utf8.append(first_line + k)
                line = line.decode("utf-8", "replace").encode("utf-8")
            fixed.append(line)
        buf = pa.py_buffer(b"\n".join(fixed))
        read_opts = pacsv.ReadOptions(column_names=names, use_threads=False, block_size=max(1 << 20, buf.size + 1))
    try:
        table = pacsv.read_csv(buf, read_options=read_opts, parse_options=parse, convert_options=conv)
    except pa.ArrowInvalid as exc:
        raise InputError(f"not a readable CSV block starting at line {first_line} ({exc})", path=path) from None
    for where, message in shape_errors:
        policy.bad(path, where, message, "malformed row")
    # Rows kept, and their line numbers (skipped malformed rows shift the rest).
    n = table.num_rows
    lines = np.arange(n) + first_line
    for b in sorted(x for x in bad_shape if x > 0):
        lines[lines >= first_line + b - 1] += 1
    keep = np.ones(n, dtype=bool)
    if not_utf8:
        keep &= ~np.isin(lines, not_utf8)
    columns = {}
    for name in include:
        canon = by_index[int(name[1:])]
        values = table[name].to_pylist()
        if canon not in COUNTS:
            columns[name] = pa.array(values, pa.string())
            continue
        ints = np.zeros(n, dtype=np.int64)
        for i, v in enumerate(values):
            if not keep[i]:
                continue
            if v is None or v.strip() == "":
                continue
            if not _INT.match(v):
                kind = "negative" if v.strip().startswith("-") else "not a whole number"
                policy.bad(path, f"line {lines[i]}",
                           f"column {canon!r}: {v!r} is {kind} (expected a whole number of "
                           f"{'requests' if canon == 'requests' else 'tokens' if 'web' not in canon else 'searches'} >= 0)",
                           "non-integer count" if kind != "negative" else "negative count")
                keep[i] = False
                continue
            value = int(v.strip().lstrip("+").split(".")[0])
            if value > INT64_MAX:
                policy.bad(path, f"line {lines[i]}", f"column {canon!r}: {v.strip()[:30]!r} is too large "
                           f"(more than 2^63 - 1)", "count too large")
                keep[i] = False
                continue
            ints[i] = value
        columns[name] = pa.array(ints)
    table = pa.table(columns)
    if not keep.all():
        table = table.filter(pa.array(keep))
        lines = lines[keep]
    return _Parsed(table, lambda i, _l=lines: f"line {_l[i]}")
