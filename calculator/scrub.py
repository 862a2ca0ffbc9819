"""API keys never reach an output: they are checked when read and scrubbed from everything
batchcalc writes (standard error, reports in every format, files).

What is scrubbed, in any letter case:

- the keys in ``ANTHROPIC_API_KEY`` and ``ANTHROPIC_ADMIN_KEY`` (and any key registered with
  :func:`register`), whole or any piece of 12 characters or more of them: a server that echoes
  a key back with its last characters masked still echoes most of it;
- anything shaped like an Anthropic key (``sk-ant-...``), wherever it came from: an API
  response that returns a key as a model, tier or workspace name is treated as a secret too.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from calculator.errors import InputError

KEY_ENVS = ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY")
REDACTED = "[redacted]"
PIECE = 12  # a piece of a key this long or longer is a secret
_BLOCK = PIECE // 2  # every 12-character piece contains one aligned 6-character block
_KEY_SHAPE = re.compile(r"sk-ant-[a-z0-9_\-]+")  # matched on the lower-cased text
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_registered: set[str] = set()


def check_key(value: str, env: str) -> str:
    """``value`` if it can be an API key; otherwise a one-line error that does not print it.

    An HTTP header cannot carry whitespace, control or non-ASCII characters: a key with one would
    fail inside the HTTP library with the whole header, key included, in its message."""
    for i, ch in enumerate(value):
        if ch.isspace() or not ch.isprintable() or not ch.isascii():
            kind = ("a space or line break" if ch.isspace() else
                    "a control character" if not ch.isprintable() and ch.isascii() else "a non-ASCII character")
            raise InputError(f"{env} holds {kind} at character {i + 1} of {len(value)}: an API key has "
                             f"none; set the variable again to the key alone")
    register(value)
    return value


def key_from_env(env: str, purpose: str) -> str:
    """The API key in the environment variable ``env``, checked and registered for scrubbing."""
    value = os.environ.get(env, "")
    if not value:
        raise InputError(f"{purpose} needs an API key in the environment variable {env} (it is never "
                         f"taken from the command line)")
    return check_key(value, env)


def register(secret: str) -> None:
    """Scrub ``secret`` from every output from now on."""
    if secret:
        _registered.add(secret)


def secrets() -> list[str]:
    found = set(_registered)
    for env in KEY_ENVS:
        value = os.environ.get(env, "").strip()
        if value:
            found.add(value)
    return sorted(found)


def _spans(lower: str, secret: str) -> list[tuple[int, int]]:
    """Where ``lower`` (lower-cased text) holds a piece of ``secret`` of PIECE characters or more."""
    key = secret.translate(_ASCII_LOWER)
    if len(key) < PIECE:
        return [(m.start(), m.end()) for m in re.finditer(re.escape(key), lower)]
    spans = []
    for offset in range(0, len(key) - _BLOCK + 1, _BLOCK):
        block = key[offset:offset + _BLOCK]
        at = lower.find(block)
        while at >= 0:
            start, k = at, offset
            while start > 0 and k > 0 and lower[start - 1] == key[k - 1]:
                start, k = start - 1, k - 1
            end, k = at + _BLOCK, offset + _BLOCK
            while end < len(lower) and k < len(key) and lower[end] == key[k]:
                end, k = end + 1, k + 1
            if end - start >= PIECE:
                spans.append((start, end))
            at = lower.find(block, at + 1)
    return spans


def scrub(text: str) -> str:
    """``text`` without any key or piece of a key (see the module docstring)."""
    if not text:
        return text
    # ASCII letters only, so the length and positions stay the same; on ASCII text (known in
    # constant time) str.lower does exactly that, faster than translate.
    lower = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    spans = [(m.start(), m.end()) for m in _KEY_SHAPE.finditer(lower)]
    for secret in secrets():
        spans.extend(_spans(lower, secret))
    if not spans:
        return text
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if end <= pos:
            continue
        if start < pos:
            start = pos
        else:
            out.append(text[pos:start])
            out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SLICE = 1 << 20


def _has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate. Scanning with _SURROGATE takes seconds on a
    report of hundreds of megabytes; ASCII text (known in constant time) holds none, and strict
    UTF-8 encodes every other character but refuses every surrogate, at C speed (a slice at a
    time, so that no copy of the whole text is made)."""
    if text.isascii():
        return False
    try:
        for start in range(0, len(text), _SLICE):
            text[start:start + _SLICE].encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def scrub_output(data: str | bytes) -> str | bytes:
    """A rendered output scrubbed: text, or bytes (a zip such as an xlsx workbook is scrubbed
    member by member; other bytes as UTF-8 text). Text also loses its lone surrogates (half
    characters from a JSON escape such as "\\ud800", which no UTF-8 output can hold): they are
    written as that escape."""
    if isinstance(data, str):
        clean = scrub(data)
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", clean) if _has_surrogate(clean) else clean
    if data.startswith(b"PK\x03\x04"):
        return _scrub_zip(data)
    text = data.decode("utf-8", "surrogateescape")
    clean = scrub(text)
    return data if clean == text else clean.encode("utf-8", "surrogateescape")


def _scrub_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    members = [(info, src.read(info)) for info in src.infolist()]
    cleaned = [(info, scrub_output(body)) for info, body in members]
    if all(a is b or a == b for (_, a), (_, b) in zip(members, cleaned)):
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info, body in cleaned:
            dst.writestr(info, body)
    return out.getvalue()


class ScrubbingWriter(io.TextIOBase):
    """A text stream that scrubs what is written to it before passing it on (standard error)."""

    def __init__(self, target):
        self.target = target

    @property
    def encoding(self):
        return getattr(self.target, "encoding", "utf-8")

    @property
    def errors(self):
        return getattr(self.target, "errors", "strict")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    def write(self, s: str) -> int:
        self.target.write(scrub(s))
        return len(s)

    def flush(self) -> None:
        self.target.flush()
