"""JSON: the report's versioned contract, money as exact decimal strings."""

import json
from itertools import chain, islice
from operator import itemgetter

from calculator.report.model import Report

INDENT = 2
_CONTAINERS = (dict, list, tuple)
# Exact types that are never containers: a set test over map(type, ...) runs in C, where a
# generator of isinstance calls per value cost seconds on a report of a million lines.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_DICT = frozenset({dict})
_LIST = frozenset({list})
# The C encoder escapes every control character inside a string, so this one appears in its
# text only where it is given as the item separator: splitting there gives each value's text.
_MARK = "\x00"
# A table is written this many rows at a time: few enough that their dicts stay in the
# processor's cache while each column is read from them (4096 measured slower), and the texts of
# their values held meanwhile take little memory.
_CHUNK = 1024


def _scalars(values) -> bool:
    types = set(map(type, values))
    if types <= _SCALARS:
        return True
    # A subclass of str or int is a scalar too; an exact dict or list never is.
    return types.isdisjoint(_CONTAINERS) and not any(isinstance(v, _CONTAINERS) for v in values)


def _rows(values) -> bool:
    """``values`` are dicts with the same str keys in the same order: the rows of a table."""
    if not _DICT.issuperset(map(type, values)) or not values[0]:
        return False
    keys = tuple(values[0])
    return all(map(keys.__eq__, map(tuple, values))) and _STR.issuperset(map(type, chain.from_iterable(values)))


def render(report: Report) -> str:
    return dumps(report.to_dict()) + "\n"


class _Slow(Exception):
    """Something the fast path does not write itself: json.dumps writes the whole document."""


def dumps(obj) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, character for character.

    The standard library writes indented JSON in Python, one call per value: minutes for a
    report of a million lines. Here its C encoder writes every container that holds no
    container, with the indentation of its depth as separators, and the rows of a table (nearly
    all of a large report) column by column: one call writes a column's values for thousands of
    rows, and each key's text is written once per table instead of once per row. The C encoder
    spends half its time on keys, and a dict that holds a list (a line and its rate cards) is a
    table row like any other."""
    from json.encoder import c_make_encoder, encode_basestring

    if c_make_encoder is None:
        return json.dumps(obj, indent=INDENT, ensure_ascii=False)

    def refuse(o):
        raise _Slow

    def encoder(item_separator: str):
        return c_make_encoder(None, refuse, encode_basestring, None, ": ", item_separator, False, False, True)

    marked = encoder(_MARK)
    encoders: dict[int, object] = {}

    def flat(o, depth: int) -> str:
        enc = encoders.get(depth)
        if enc is None:
            enc = encoders[depth] = encoder(",\n" + " " * (INDENT * (depth + 1)))
        text = "".join(enc(o, 0))
        return f"{text[0]}\n{' ' * (INDENT * (depth + 1))}{text[1:-1]}\n{' ' * (INDENT * depth)}{text[-1]}"

    def template(keys: list, depth: int, lead: str) -> list:
        """The text of a row at ``depth`` in pieces, with None where each value goes."""
        pad = " " * (INDENT * (depth + 1))
        pieces = [f"{lead}{{\n{pad}{encode_basestring(keys[0])}: "]
        for k in keys[1:]:
            pieces += [None, f",\n{pad}{encode_basestring(k)}: "]
        return pieces + [None, f"\n{' ' * (INDENT * depth)}}}"]

    def fill(pieces: list, keys: list, rows, depth: int) -> list:
        """``pieces``, a row's template repeated for each of ``rows``, with their values' texts:
        a column at a time, by slice assignment (no Python call per value)."""
        width = 2 * len(keys) + 1
        for i, k in enumerate(keys):
            pieces[2 * i + 1::width] = texts(list(map(itemgetter(k), rows)), depth + 1)
        return pieces

    def table(o, depth: int, out: list) -> None:
        keys = list(o[0])
        row = template(keys, depth + 1, ",\n" + " " * (INDENT * (depth + 1)))
        out.append("[")
        first = len(out)
        for start in range(0, len(o), _CHUNK):
            chunk = o[start:start + _CHUNK]
            out.append("".join(fill(row * len(chunk), keys, chunk, depth + 1)))
        # Every row opens with ",\n" and its indentation; the first one, after "[", without ",".
        out[first] = out[first][1:]
        out.append("\n" + " " * (INDENT * depth) + "]")

    def texts(values, depth: int) -> list[str]:
        """The text of each of ``values`` (a column of a table) at ``depth``: all at once when
        they are of one kind."""
        if _SCALARS.issuperset(map(type, values)):
            return "".join(marked(values, 0))[1:-1].split(_MARK) if values else []
        if _rows(values):
            keys = list(values[0])
            row = template(keys, depth, "")
            return list(map("".join, zip(*[iter(fill(row * len(values), keys, values, depth))] * len(row))))
        if _LIST.issuperset(map(type, values)) and all(values):
            # The items of all the lists at once when they are of one kind (the rate cards of
            # the lines of a table), then each list's share of them.
            items = list(chain.from_iterable(values))
            if _SCALARS.issuperset(map(type, items)) or _rows(items):
                shares = iter(texts(items, depth + 1))
                pad = "\n" + " " * (INDENT * (depth + 1))
                end = "\n" + " " * (INDENT * depth) + "]"
                return [f"[{pad}{(',' + pad).join(islice(shares, n))}{end}" for n in map(len, values)]
        return [value(v, depth) for v in values]

    def key(k) -> str:
        if isinstance(k, str):
            return encode_basestring(k)
        if isinstance(k, (bool, float, int)) or k is None:
            return encode_basestring(json.dumps(k))
        raise _Slow

    def value(o, depth: int) -> str:
        out: list[str] = []
        write(o, depth, out)
        return "".join(out)

    def write(o, depth: int, out: list) -> None:
        # Texts go to one list joined once at the end: a text returned up the nesting would be
        # copied once per level, and a large table's text is hundreds of megabytes.
        if isinstance(o, dict):
            if not o:
                out.append("{}")
            elif (_STR.issuperset(map(type, o)) or all(isinstance(k, str) for k in o)) and _scalars(o.values()):
                out.append(flat(o, depth))
            else:
                pad = "\n" + " " * (INDENT * (depth + 1))
                out.append("{")
                first = True
                for k, v in o.items():
                    out.append(pad if first else "," + pad)
                    first = False
                    out.append(key(k) + ": ")
                    write(v, depth + 1, out)
                out.append("\n" + " " * (INDENT * depth) + "}")
        elif isinstance(o, (list, tuple)):
            if not o:
                out.append("[]")
            elif _scalars(o):
                out.append(flat(o, depth))
            elif _rows(o):
                table(o, depth, out)
            else:
                pad = "\n" + " " * (INDENT * (depth + 1))
                out.append("[")
                for i, v in enumerate(o):
                    out.append(pad if i == 0 else "," + pad)
                    write(v, depth + 1, out)
                out.append("\n" + " " * (INDENT * depth) + "]")
        else:
            out.append("".join(marked(o, 0)))

    out: list[str] = []
    try:
        write(obj, 0, out)
    except (_Slow, RecursionError):
        return json.dumps(obj, indent=INDENT, ensure_ascii=False)
    return "".join(out)
