"""Exact input-token counts from the API: ``POST /v1/messages/count_tokens``.

Asked for with ``batchcalc count --exact`` only (the network is never touched otherwise). The
key comes from ``ANTHROPIC_API_KEY``; it is never printed. Identical requests are counted once.
Calls run on daemon worker threads with a bounded queue, so a large file is still streamed and
Ctrl-C never waits for a worker. Retries, the overall deadline, the circuit breaker and the
checks on each answer are :mod:`calculator.net`'s. ``base_url`` (or ``ANTHROPIC_BASE_URL``)
points the client elsewhere, which is how the tests use a local fake server.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from concurrent.futures import Future
from typing import Callable, Optional

from calculator.errors import InputError, NetworkError, Stopped
from calculator.net import DEFAULT_TIMEOUT, MAX_RETRIES, Api, error_detail

# The request fields count_tokens accepts; the rest (max_tokens, temperature, metadata, ...)
# do not change the input count.
COUNT_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking")
PATH = "/v1/messages/count_tokens"
KEY_ENV = "ANTHROPIC_API_KEY"


class ExactCounter:
    """Submit requests as they are read; ``wait()`` gives every count by key."""

    def __init__(self, *, api_key: Optional[str] = None, base_url: Optional[str] = None,
                 concurrency: int = 8, max_retries: int = MAX_RETRIES, backoff: float = 0.5,
                 timeout: float = DEFAULT_TIMEOUT,
                 progress: Optional[Callable[[int, int], None]] = None):
        from calculator.scrub import check_key, key_from_env

        key = check_key(api_key, KEY_ENV) if api_key else key_from_env(
            KEY_ENV, "--exact (count_tokens is free but authenticated)")
        self.api = Api(key=key, key_env=KEY_ENV, base_url=base_url, timeout=timeout,
                       max_retries=max_retries, backoff=backoff)
        self.futures: dict[str, Future] = {}
        self.where: dict[str, str] = {}
        self.progress = progress  # called with (counted, failed)
        self._ok = self._failed = 0
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(max(1, concurrency) * 4)
        self._workers = [threading.Thread(target=self._work, daemon=True, name=f"count_tokens-{i}")
                         for i in range(max(1, concurrency))]
        for t in self._workers:
            t.start()

    @property
    def calls(self) -> int:
        return self.api.calls

    @property
    def retries(self) -> int:
        return self.api.retries

    @property
    def unique(self) -> int:
        return len(self.futures)

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
        fut: Future = Future()
        self.futures[k] = fut
        self.where[k] = where
        body = {f: params[f] for f in COUNT_FIELDS if f in params}
        while True:  # in slices, so a stopped counter never blocks the reader
            if self.api.guard.stopped.is_set():
                raise Stopped("interrupted")
            try:
                self._queue.put((fut, body, where), timeout=0.25)
                return k
            except queue.Full:
                continue

    def _work(self) -> None:
        while True:
            fut, body, where = self._queue.get()
            if fut is None:
                return
            if self.api.guard.stopped.is_set():
                fut.cancel()
                continue
            try:
                fut.set_result(self._count(body, where))
                ok = True
            except BaseException as exc:  # handed to wait()
                fut.set_exception(exc)
                ok = False
            with self._lock:
                if ok:
                    self._ok += 1
                else:
                    self._failed += 1
                counted, failed = self._ok, self._failed
            if self.progress is not None:
                self.progress(counted, failed)

    def _count(self, body: dict, where: str) -> int:
        status, answer = self.api.json("POST", PATH, what=f"count_tokens ({where})", body=body)
        if status == 200:
            tokens = answer.get("input_tokens")
            if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
                raise NetworkError(f"count_tokens ({where}): HTTP 200 with input_tokens {tokens!r}, "
                                   f"expected a whole number >= 0")
            return tokens
        detail = error_detail(answer)
        if status in (401, 403):
            raise NetworkError(f"count_tokens: HTTP {status}{detail}{self.api.key_hint(status)}")
        if status in (400, 404, 413, 422):
            raise InputError(f"{where}: count_tokens rejected this request: HTTP {status}{detail}")
        raise NetworkError(f"count_tokens: HTTP {status} after retries{detail}")

    def wait(self) -> dict[str, int]:
        """Every key's count; the first failure stops the rest and is raised as one line."""
        out = {}
        try:
            for k, fut in self.futures.items():
                out[k] = fut.result()
        except BaseException:
            self.api.stop()  # the workers stop within a slice; Ctrl-C included
            raise
        finally:
            for _ in self._workers:
                try:
                    self._queue.put_nowait((None, None, None))
                except queue.Full:
                    break
        self.api.client.close()
        return out

    def stop(self) -> None:
        self.api.stop()
