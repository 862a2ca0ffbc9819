"""`batchcalc check`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from calculator.cli.app import (CompareOpt, FormatOpt, OnlyExceptionsOpt, OnOpt, OutputOpt, PricesOpt, app, catalogue,
                                emit, parse_date)
from calculator.cli.options import Geo, InferenceGeoOpt, OutputRatioOpt, OutputTokensOpt, cache_options
from calculator.errors import InputError
from calculator.workloads.cache import CacheAssumptions, parse_fraction


@app.command()
@cache_options
def check(
    requests: Annotated[str, typer.Argument(
        help="A Message Batches request file: JSONL, a {\"requests\": [...]} JSON body, gzip, or - for "
             "standard input.", metavar="REQUESTS")],
    max_cost: Annotated[Optional[str], typer.Option(
        "--max-cost", metavar="USD", help="Budget gate: exit 4 when the worst case (every request using "
                                          "its max_tokens, batch rates, no cache hit) is above this.")] = None,
    split_to: Annotated[Optional[str], typer.Option(
        "--split-to", metavar="DIR", help="Write the requests as files of valid batches (100,000 requests "
                                          "and 256 MB at most, in order) into DIR.")] = None,
    output_tokens: OutputTokensOpt = None,
    output_ratio: OutputRatioOpt = None,
    cache: CacheAssumptions = None,
    inference_geo: InferenceGeoOpt = Geo.global_,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    prices_path: PricesOpt = None,
    compare_to: CompareOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
):
    """Check a request file before submitting it as a Message Batch, with a budget gate.

    Exits 4 when the Batches API would reject the file (more than 100,000 requests or 256 MB,
    a custom_id used twice, an invalid request: bad JSON, no integer max_tokens, an unknown
    model) or when the worst case is above --max-cost; 0 otherwise. Warns about cache_control
    prefixes below the model's minimum cacheable length (the API silently caches nothing).

    The worst case: every request uses all its max_tokens at batch rates, no cache hit. The
    expected case: --output-tokens or --output-ratio (default: max_tokens) and the batch hit rate
    (--batch-hit-rate or --cache-hit-rate).

    Examples:

        batchcalc check requests.jsonl

        batchcalc check requests.jsonl.gz --max-cost 250 -O 400

        batchcalc check big.jsonl --split-to batches/

        cat requests.jsonl | batchcalc check - --format json
    """
    from decimal import Decimal

    from calculator import commands
    from calculator.batches.check import CheckOptions
    from calculator.cli.count_cmd import _progress_factory

    if output_tokens is not None and output_ratio is not None:
        raise InputError("give one of --output-tokens and --output-ratio")
    opts = CheckOptions(
        on=parse_date(on), max_cost=parse_fraction(max_cost, "--max-cost", hi=None) if max_cost else None,
        split_to=split_to, output_tokens=output_tokens,
        output_ratio=parse_fraction(output_ratio, "--output-ratio", lo=Decimal(0), hi=Decimal(1)),
        cache=cache,
        inference_geo=inference_geo.value)
    report = commands.check(requests, opts, catalogue=catalogue(prices_path), progress=_progress_factory())
    if report.exit_code:
        typer.echo(f"batchcalc: check: {report.figures['verdict']}", err=True)
    emit(report, fmt, output, compare_to, only_exceptions=only_exceptions)
