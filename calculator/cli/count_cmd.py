"""`batchcalc count`."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Annotated, Optional

import typer

from calculator.cli.app import (STATE, CompareOpt, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app, catalogue, emit,
                                parse_date)
from calculator.cli.options import (CalibrationOpt, ExactOpt, Geo, InferenceGeoOpt, OutputFromOpt, OutputRatioOpt,
                                    OutputTokensOpt, Per, PerOpt, ScaleToOpt, SkipInvalidOpt, TimeoutOpt, cache_options)
from calculator.workloads.cache import CacheAssumptions, parse_fraction
from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT


class _Bar:
    """A rich progress bar on standard error (a terminal only)."""

    def __init__(self, total: Optional[int], label: str):
        from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        from rich.console import Console

        cols = [TextColumn(label), BarColumn()]
        cols.append(DownloadColumn() if label.startswith("Counting") else MofNCompleteColumn())
        cols.append(TimeRemainingColumn())
        self.progress = Progress(*cols, console=Console(file=sys.stderr), transient=True)
        self.label = label
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def update(self, done: int, failed: int = 0):
        """``done`` finished, of which ``failed`` failed (shown apart: a failure is not progress)."""
        label = f"{self.label} ({failed:,} failed)" if failed else self.label
        self.progress.update(self.task, completed=done, description=label)


def _progress_factory():
    # On a terminal only: not with --quiet, nor when the report or the progress is piped.
    if STATE["quiet"] or not sys.stderr.isatty() or not sys.stdout.isatty():
        return None
    return _Bar


@app.command()
@cache_options
def count(
    inputs: Annotated[list[str], typer.Argument(
        help="Sample requests: Message Batches JSONL, a {\"requests\": [...]} JSON body, a directory or "
             "glob of prompt files, a CSV, or - for standard input. gzip is read transparently.",
        metavar="REQUESTS...")],
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="Model for prompt files and CSV rows; for request files it replaces "
                              "every request's model (price the sample on another model).")] = None,
    column: Annotated[Optional[str], typer.Option(
        "--column", help="CSV column holding the prompt (default: prompt, text, message, content or input).")] = None,
    max_tokens: Annotated[int, typer.Option(
        "--max-tokens", min=1, help="max_tokens for prompt files and CSV rows, which carry none.")] = 1024,
    output_tokens: OutputTokensOpt = None,
    output_ratio: OutputRatioOpt = None,
    output_from: OutputFromOpt = None,
    cache: CacheAssumptions = None,
    inference_geo: InferenceGeoOpt = Geo.global_,
    scale_to: ScaleToOpt = None,
    per: PerOpt = Per.month,
    exact: ExactOpt = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Parallel count_tokens calls with --exact.")] = 8,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    calibrate: Annotated[Optional[str], typer.Option(
        "--calibrate", metavar="RESULTS", help="Fit the estimator's factor per model to the real usage in the batch "
                                               "results these requests produced; saved for later runs.")] = None,
    calibration: CalibrationOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """Count the tokens of a sample of requests and price it on sync, batch and batch + cache.

    Reads the requests you send today, counts their input tokens (offline estimate by default),
    finds the prompt-cache structure (cache_control breakpoints, else the shared prefix), and
    prices the sample, and optionally your real volume, under the four scenarios of `estimate`.
    Breakpoints keep their own TTL unless a TTL option is given. A scaled volume (--scale-to)
    is the sample's exact cost times the ratio.

    Examples:

        batchcalc count examples/requests.jsonl --output-tokens 20

        batchcalc count requests.jsonl.gz --output-ratio 0.3 --scale-to 400000 --per month

        batchcalc count prompts/ --model claude-haiku-4-5 --max-tokens 300

        batchcalc count tickets.csv --column body --model claude-sonnet-4-6 -O 150 --format json

        cat requests.jsonl | batchcalc count - --exact

        batchcalc count requests.jsonl --calibrate results.jsonl
    """
    from calculator import commands
    from calculator.workloads.count import CountOptions

    given = [x for x in (output_tokens, output_ratio, output_from) if x is not None]
    if len(given) > 1:
        raise InputError("give one of --output-tokens, --output-ratio and --output-from")
    if sum(1 for i in inputs if i == "-") > 1:
        raise InputError("standard input (-) can be read only once")
    opts = CountOptions(
        model=model, column=column, default_max_tokens=max_tokens, skip_invalid=skip_invalid,
        on=parse_date(on), output_tokens=output_tokens,
        output_ratio=parse_fraction(output_ratio, "--output-ratio", lo=Decimal(0), hi=Decimal(1)),
        output_results=output_from,
        cache=cache,
        inference_geo=inference_geo.value, scale_to=scale_to, per=per.value,
        exact=exact, concurrency=concurrency, timeout=timeout, calibrate=calibrate, calibration_file=calibration)
    report = commands.count(*inputs, options=opts, catalogue=catalogue(prices_path), progress=_progress_factory())
    emit(report, fmt, output, compare_to, only_exceptions=only_exceptions)
