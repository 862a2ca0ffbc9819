"""The one input opener and the one output writer (calculator/io.py) against hostile paths:
pipes read once, bounded reads, gzip bombs, and outputs that are symlinks, FIFOs and devices."""

from __future__ import annotations

import gzip
import json
import os
import re
import stat
import threading
import zlib

import pytest

from calculator.errors import InputError
from calculator.io import CONFIG_LIMIT, OutputFile, expand_glob, open_input, read_text, write_output

from conftest import EXAMPLES, one_line_error

COUNT = ["-O", "10", "--on", "2026-11-02", "-f", "json"]


def _requests(n: int) -> bytes:
    line = json.dumps({"custom_id": "r-{}", "params": {"model": "claude-haiku-4-5", "max_tokens": 5,
                                                       "messages": [{"role": "user", "content": "hello there"}]}})
    return "".join(line.replace("r-{}", f"r-{i}") + "\n" for i in range(n)).encode()


# -- inputs read once ---------------------------------------------------------------------------

def test_a_fifo_loses_no_line(cli, fifo):
    """2,000 request lines through a FIFO written in 4 KB pieces: all 2,000 are counted."""
    r = cli("count", fifo(_requests(2000)), *COUNT)
    assert r.code == 0, r.err
    assert r.json()["requests"] == 2000


def test_a_json_body_through_a_fifo_is_read_from_the_same_stream(cli, fifo):
    body = {"requests": [json.loads(line) for line in _requests(300).splitlines()]}
    r = cli("count", fifo(json.dumps(body, indent=1).encode()), *COUNT)
    assert r.code == 0, r.err
    assert r.json()["requests"] == 300


