"""`batchcalc plan`."""

from pathlib import Path
from typing import Annotated

import typer

from calculator.cli.app import CompareOpt, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app, catalogue, emit, parse_date
from calculator.cli.options import TryModelOpt, cache_options
from calculator.workloads.cache import CacheAssumptions


@app.command()
@cache_options
def plan(
    workloads: Annotated[Path, typer.Argument(
        help="The workload file (YAML, `version: 1`; see examples/workloads.yaml), or - for standard input.",
        dir_okay=False)],
    try_model: TryModelOpt = None,
    compare_to: CompareOpt = None,
    cache: CacheAssumptions = None,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    prices_path: PricesOpt = None,
):
    """Plan a migration: which workloads can move to batch, what each costs now and after, per month.

    Each workload is classified (batch candidate / must stay synchronous: a person is waiting /
    at risk: its deadline is shorter than the 24 h batch limit, though most batches finish
    within 1 h), priced under its current mode and the recommended one (batch, or batch+cache
    when the shared prefix reaches the model's minimum cacheable length and the TTL is 1h), with
    the cache hit-rate range and the totals per month. A workload with `sample:` is measured
    (its requests counted as `batchcalc count` does); the others are described by their token
    counts. The cache options override every workload's cache keys.

    Examples:

        batchcalc plan examples/workloads.yaml

        batchcalc plan examples/workloads.yaml --try-model claude-haiku-4-5 --try-model claude-sonnet-5

        batchcalc plan examples/workloads.yaml --batch-hit-rate 0.3 --sync-cache-ttl 5m

        batchcalc plan examples/workloads.yaml --format json -o plan.json

        batchcalc plan examples/workloads.yaml --on 2026-12-01 --compare-to plan.json
    """
    from calculator import commands
    from calculator.errors import InputError
    from calculator.io import CONFIG_LIMIT, read_text

    text = None
    if str(workloads) == "-":
        text = read_text("-", limit=CONFIG_LIMIT, what="workload file")
    elif not workloads.exists():
        raise InputError("workload file not found", path=str(workloads))
    report = commands.plan(workloads, on=parse_date(on), try_models=try_model or (), cache=cache, text=text,
                           catalogue=catalogue(prices_path))
    emit(report, fmt, output, compare_to, only_exceptions=only_exceptions)
