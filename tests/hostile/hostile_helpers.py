"""Helpers of the hostile-input suite."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"


def one_line_error(r, code: int = 1, says: str = "") -> str:
    """The single stderr line of a failed run (exit ``code``), which must contain ``says``."""
    assert r.code == code, f"exit {r.code}, stderr {r.err[:2000]!r}"
    assert "Traceback" not in r.err and "bug in batchcalc" not in r.err, r.err[:2000]
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {r.err[:2000]!r}"
    assert says.lower() in lines[0].lower(), lines[0]
    return lines[0]


class FakeServer:
    """An HTTP server on 127.0.0.1 whose every request is answered by ``handle(handler)``
    (a BaseHTTPRequestHandler). Handler threads are daemons: a trickling answer never holds
    the test up at shutdown. ``hits`` counts the requests."""

    def __init__(self, handle):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out as separate writes: without this, Nagle's algorithm and
                # delayed ACKs add 40 ms to every answer.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                server.hits += 1
                handle(self)

            do_POST = do_GET

        self.hits = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def answer(handler, status: int, body: bytes | str, content_type: str = "application/json", **headers):
    """Send a complete answer (and read the request body first)."""
    length = int(handler.headers.get("content-length") or 0)
    if length:
        handler.rfile.read(length)
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("content-type", content_type)
    handler.send_header("content-length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(data)


def request_line(text: str = "hello there", cid: str = "r1") -> str:
    import json

    return json.dumps({"custom_id": cid, "params": {"model": "claude-haiku-4-5", "max_tokens": 5,
                                                   "messages": [{"role": "user", "content": text}]}}) + "\n"


class Feeder(threading.Thread):
    """Writes ``data`` into the FIFO at ``path`` in small pieces (as a slow producer would)."""

    def __init__(self, path: Path, data: bytes, piece: int = 4096):
        super().__init__(daemon=True)
        self.path, self.data, self.piece = path, data, piece
        self.error: BaseException | None = None

    def run(self):
        try:
            with open(self.path, "wb", buffering=0) as fh:
                for i in range(0, len(self.data), self.piece):
                    fh.write(self.data[i:i + self.piece])
        except BrokenPipeError:
            pass
        except BaseException as exc:  # reported by the test
            self.error = exc


@pytest.fixture
def fifo(tmp_path):
    """fifo(data, name) -> path of a FIFO a thread is writing ``data`` into."""
    feeders = []

    def make(data: bytes, name: str = "input.fifo") -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        feeder = Feeder(path, data)
        feeder.start()
        feeders.append(feeder)
        return path

    yield make
    for f in feeders:
        if f.is_alive():  # nobody opened it: open the read end so the writer finishes
            try:
                fd = os.open(f.path, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
        f.join(5)
