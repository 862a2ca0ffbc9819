"""The network, touched only when a flag asks for it (``--from-api``, ``--exact``): one client
for every call, with the guarantees a command needs against a slow, broken or hostile server.

- One overall deadline per command (``--timeout``, :data:`DEFAULT_TIMEOUT`): every socket read
  is cut into short slices and stops at the deadline, so a server sending one byte every few
  seconds cannot hold a command past it.
- Ctrl-C (:meth:`Api.stop`) stops every call, worker threads included, within a fraction of a
  second: the same slices check a stop flag.
- A circuit breaker: after :data:`FAILURES_BEFORE_GIVING_UP` consecutive connection failures
  (offline, DNS, refused) every call fails at once with "cannot reach the API: ...".
- 429, 5xx and 529 answers are retried with backoff; ``retry-after`` is parsed defensively
  (seconds or an HTTP date; negative, NaN or nonsense falls back to the backoff) and capped.
- Answers are bounded in size, and a 200 whose body is HTML, malformed or the wrong shape is a
  one-line error, never an internal one.
- Paging (:meth:`Api.pages`) stops after :data:`MAX_PAGES` pages and on a cursor seen before.

Keys come from the environment (:func:`calculator.scrub.key_from_env`) and are scrubbed from
every message.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import random
import threading
import time
from typing import Any, Iterator, Optional

from calculator.errors import NetworkError, Stopped

DEFAULT_TIMEOUT = 600.0  # seconds for all the network calls of one command
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
MAX_PAGES = 1000
MAX_RETRIES = 4
FAILURES_BEFORE_GIVING_UP = 3
MAX_BODY_BYTES = 64_000_000
MAX_RETRY_WAIT = 30.0
CONNECT_TIMEOUT = 10.0
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_SLICE = 0.25  # seconds: how often a waiting read looks at the deadline and the stop flag


def retry_after(value: Optional[str], fallback: float, cap: float = MAX_RETRY_WAIT) -> float:
    """Seconds to wait from a ``retry-after`` header: a number of seconds or an HTTP date.
    Anything else (negative, NaN, infinite, garbage) gives ``fallback``; the result is in
    [0, cap]."""
    if value:
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                seconds = when.timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                seconds = math.nan
        if math.isfinite(seconds) and seconds >= 0:
            return min(seconds, cap)
    return min(max(fallback, 0.0), cap)


class Deadline:
    def __init__(self, seconds: float):
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise NetworkError(f"--timeout {seconds!r}: expected a number of seconds above 0")
        self.seconds = float(seconds)
        self.end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def error(self, what: str) -> NetworkError:
        return NetworkError(f"{what}: no complete answer within --timeout {self.seconds:g} seconds "
                            f"(give more with --timeout SECONDS)")


class _Guard:
    """What every slice of a socket read checks: the stop flag and the deadline."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.stopped = threading.Event()

    def check(self, what: str = "the API") -> None:
        if self.stopped.is_set():
            raise Stopped("interrupted")
        if self.deadline.remaining() <= 0:
            raise self.deadline.error(what)


