"""JSON: the report's versioned contract, money as exact decimal strings."""

import json

from calculator.report.model import Report

INDENT = 2
_CONTAINERS = (dict, list, tuple)
# Exact types that are never containers: a set test over map(type, ...) runs in C, where a
# generator of isinstance calls per value cost seconds on a report of a million lines.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})


def _scalars(values) -> bool:
    return _SCALARS.issuperset(map(type, values)) or not any(isinstance(v, _CONTAINERS) for v in values)


def render(report: Report) -> str:
    return dumps(report.to_dict()) + "\n"


class _Slow(Exception):
    """Something the fast path does not write itself: json.dumps writes the whole document."""


def dumps(obj) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, character for character.

    The standard library writes indented JSON in Python, one call per value: minutes for a
    report of a million lines. Here every container that holds no container (the rows of a
    table: nearly all of a large report) is written by the standard library's C encoder with the
    indentation of its depth as separators."""
    from json.encoder import c_make_encoder

    if c_make_encoder is None:
        return json.dumps(obj, indent=INDENT, ensure_ascii=False)
    encoders: dict[int, object] = {}

    def refuse(o):
        raise _Slow

    def flat(o, depth: int) -> str:
        enc = encoders.get(depth)
        if enc is None:
            enc = encoders[depth] = c_make_encoder(None, refuse, json.encoder.encode_basestring, None, ": ",
                                                   ",\n" + " " * (INDENT * (depth + 1)), False, False, True)
        text = "".join(enc(o, 0))
        return f"{text[0]}\n{' ' * (INDENT * (depth + 1))}{text[1:-1]}\n{' ' * (INDENT * depth)}{text[-1]}"

    scalar = c_make_encoder(None, refuse, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def key(k) -> str:
        if isinstance(k, str):
            return json.encoder.encode_basestring(k)
        if isinstance(k, (bool, float, int)) or k is None:
            return json.encoder.encode_basestring(json.dumps(k))
        raise _Slow

    def write(o, depth: int, out: list) -> None:
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
            else:
                pad = "\n" + " " * (INDENT * (depth + 1))
                out.append("[")
                for i, v in enumerate(o):
                    out.append(pad if i == 0 else "," + pad)
                    write(v, depth + 1, out)
                out.append("\n" + " " * (INDENT * depth) + "]")
        else:
            out.append("".join(scalar(o, 0)))

    out: list[str] = []
    try:
        write(obj, 0, out)
    except (_Slow, RecursionError):
        return json.dumps(obj, indent=INDENT, ensure_ascii=False)
    return "".join(out)
