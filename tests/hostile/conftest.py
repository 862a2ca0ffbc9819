"""Fixtures of the hostile-input suite: a writer thread for FIFOs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

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
