"""`batchcalc report` (the HTML page) on a large Console usage CSV, against `batchcalc usage --format json`.

    python bench/report_usage_bench.py                  # 10,000,000 rows, 3 rounds (the issue's size)
    python bench/report_usage_bench.py --rows 200000    # quick mode for development

The CSV is generated once into bench/out/ by bench/usage_bench.py's generator (shared file name,
so either benchmark reuses the other's file). Each round runs, alternately and as whole processes:

  baseline:  batchcalc usage FILE --format json -o /dev/null   (read, aggregate, price, JSON)
  report:    batchcalc report FILE -o OUT.html                  (the same, then the HTML page)

The report holds aggregates, not rows, so the page (matplotlib charts, jinja2 tables) should cost
a near-constant few hundred milliseconds on top of reading the file: the ratio should approach 1.
Printed: both wall times per round, their ratio, and the best and median figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from usage_bench import add_file_options, console_csv  # noqa: E402  (the same file as the usage benchmark)


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_file_options(p)
    args = p.parse_args(argv)
    path = console_csv(args)
    batchcalc = str(Path(sys.executable).with_name("batchcalc"))
    out_dir = Path(tempfile.mkdtemp(prefix="batchcalc-bench-"))
    page = out_dir / "r.html"
    usage = [batchcalc, "--quiet", "usage", str(path), "--format", "json", "-o", os.devnull]
    report = [batchcalc, "--quiet", "report", str(path), "-o", str(page)]
    usage_t, report_t = [], []
    try:
        for r in range(args.rounds):
            # Alternate which goes first, so neither always gets the warmer page cache.
            if r % 2 == 0:
                u, h = timed(usage), timed(report)
            else:
                h, u = timed(report), timed(usage)
            usage_t.append(u)
            report_t.append(h)
            print(f"round {r + 1}: usage --format json {u:.2f} s   report -o r.html {h:.2f} s   "
                  f"ratio {h / u:.3f}x   (+{h - u:.2f} s)", flush=True)
        size = page.stat().st_size
    finally:
        for f in out_dir.iterdir():
            f.unlink()
        out_dir.rmdir()
    ratios = sorted(h / u for h, u in zip(report_t, usage_t))
    print(f"best: usage {min(usage_t):.2f} s, report {min(report_t):.2f} s, ratio "
          f"{min(report_t) / min(usage_t):.3f}x; median ratio {ratios[len(ratios) // 2]:.3f}x "
          f"({args.rows:,} rows, page {size / 1024:,.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
