"""Every error batchcalc raises on purpose, as one tree.

    BatchcalcError                 anything the CLI turns into one line on stderr and exit code 1
    ├── InputError                 a file, line or row that is not what was expected
    │   ├── SourceMismatchError    a file that is not what --source said it was
    │   ├── NoRequestsError        a request file in which no request could be counted
    │   ├── BadRow                 one bad row, line or request, with the reason --skip-invalid counts
    │   └── ValueGivenError        an option or file key whose value is not one (a hit rate of 2)
    ├── CatalogueError             the price catalogue (built-in or --prices) is invalid
    ├── ModelError                 a model that cannot be priced
    │   ├── UnknownModelError      no catalogue entry for that spelling (with close matches)
    │   ├── UnpricedModelError     a known model with no published price (with the reason)
    │   └── NoRateError            a known model, but no rate card covers that date or tier
    ├── InvalidUsageError          an impossible combination (fast mode with batch, ...)
    └── NetworkError               an API call asked for by a flag failed
        └── Stopped                the command was interrupted (Ctrl-C) during a call

Messages are complete sentences naming the file, line or row and what was expected, because
the CLI prints them as they are.
"""

from __future__ import annotations

import re


MAX_MESSAGE = 1000  # characters of an error line; a 10 MB model name must not make a 10 MB line


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` cut in the middle to about ``limit`` characters: its start (the file and
    line) and its end (what was expected) are what a reader needs."""
    if len(message) <= limit:
        return message
    head, tail = limit * 2 // 3, limit // 3
    return f"{message[:head]} [... {len(message) - head - tail:,} characters ...] {message[-tail:]}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")


def one_line(message: str) -> str:
    """The message on one line and of a readable length: line breaks and other control
    characters that came from the input (a YAML key "\\n", a CSV cell) are shown escaped, as
    repr() would, and so are lone surrogates (bytes that were not UTF-8, as \\udcXX)."""
    message = shorten(message)
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], message)


class BatchcalcError(Exception):
    """Base class: a user-facing error (exit code 1). Its message is always one line."""

    def __init__(self, *args):
        if args and isinstance(args[0], str):
            args = (one_line(args[0]), *args[1:])
        super().__init__(*args)


class InputError(BatchcalcError):
    """A file, line or row that is not what was expected; the message names where (``path``,
    ``line``)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path, self.line = path, line


class SourceMismatchError(InputError):
    pass


class NoRequestsError(InputError):
    pass


class BadRow(InputError):
    """One bad row, line or request where a reader found it, with the ``reason`` it is counted
    under when --skip-invalid skips it (``readers._policy.InvalidRows.reject``)."""

    def __init__(self, reason: str, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message, path=path, line=line)
        self.reason = reason


class ValueGivenError(InputError):
    """A value given (an option, a file key) that is not what it should be: a hit rate, a TTL, a
    ratio. ``key`` names it as the user wrote it; ``field`` is its CacheAssumptions.given key."""

    def __init__(self, key: str, message: str, field: str = ""):
        super().__init__(f"{key}: {message}")
        self.key, self.reason, self.field = key, message, field


class CatalogueError(BatchcalcError):
    pass


class ModelError(BatchcalcError):
    pass


class UnknownModelError(ModelError):
    def __init__(self, model: str, suggestions: list[str]):
        hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model {model!r}.{hint} (`batchcalc prices` lists the models)")
        self.model, self.suggestions = model, suggestions


class UnpricedModelError(ModelError):
    def __init__(self, model: str, reason: str):
        super().__init__(f"model {model!r} is unpriced: {reason}")
        self.model, self.reason = model, reason


class NoRateError(ModelError):
    pass


class InvalidUsageError(BatchcalcError):
    pass


class NetworkError(BatchcalcError):
    pass


class Stopped(NetworkError):
    pass
