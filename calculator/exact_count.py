"""Exact input-token counts from the API: ``messages.count_tokens`` through the anthropic SDK.

Asked for with ``batchcalc count --exact`` only (the network is never touched otherwise). The
key comes from ``ANTHROPIC_API_KEY``; it is never printed. Identical requests are counted once.
Calls run concurrently on a thread pool, with a bounded number in flight so a large file is
still streamed; 429 and 5xx answers (and dropped connections) are retried with exponential
backoff, honouring ``retry-after``. ``base_url`` (or ``ANTHROPIC_BASE_URL``) points the client
elsewhere, which is how the tests use a local fake server.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional

from calculator.errors import InputError, NetworkError

# The request fields count_tokens accepts; the rest (max_tokens, temperature, metadata, ...)
# do not change the input count.
COUNT_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking")
RETRY_STATUS = {408, 409, 429}


class ExactCounter:
    """Submit requests as they are read; ``result(key)`` after ``wait()``."""

    def __init__(self, *, api_key: Optional[str] = None, base_url: Optional[str] = None,
                 concurrency: int = 8, max_retries: int = 6, backoff: float = 0.5,
                 max_backoff: float = 30.0, timeout: float = 60.0,
                 progress: Optional[Callable[[int, int], None]] = None):
        import anthropic

        api_key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not api_key:
            raise NetworkError("--exact needs an API key in the ANTHROPIC_API_KEY environment variable "
                               "(count_tokens is free but authenticated)")
        self._anthropic = anthropic
        self._key = api_key  # only to scrub it from error messages (a proxy may echo it back)
        self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL"),
                                          max_retries=0, timeout=timeout)
        self.max_retries, self.backoff, self.max_backoff = max_retries, backoff, max_backoff
        self.pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="count_tokens")
        self.slots = threading.BoundedSemaphore(max(1, concurrency) * 4)
        self.futures: dict[str, Future] = {}
        self.where: dict[str, str] = {}
        self.calls = 0
        self.retries = 0
        self._lock = threading.Lock()
        self._done = 0
        self.progress = progress

    @staticmethod
    def key(params: dict) -> str:
        body = {k: params[k] for k in COUNT_FIELDS if k in params}
        return hashlib.blake2b(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()

    def submit(self, params: dict, where: str) -> str:
        """Queue one request (a no-op for one already queued); returns its key."""
        k = self.key(params)
        if k in self.futures:
            return k
        body = {f: params[f] for f in COUNT_FIELDS if f in params}
        self.slots.acquire()
        fut = self.pool.submit(self._count, body)
        fut.add_done_callback(self._finished)
        self.futures[k] = fut
        self.where[k] = where
        return k

    def _finished(self, _fut):
        self.slots.release()
        with self._lock:
            self._done += 1
            done = self._done
        if self.progress is not None:
            self.progress(done, len(self.futures))

    def _count(self, body: dict) -> int:
        a = self._anthropic
        attempt = 0
        while True:
            try:
                with self._lock:
                    self.calls += 1
                return int(self.client.messages.count_tokens(**body).input_tokens)
            except a.APIStatusError as exc:
                status = exc.status_code
                if (status in RETRY_STATUS or status >= 500) and attempt < self.max_retries:
                    self._sleep(attempt, exc.response.headers.get("retry-after"))
                    attempt += 1
                    continue
                raise _scrubbed(_status_error(exc), self._key) from None
            except (a.APIConnectionError, a.APITimeoutError) as exc:
                if attempt < self.max_retries:
                    self._sleep(attempt, None)
                    attempt += 1
                    continue
                raise _scrubbed(NetworkError(f"count_tokens: cannot reach the API ({exc})"), self._key) from None

    def _sleep(self, attempt: int, retry_after: Optional[str]):
        with self._lock:
            self.retries += 1
        delay = self.backoff * (2 ** attempt) * (0.75 + random.random() / 2)
        if retry_after:
            # The server knows best when to come back (seconds; an HTTP date is not parsed).
            try:
                delay = float(retry_after)
            except ValueError:
                pass
        time.sleep(min(delay, self.max_backoff))

    def wait(self) -> dict[str, int]:
        """Every key's count; the first failure is raised as a one-line error."""
        out = {}
        try:
            for k, fut in self.futures.items():
                try:
                    out[k] = fut.result()
                except InputError as exc:
                    raise InputError(f"{self.where[k]}: count_tokens rejected this request: {exc}") from None
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
        return out

    @property
    def unique(self) -> int:
        return len(self.futures)


def _scrubbed(error: Exception, key: str) -> Exception:
    """The same error with the API key removed from its message: a server or proxy that echoes
    the request's headers in its error body must not put the key on the user's terminal."""
    text = str(error)
    if not key or key not in text:
        return error
    return type(error)(text.replace(key, "[ANTHROPIC_API_KEY]"))


def _status_error(exc) -> Exception:
    status = exc.status_code
    try:
        message = exc.response.json().get("error", {}).get("message") or str(exc)
    except Exception:
        message = str(exc)
    if status in (401, 403):
        return NetworkError(f"count_tokens: HTTP {status}: the API key in ANTHROPIC_API_KEY was refused ({message})")
    if status in (400, 404, 413, 422):
        return InputError(f"HTTP {status}: {message}")
    return NetworkError(f"count_tokens: HTTP {status} after retries: {message}")
