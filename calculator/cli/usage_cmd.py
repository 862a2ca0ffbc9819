"""`batchcalc usage`."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.cli.app import (STATE, Format, FormatOpt, OnOpt, OutputOpt, PricesOpt, app, catalogue,
                                emit, parse_date)
from calculator.cli.options import Api, ApiOpt, SaveResponsesOpt
from calculator.errors import InputError


class Source(str, Enum):
    batch_results = "batch-results"
    admin_usage = "admin-usage"
    console_csv = "console-csv"
    generic_csv = "generic-csv"


def split_list(values: Optional[list[str]]) -> tuple[str, ...]:
    out = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return tuple(out)


def consume(analyser, source) -> None:
    """Feed every chunk to the analyser, with a progress line on a terminal (not with --quiet)."""
    import sys

    if STATE["quiet"] or not sys.stderr.isatty():
        analyser.consume(source)
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    analyser.source = source
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("reading usage", total=None)
        for chunk in source.chunks():
            analyser.add_chunk(chunk)
            progress.update(task, description=f"reading usage: {analyser.rows_read:,} rows")


@app.command()
def usage(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Usage exports: batch results JSONL, Admin API usage report JSON (a file, pages, or a "
             "directory), a Console usage CSV, or a CSV with --map; gzip is fine; - reads standard "
             "input (with --source).", show_default=False)] = None,
    source: Annotated[Optional[Source], typer.Option(
        "--source", help="Say what the files are instead of detecting it.", case_sensitive=False)] = None,
    mapping: Annotated[Optional[list[str]], typer.Option(
        "--map", metavar="NAME=COLUMN",
        help="Column mapping for a generic CSV: NAME is one of period, model, service_tier, "
             "context_tier, inference_geo, speed, workspace, api_key, uncached_input, cache_write_5m, "
             "cache_write_1h, cache_read, output, web_search_requests, requests. Repeatable.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="DATE",
                                                 help="Only usage on or after this day (YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="DATE",
                                                 help="Only usage on or before this day (YYYY-MM-DD).")] = None,
    group_by: Annotated[Optional[list[str]], typer.Option(
        "--group-by", "-g", metavar="DIMS",
        help="An extra breakdown by these dimensions (comma-separated or repeated): month, day, model, "
             "service_tier, context_tier, inference_geo, speed, workspace, api_key, source.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Rows that cannot be priced are an error "
                                                          "instead of a counted warning.")] = False,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Skip and count bad rows (negative or non-integer counts, unknown "
                               "models or tiers, duplicates) instead of stopping at the first.")] = False,
    from_api: Annotated[bool, typer.Option(
        "--from-api", help="Fetch the usage from the API (see --api; --since/--until give the range, "
                           "default the last 30 days).")] = False,
    api: ApiOpt = Api.analytics,
    bucket_width: Annotated[str, typer.Option("--bucket-width", help="--from-api bucket: 1d (or 1h; 1m "
                                                                     "with --api legacy).")] = "1d",
    api_group_by: Annotated[Optional[list[str]], typer.Option(
        "--api-group-by", metavar="FIELDS",
        help="--from-api group_by[] fields (default: model, service_tier, context_window, "
             "inference_geo, workspace_id, api_key_id; with --api legacy also speed).")] = None,
    save_responses: SaveResponsesOpt = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    prices_path: PricesOpt = None,
):
    """What you actually spent, what batch already saved, and what it would save.

    Prices every row at the rates in effect on its date (service tier, context window,
    residency, speed); rows that cannot be priced are counted and listed, never $0.
    Batch results carry no dates: they are priced at --on (default today).

    Examples:

        batchcalc usage examples/usage_report.json

        batchcalc usage console-usage.csv.gz --since 2026-10-01 --until 2026-10-31 -g workspace,model

        batchcalc usage results.jsonl --on 2026-11-02 --format json -o usage.json

        batchcalc usage invoice.csv --map period=Date --map model=Model --map uncached_input="Input Tokens" --map output="Output Tokens"

        ANTHROPIC_ADMIN_KEY=sk-ant-admin... batchcalc usage --from-api --since 2026-10-01 --until 2026-10-31 --save-responses responses/2026-10
    """
    from calculator.cli.options import api_sources, check_save_responses, saved_analytics
    from calculator.usage_readers import UsageSource
    from calculator.usage_readers._policy import InvalidRows
    from calculator.usage_readers.generic_csv import parse_mapping

    cat = catalogue(prices_path)
    since_d = parse_date(since, "--since") if since else None
    until_d = parse_date(until, "--until") if until else None
    if since_d and until_d and until_d < since_d:
        raise InputError(f"--until {until} is before --since {since}")
    check_save_responses(api, from_api, save_responses)
    policy = InvalidRows(skip_invalid)
    if from_api:
        if files:
            raise InputError("give either files or --from-api, not both")
        src, _ = api_sources(api, since_d, until_d, bucket_width=bucket_width, group_by=split_list(api_group_by),
                             save_dir=save_responses, catalogue=cat, policy=policy)
    elif not files:
        raise InputError("give one or more usage files (or --from-api); see batchcalc usage --help")
    else:
        src = (saved_analytics(files, policy=policy) or (None,))[0] or UsageSource(
            [str(f) for f in files], source=source.value if source else None, mapping=parse_mapping(mapping),
            on=parse_date(on), catalogue=cat, policy=policy)
    emit(usage_report_of(src, cat, since=since_d, until=until_d, group_by=split_list(group_by), strict=strict),
         fmt, output)


def usage_report_of(src, cat, *, since=None, until=None, group_by: tuple[str, ...] = (), strict: bool = False):
    """The usage report of one source (files or --from-api), as `batchcalc usage` shows it."""
    from calculator.usage_analysis import UsageAnalyser
    from calculator.usage_report import build_usage_report

    analyser = UsageAnalyser(cat, since=since, until=until, policy=src.policy, group_by=group_by, strict=strict)
    consume(analyser, src)
    return build_usage_report(analyser.finish())
