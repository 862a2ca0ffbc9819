"""Rendering cost of the HTML report against the JSON render of the same Report, same process.

    .venv/bin/python bench/report_bench.py [--repeat N]     (or: make bench)

The report is built once (the demo estimate); then each renderer runs once to warm up (imports,
the jinja2 template cache, matplotlib's font cache) and N more times, and the median is taken.
Printed: the median time of each and the ratio html/json. The HTML page includes two matplotlib
charts, which is most of its cost. The report holds aggregates, so these rendering costs do not
grow with the size of the input: bench/report_usage_bench.py measures `batchcalc report` on a
10,000,000-row usage export against `batchcalc usage --format json` on the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_seconds(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from calculator.report.estimate import build_estimate_report
    from calculator.workloads.scenarios import Workload
    from calculator.workloads.cache import CacheAssumptions
    from pricing import load_catalogue
    from reports import render
    from reports.html_format import render as render_html

    w = Workload(model="claude-sonnet-4-6", requests=10_000, input_tokens=2_500, output_tokens=200,
                 cached_prefix_tokens=2_000, cache=CacheAssumptions.given(ttl="1h"), on=dt.date(2026, 11, 21))
    t0 = time.perf_counter()
    report = build_estimate_report(load_catalogue(), w)
    build = time.perf_counter() - t0

    results = {
        "json": median_seconds(lambda: render(report, "json"), args.repeat),
        "html": median_seconds(lambda: render(report, "html"), args.repeat),
        "html, no charts": median_seconds(lambda: render_html(report, charts=False), args.repeat),
        "xlsx": median_seconds(lambda: render(report, "xlsx"), args.repeat),
    }
    print(f"estimate report built in {build * 1000:.1f} ms (catalogue load included)")
    for name, secs in results.items():
        print(f"  render {name:<16} {secs * 1000:9.2f} ms  (median of {args.repeat})")
    print(f"ratio html/json: {results['html'] / results['json']:.0f}x; "
          f"charts are {1 - results['html, no charts'] / results['html']:.0%} of the HTML render; "
          f"html without charts / json: {results['html, no charts'] / results['json']:.1f}x")


if __name__ == "__main__":
    main()
