"""`batchcalc usage`."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.cli.app import (STATE, CompareOpt, Format, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app,
                                catalogue, emit, parse_date, parse_range, resolve_format)
from calculator.cli.options import (Api, ApiOpt, MapOpt, SaveResponsesOpt, SinceOpt, SkipInvalidOpt, SourceOpt,
                                    StrictOpt, TierMapOpt, TimeoutOpt, UntilOpt)
from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def split_list(values: Optional[list[str]]) -> tuple[str, ...]:
    out = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return tuple(out)


def progress_bar():
    """A context manager yielding a callback that shows rows read, on a terminal (not with --quiet)."""
    import contextlib
    import sys

    if STATE["quiet"] or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    @contextlib.contextmanager
    def bar():
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("reading usage", total=None)
            yield lambda n: progress.update(task, description=f"reading usage: {n:,} rows")

    return bar()


@app.command()
def usage(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Usage exports: batch results JSONL, Admin API usage report JSON (a file, pages, or a "
             "directory), a Console usage CSV, Parquet (a file or a directory; Console or canonical "
             "columns), or a CSV with --map; gzip is fine; - reads standard input; a pipe is read once.",
        show_default=False)] = None,
    source: SourceOpt = None,
    mapping: MapOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    group_by: Annotated[Optional[list[str]], typer.Option(
        "--group-by", "-g", metavar="DIMS",
        help="An extra breakdown by these dimensions (comma-separated or repeated): month, day, model, "
             "service_tier, context_tier, inference_geo, speed, workspace, api_key, source.")] = None,
    strict: StrictOpt = False,
    skip_invalid: SkipInvalidOpt = False,
    tier_map: TierMapOpt = None,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="duckdb (embedded, default) or spark (a local session, or a cluster with "
                         "--spark-remote; needs pip install 'batchcalc[spark]' and Java 17).",
        case_sensitive=False)] = "duckdb",
    spark_remote: Annotated[Optional[str], typer.Option(
        "--spark-remote", metavar="sc://HOST:PORT",
        help="With --engine spark: a Spark Connect server (default SPARK_REMOTE, else a local session).")] = None,
    table: Annotated[Optional[str], typer.Option(
        "--table", metavar="CATALOG.SCHEMA.NAME",
        help="With --engine spark: read usage from this table (Console or canonical columns).")] = None,
    from_api: Annotated[bool, typer.Option(
        "--from-api", help="Fetch the usage from the API (see --api; --since/--until give the range, "
                           "default the last 30 days).")] = False,
    api: ApiOpt = Api.analytics,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    bucket_width: Annotated[str, typer.Option("--bucket-width", help="--from-api bucket: 1d (or 1h; 1m "
                                                                     "with --api legacy).")] = "1d",
    api_group_by: Annotated[Optional[list[str]], typer.Option(
        "--api-group-by", metavar="FIELDS",
        help="--from-api group_by[] fields (default: model, service_tier, context_window, "
             "inference_geo, workspace_id, api_key_id; with --api legacy also speed).")] = None,
    save_responses: SaveResponsesOpt = None,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
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

        batchcalc usage usage-lake/ --engine spark --spark-remote sc://spark.internal:15002

        batchcalc usage --engine spark --table main.billing.claude_usage --since 2026-10-01

        batchcalc usage invoice.csv --map period=Date --map model=Model --map uncached_input="Input Tokens" --map output="Output Tokens"

        ANTHROPIC_ADMIN_KEY=sk-ant-admin... batchcalc usage --from-api --since 2026-10-01 --until 2026-10-31 --save-responses responses/2026-10

        batchcalc usage responses/2026-10
    """
    from calculator import commands
    from calculator.cli.options import api_pages, check_save_responses
    from calculator.engine import UsageOptions
    from calculator.engine.normalise import parse_tier_map
    from calculator.readers.generic import parse_mapping

    cat = catalogue(prices_path)
    since_d, until_d = parse_range(since, until)
    check_save_responses(api, from_api, save_responses)
    pages, pages_from = None, "admin"
    if from_api:
        if files:
            raise InputError("give either files or --from-api, not both")
        fetched = api_pages(api, since_d, until_d, bucket_width=bucket_width, group_by=split_list(api_group_by),
                            save_dir=save_responses, timeout=timeout)
        pages, pages_from = fetched.usage, fetched.pages_from
    elif not files and not table:
        raise InputError("give one or more usage files (or --from-api); see batchcalc usage --help")
    options = UsageOptions(catalogue=cat, source=source.value if source else None, mapping=parse_mapping(mapping),
                           tier_map=parse_tier_map(tier_map), on=parse_date(on), since=since_d, until=until_d,
                           group_by=split_list(group_by), strict=strict, skip_invalid=skip_invalid, pages=pages,
                           pages_from=pages_from,
                           engine=Engine(engine).value, spark_remote=spark_remote, table=table,
                           charges=resolve_format(fmt, output) == Format.focus)
    with progress_bar() as progress:
        options.progress = progress
        report = commands.usage(*(files or []), options=options)
    emit(report, fmt, output, compare_to, only_exceptions=only_exceptions)