def _guarded_backend(inner, guard: _Guard):
    """An httpcore network backend whose reads and writes wait in short slices, checking
    ``guard`` between them (httpx's own timeouts apply per read, so a trickling server resets
    them forever; this bounds the whole call)."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, stream):
            self.stream = stream

        def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
            waited = 0.0
            while True:
                guard.check()
                try:
                    return self.stream.read(max_bytes, timeout=_SLICE)
                except httpcore.ReadTimeout:
                    waited += _SLICE
                    if timeout is not None and waited >= timeout:
                        raise

        def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
            guard.check()
            self.stream.write(buffer, timeout=min(timeout or CONNECT_TIMEOUT, max(guard.deadline.remaining(), 0.01)))

        def close(self) -> None:
            self.stream.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            return Stream(self.stream.start_tls(ssl_context, server_hostname,
                                                min(timeout or CONNECT_TIMEOUT, max(guard.deadline.remaining(), 0.01))))

        def get_extra_info(self, info: str) -> Any:
            return self.stream.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            guard.check()
            return Stream(inner.connect_tcp(host, port, min(timeout or CONNECT_TIMEOUT, max(guard.deadline.remaining(), 0.01)),
                                            local_address, socket_options))

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            return Stream(inner.connect_unix_socket(path, timeout, socket_options))

        def sleep(self, seconds: float) -> None:
            inner.sleep(seconds)

    return Backend()


class Api:
    """Calls to one Anthropic API with one key, under one deadline; thread-safe."""

    def __init__(self, *, key: str, key_env: str, base_url: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT, max_retries: int = MAX_RETRIES, backoff: float = 0.5,
                 transport=None):
        import httpx

        self.key_env = key_env
        self.base = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.guard = _Guard(Deadline(timeout))
        self.max_retries, self.backoff = max_retries, backoff
        self.calls = self.retries = 0
        self._failures = 0  # consecutive connection failures, across threads
        self._broken: Optional[str] = None
        self._lock = threading.Lock()
        if transport is None:
            transport = httpx.HTTPTransport()
            pool = getattr(transport, "_pool", None)
            if pool is not None and hasattr(pool, "_network_backend"):
                pool._network_backend = _guarded_backend(pool._network_backend, self.guard)
        self.client = httpx.Client(
            base_url=self.base, transport=transport,
            headers={"x-api-key": key, "anthropic-version": API_VERSION, "user-agent": "batchcalc"},
            timeout=httpx.Timeout(60.0, connect=CONNECT_TIMEOUT))

    # -- control -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every call under way or to come (Ctrl-C)."""
        self.guard.stopped.set()

    def close(self) -> None:
        self.stop()
        self.client.close()

    def _sleep(self, seconds: float, what: str) -> None:
        end = time.monotonic() + seconds
        while True:
            self.guard.check(what)
            left = end - time.monotonic()
            if left <= 0:
                return
            self.guard.stopped.wait(min(left, _SLICE, max(self.guard.deadline.remaining(), 0.0) + 0.01))

    # -- one call ---------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, what: str, params: Optional[dict] = None,
                body: Optional[dict] = None, stream: bool = False) -> tuple[int, Any, Any]:
        """(status, headers, body bytes) of one call, retried as the module docstring says. With
        ``stream`` a 200's body is instead an iterator of its lines (JSONL results: never held
        whole, read under the same deadline and stop flag)."""
        import httpx

        attempt = 0
        while True:
            if self._broken is not None:
                raise NetworkError(self._broken)
            self.guard.check(what)
            with self._lock:
                self.calls += 1
            try:
                status, headers, data = self._send(method, path, params, body, what, stream)
            except (httpx.TransportError, httpx.StreamError) as exc:
                with self._lock:
                    self._failures += 1
                    failures = self._failures
                reason = _reason(exc)
                if failures >= FAILURES_BEFORE_GIVING_UP or attempt >= self.max_retries:
                    self._broken = f"cannot reach the API: {reason} ({self.base}; {failures} failed tries)"
                    raise NetworkError(self._broken) from None
                self._wait(attempt, None, what)
                attempt += 1
                continue
            with self._lock:
                self._failures = 0
            if status in RETRY_STATUS and attempt < self.max_retries:
                self._wait(attempt, headers.get("retry-after"), what)
                attempt += 1
                continue
            return status, headers, data

    def _wait(self, attempt: int, header: Optional[str], what: str) -> None:
        with self._lock:
            self.retries += 1
        backoff = self.backoff * (2 ** attempt) * (0.75 + random.random() / 2)
        self._sleep(retry_after(header, backoff), what)

    def _send(self, method, path, params, body, what, stream=False) -> tuple[int, Any, Any]:
        response = self.client.send(self.client.build_request(method, path, params=params, json=body), stream=True)
        if stream and response.status_code == 200:
            return response.status_code, response.headers, self._lines(response, what)
        try:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise NetworkError(f"{what}: the answer is larger than {MAX_BODY_BYTES:,} bytes: "
                                       f"not an API answer")
                chunks.append(chunk)
                self.guard.check(what)
            return response.status_code, response.headers, b"".join(chunks)
        finally:
            response.close()

    def _lines(self, response, what: str) -> Iterator[bytes]:
        import httpx

        try:
            pending: list[bytes] = []  # the start of a line not ended yet
            size = 0
            for chunk in response.iter_bytes():
                self.guard.check(what)
                *ended, rest = chunk.split(b"\n")
                if ended:
                    yield b"".join(pending) + ended[0]
                    yield from ended[1:]
                    pending, size = [], 0
                pending.append(rest)
                size += len(rest)
                if size > MAX_BODY_BYTES:  # one line that never ends: not JSONL
                    raise NetworkError(f"{what}: a line longer than {MAX_BODY_BYTES:,} bytes: not an API answer")
            if size:
                yield b"".join(pending)
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise NetworkError(f"{what}: the answer broke off ({_reason(exc)})") from None
        finally:
            response.close()

    def json(self, method: str, path: str, *, what: str, params: Optional[dict] = None,
             body: Optional[dict] = None) -> tuple[int, Any]:
        """(status, parsed JSON object) of one call; a body that is not a JSON object is a
        one-line error saying what came instead."""
        status, headers, data = self.request(method, path, what=what, params=params, body=body)
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            kind = headers.get("content-type", "no content-type").split(";")[0]
            start = data[:60].decode("utf-8", "replace").strip().replace("\n", " ")
            raise NetworkError(f"{what}: HTTP {status} with a body that is not a JSON object ({kind}, "
                               f"starting {start!r})")
        return status, parsed

    # -- paging -------------------------------------------------------------------------------

    def pages(self, path: str, params: dict, *, what: str, max_pages: int = MAX_PAGES) -> Iterator[dict]:
        """Every page of a paged GET (``{"data": [...], "has_more", "next_page"}``)."""
        params = dict(params)
        seen: set[str] = set()
        for n in range(1, max_pages + 1):
            status, page = self.json("GET", path, what=what, params=params)
            if status == 410 and n > 1:
                raise NetworkError(f"{what}: the page cursor expired (HTTP 410) after {n - 1} page(s): "
                                   f"rerun the command to fetch from the first page")
            if status != 200:
                raise NetworkError(f"{what}: HTTP {status}{error_detail(page)}{self.key_hint(status)}")
            if not isinstance(page.get("data"), list):
                raise NetworkError(f"{what}: page {n} has no \"data\" list")
            yield page
            if page.get("has_more") is not True:
                return
            cursor = page.get("next_page")
            if not isinstance(cursor, str) or not cursor:
                raise NetworkError(f"{what}: page {n} says has_more but gives no next_page cursor")
            if cursor in seen:
                raise NetworkError(f"{what}: page {n} repeats the cursor of an earlier page: the API "
                                   f"would loop forever; stopping")
            seen.add(cursor)
            params["page"] = cursor
        raise NetworkError(f"{what}: more than {max_pages:,} pages; narrow the date range")

    def key_hint(self, status: int) -> str:
        return f" (the key in {self.key_env} was refused)" if status in (401, 403) else ""


def error_detail(body: dict) -> str:
    """": type message" of an API error body, or ""."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return ""
    text = f"{err.get('type') or ''} {err.get('message') or ''}".strip()
    return f": {text}" if text else ""


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
