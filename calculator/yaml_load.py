"""Every YAML file batchcalc reads (workloads, contracts, calibration, price files), loaded one
way: safe, bounded, and unambiguous.

- Safe: the safe loader only (no Python tags), libyaml's parser when present.
- Bounded: the file is read through :func:`calculator.io.read_text` within its size bound;
  nesting stops at :data:`MAX_DEPTH` levels, aliases at :data:`MAX_ALIASES` uses and the
  expanded document at :data:`MAX_VALUES` values (a "billion laughs" file is a few lines that
  expand to 10^9 values: refused before anything walks it).
- Unambiguous: a key given twice in one mapping is an error (YAML keeps the last one silently:
  a second ``input:`` in a price file would change a price without a word).

Every problem is one InputError naming the file and the line.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Optional

from calculator.errors import InputError

MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_VALUES = 1_000_000
_MERGE = "tag:yaml.org,2002:merge"


def _loader_class():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(node) -> int:
    return node.start_mark.line + 1


def _check(node, path: str, duplicates: bool) -> bool:
    """Depth, aliases, expanded size and duplicate keys of the composed document; whether it
    has merge keys."""
    import yaml

    seen: set[int] = set()
    aliases = 0
    stack = [(node, 1)]
    order = []  # nodes in first-visit order, for the expanded size
    merges = False
    while stack:
        n, depth = stack.pop()
        if id(n) in seen:  # the same node again: an alias (*name) or a merge (<<: *name)
            aliases += 1
            if aliases > MAX_ALIASES:
                raise InputError(f"more than {MAX_ALIASES} uses of aliases (*name): not a file "
                                 f"batchcalc reads (the anchor at line {_line(n)})", path=path, line=_line(n))
            continue
        seen.add(id(n))
        order.append(n)
        if depth > MAX_DEPTH:
            raise InputError(f"nested more than {MAX_DEPTH} levels deep", path=path, line=_line(n))
        if isinstance(n, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for k, v in n.value:
                merges = merges or k.tag == _MERGE
                if duplicates and isinstance(k, yaml.ScalarNode) and k.tag != _MERGE:
                    ident = (k.tag, k.value)
                    if ident in keys:
                        raise InputError(f"{k.value}: duplicate key (first on line {keys[ident]}): which "
                                         f"one is meant?", path=path, line=_line(k))
                    keys[ident] = _line(k)
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in n.value)
    # Values once expanded (aliases copied): children before parents, each node once.
    size: dict[int, int] = {}
    for n in reversed(order):
        if isinstance(n, yaml.MappingNode):
            total = 1 + sum(size.get(id(k), 1) + size.get(id(v), 1) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size.get(id(v), 1) for v in n.value)
        else:
            total = 1
        if total > MAX_VALUES:
            raise InputError(f"expands to more than {MAX_VALUES:,} values through its aliases: not a "
                             f"file batchcalc reads", path=path, line=_line(n))
        size[id(n)] = total
    return merges


def _problem(exc) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    return " ".join(str(problem).splitlines()[0].split()) if str(problem).strip() else type(exc).__name__


def parse_yaml(text: str, path: str, *, duplicates: bool = True) -> tuple[Any, Any]:
    """(node tree, data) of a YAML document: the nodes carry the lines, for error messages.
    ``duplicates=False`` leaves duplicate keys to a caller that names them better."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        merges = _check(node, path, duplicates)
        # Constructing flattens merge keys (<<: *base) into the nodes in place: then construct a
        # copy, so the tree keeps the lines of the file as written (aliases stay shared).
        return node, loader.construct_document(copy.deepcopy(node) if merges else node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({_problem(exc)})", path=path,
                         line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", path=path) from None
    except ValueError as exc:  # a date that does not exist (2026-13-45): the constructor's datetime
        raise InputError(f"not valid YAML (a date that does not exist: {exc})", path=path) from None
    finally:
        loader.dispose()


def load_yaml(path: str | os.PathLike, *, what: str) -> tuple[Any, Any]:
    """(node tree, data) of the YAML file at ``path`` (``-`` for standard input), read within
    the bound for a small file. ``what`` names it in errors ("contract")."""
    from calculator.io import CONFIG_LIMIT, read_text

    name = "<stdin>" if os.fspath(path) == "-" else os.fspath(path)
    return parse_yaml(read_text(path, limit=CONFIG_LIMIT, what=what), name)


def node_at(node, *keys):
    """(node, line) of the value at ``keys`` (mapping keys and sequence indexes) under
    ``node``; where a key is missing, the deepest node found and its line."""
    import yaml

    line = _line(node) if node is not None else None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
            if found is None:
                break
            line, node = _line(found[0]), found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = _line(node)
        else:
            break
    return node, line


def line_of(node, *keys) -> Optional[int]:
    """The line of the value at ``keys`` under ``node`` (see :func:`node_at`)."""
    return node_at(node, *keys)[1]