def test_dev_stdin_and_gzip_through_a_pipe(cli_process):
    """/dev/stdin as a path, gzip-compressed (the magic bytes are looked at, not re-read)."""
    import subprocess
    import sys

    data = gzip.compress(_requests(1500))
    p = subprocess.run([sys.executable, "-c", "from calculator.cli import run; run()", "count", "/dev/stdin",
                        *COUNT], input=data, capture_output=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["requests"] == 1500


def test_report_reads_a_fifo_once(cli, fifo):
    """`report` reads its files twice (detect, then build): a FIFO is copied once, whole."""
    r = cli("report", fifo(_requests(700), "sample.jsonl"), *COUNT)
    assert r.code == 0, r.err
    assert '"requests": 700' in r.out


def test_head_does_not_consume():
    src = open_input(EXAMPLES / "requests.jsonl")
    head = src.head(10)
    assert head == b'{"custom_i'
    assert src.read(10) == head
    with pytest.raises(ValueError):
        src.head(10)
    src.close()


def test_bom_is_dropped_and_bounded_on_content(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(p) == "a: 1\n"
    assert read_text(p, limit=5) == "a: 1\n"  # the 3 BOM bytes do not count


# -- bounds -----------------------------------------------------------------------------------

def test_dev_zero_as_a_small_input_stops_at_its_bound():
    with pytest.raises(InputError) as e:
        read_text("/dev/zero", limit=CONFIG_LIMIT, what="calibration file")
    assert str(e.value) == ("/dev/zero: larger than 10 MB, the bound for a calibration file "
                            "(reading stopped there)")


def test_a_gzip_bomb_is_one_line_naming_the_bound(tmp_path):
    """1 GB of zeros in a 1 MB gzip file, read as a YAML-sized input: stops after 10 MB."""
    bomb = tmp_path / "bomb.yaml.gz"
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    with open(bomb, "wb") as fh:
        for _ in range(1000):
            fh.write(z.compress(chunk))
        fh.write(z.flush())
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(InputError) as e:
        read_text(bomb, limit=CONFIG_LIMIT, what="workloads file")
    assert "larger than 10 MB, the bound for a workloads file" in str(e.value)


def test_an_endless_pipe_as_requests_stops(cli, tmp_path):
    """`count <(cat /dev/zero)`: one line, no newline in 256 MB, one error (not the OOM killer)."""
    r = cli("count", "/dev/zero", *COUNT)
    one_line_error(r, 1, "longer than 256,000,000 bytes")


def test_corrupt_gzip_names_the_line(cli, tmp_path):
    p = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(_requests(2000))
    p.write_bytes(data[: len(data) // 2])
    line = one_line_error(cli("count", p, *COUNT), 1, "truncated gzip")
    assert f"{p}:" in line


def test_standard_input_that_is_a_terminal_is_refused(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    with pytest.raises(InputError, match="standard input is a terminal"):
        open_input("-")


def test_unreadable_file_is_exit_1_one_line(cli, tmp_path):
    if os.geteuid() == 0:
        target = "/proc/self/mem"  # unreadable even for root through read()
        r = cli("count", target, *COUNT)
        one_line_error(r, 1, "cannot read")
    else:
        p = tmp_path / "secret.jsonl"
        p.write_bytes(_requests(1))
        p.chmod(0)
        one_line_error(cli("count", p, *COUNT), 1, "cannot read")


# -- globs --------------------------------------------------------------------------------------

def test_symlink_loops_in_a_glob_give_each_file_once(tmp_path, cli):
    d = tmp_path / "prompts"
    (d / "a").mkdir(parents=True)
    (d / "a" / "one.txt").write_text("hello")
    (d / "two.txt").write_text("world")
    (d / "a" / "loop").symlink_to(d)  # two loops: down and back up
    (d / "self").symlink_to(d)
    files = expand_glob(str(d / "**" / "*.txt"))
    assert sorted(os.path.basename(f) for f in files) == ["one.txt", "two.txt"]
    r = cli("count", str(d / "**" / "*.txt"), "-m", "claude-haiku-4-5", *COUNT)
    assert r.code == 0, r.err
    assert r.json()["requests"] == 2
    r = cli("count", d, "-m", "claude-haiku-4-5", *COUNT)  # the directory itself, walked
    assert r.code == 0, r.err
    assert r.json()["requests"] == 2


# -- outputs -----------------------------------------------------------------------------------

ESTIMATE = ["estimate", "-m", "claude-haiku-4-5", "-n", "10", "-i", "100", "-O", "10", "--on", "2026-11-02",
            "-f", "json"]


def test_a_symlink_output_writes_its_target(cli, tmp_path):
    target = tmp_path / "real" / "report.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    r = cli(*ESTIMATE, "-o", link)
    assert r.code == 0, r.err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["kind"] == "estimate"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]  # no temp file left


def test_a_fifo_output_is_written_into_not_replaced(cli, tmp_path):
    path = tmp_path / "out.fifo"
    os.mkfifo(path)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(path, "rb").read()), daemon=True)
    reader.start()
    r = cli(*ESTIMATE, "-o", path)
    reader.join(10)
    assert r.code == 0, r.err
    assert stat.S_ISFIFO(os.stat(path).st_mode)
    assert json.loads(got[0])["kind"] == "estimate"


def test_dev_null_stays_a_device(cli):
    before = os.stat("/dev/null")
    if not stat.S_ISCHR(before.st_mode):  # replaced by an older batchcalc run elsewhere on this machine
        pytest.skip("/dev/null is not a device on this machine")
    r = cli(*ESTIMATE, "-o", "/dev/null")
    assert r.code == 0, r.err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev


def test_a_character_device_made_here_stays_a_device(tmp_path):
    """As root, a device node in a scratch directory (a copy of /dev/null) is written into."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device's numbers
    except PermissionError:
        pytest.skip("creating a device node needs root")
    write_output(node, "report")
    assert stat.S_ISCHR(os.stat(node).st_mode)


def test_a_245_character_name_is_written(cli, tmp_path):
    out = tmp_path / ("r" * 240 + ".json")
    r = cli(*ESTIMATE, "-o", out)
    assert r.code == 0, r.err
    assert json.loads(out.read_text())["kind"] == "estimate"


def test_the_mode_of_the_replaced_file_is_kept(tmp_path):
    out = tmp_path / "shared.md"
    out.write_text("old")
    out.chmod(0o640)
    write_output(out, "new")
    assert out.read_text() == "new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_streamed_output_appears_whole_on_commit_and_never_on_discard(tmp_path):
    """--split-to and --retry-to write in pieces: the old file stays until commit, and an
    interrupted write (discard) leaves it and no temporary file."""
    out = tmp_path / "retry.jsonl"
    out.write_text("old\n")
    f = OutputFile(out)
    f.write(b"one\n")
    f.write(b"two\n")
    assert out.read_text() == "old\n"
    f.commit()
    assert out.read_text() == "one\ntwo\n"
    g = OutputFile(out)
    g.write(b"half")
    g.discard()
    assert out.read_text() == "one\ntwo\n" and sorted(p.name for p in tmp_path.iterdir()) == ["retry.jsonl"]


def test_a_directory_as_output_is_one_line(cli, tmp_path):
    r = cli(*ESTIMATE, "-o", tmp_path)  # a usage error: typer refuses a directory (dir_okay=False)
    # typer draws the usage error in a box that wraps with the temp path's length: read its words.
    words = " ".join(re.sub("[\u2500-\u257f]", " ", r.err).split())
    assert r.code == 2 and "is a directory" in words, r.err
    (tmp_path / "d").mkdir()
    link = tmp_path / "to-dir"
    link.symlink_to(tmp_path / "d")
    with pytest.raises(IsADirectoryError):
        write_output(link, "report")


@pytest.mark.parametrize("args,says", [
    (["plan", "/dev/zero"], "larger than 10 MB, the bound for a workload file"),
    (["report", "/dev/zero"], "cannot tell what this file is"),
    (["count", str(EXAMPLES / "requests.jsonl"), "--output-from", "/dev/zero"], "a line longer than 256,000,000 bytes"),
])
def test_dev_zero_wherever_a_file_is_read(cli, args, says):
    line = one_line_error(cli(*args), 1, says)
    assert "/dev/zero" in line


def test_plan_from_an_endless_standard_input(cli, monkeypatch):
    class Zeros:
        def isatty(self):
            return False

        class buffer:
            @staticmethod
            def read(n=-1):
                return bytes(max(n, 1 << 16))

    monkeypatch.setattr("sys.stdin", Zeros())
    one_line_error(cli("plan", "-"), 1, "<stdin>: larger than 10 MB")
