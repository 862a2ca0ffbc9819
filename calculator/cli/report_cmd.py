"""`batchcalc report`: one page (or workbook, or FOCUS file) from every input given."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.cli.app import FORMAT_HELP, Format, OnOpt, OutputOpt, PricesOpt, STATE, app, catalogue, emit, parse_date
from calculator.cli.estimate_cmd import TTL, _hit_rate

SUFFIX_FORMATS = {".html": Format.html, ".htm": Format.html, ".xlsx": Format.xlsx, ".csv": Format.csv,
                  ".json": Format.json, ".md": Format.markdown, ".txt": Format.table}


def _stdin_to_file() -> Path:
    """`-` reads standard input: keep it in a temporary file, since detection and the section
    builders read their files by path (and may read them twice)."""
    import atexit
    import os
    import shutil
    import sys
    import tempfile

    fd, name = tempfile.mkstemp(prefix="batchcalc-stdin-")
    with os.fdopen(fd, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    atexit.register(lambda: os.path.exists(name) and os.unlink(name))
    return Path(name)


@app.command()
def report(
    inputs: Annotated[Optional[list[Path]], typer.Argument(
        help="Input files, detected by their content: batch request or results JSONL, Admin API "
             "usage or cost report JSON, Console usage or cost CSV, workloads YAML, or a report "
             "saved with --format json.", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="Also estimate a workload on this model (with -n, -i, -O), as "
                              "`batchcalc estimate` does.", rich_help_panel="Workload estimate")] = None,
    requests: Annotated[Optional[int], typer.Option("--requests", "-n", min=1, help="Number of requests.",
                                                    rich_help_panel="Workload estimate")] = None,
    input_tokens: Annotated[Optional[int], typer.Option("--input-tokens", "-i", min=0,
                                                        help="Input tokens per request (the whole prompt).",
                                                        rich_help_panel="Workload estimate")] = None,
    output_tokens: Annotated[Optional[int], typer.Option("--output-tokens", "-O", min=0,
                                                         help="Output tokens per request.",
                                                         rich_help_panel="Workload estimate")] = None,
    cached_prefix_tokens: Annotated[int, typer.Option(
        "--cached-prefix-tokens", "-p", min=0, help="Shared prefix tokens per request (part of -i).",
        rich_help_panel="Workload estimate")] = 0,
    cache_hit_rate: Annotated[Optional[str], typer.Option(
        "--cache-hit-rate", metavar="H", help="Fraction of requests that read the prefix from cache.",
        rich_help_panel="Workload estimate")] = None,
    cache_ttl: Annotated[TTL, typer.Option("--cache-ttl", help="Cache TTL: 5m or 1h.",
                                           rich_help_panel="Workload estimate")] = TTL.m5,
    try_model: Annotated[Optional[list[str]], typer.Option(
        "--try-model", metavar="MODEL", help="Plans (workloads files): also price every workload on "
                                             "this model, as `batchcalc plan --try-model`. Repeatable.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The page's title.")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Unpriced rows in the input files are an error, not a warning.")] = False,
    on: OnOpt = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help=FORMAT_HELP + " Default: from the -o suffix, else html (table on a terminal).",
        case_sensitive=False)] = None,
    output: OutputOpt = None,
    prices_path: PricesOpt = None,
):
    """The savings report finance reads: one self-contained HTML page (or xlsx, FOCUS CSV, ...)
    with an executive summary, charts, tables, methodology and warnings, from every input given.

    Examples:

        batchcalc report -m claude-sonnet-4-6 -n 10000 -i 2500 -O 200 -p 2000 --cache-ttl 1h -o savings-report.html

        batchcalc estimate -m claude-haiku-4-5 -n 100000 -i 800 -O 50 --format json -o estimate.json

        batchcalc report estimate.json -o report.xlsx
    """
    from calculator.composite import compose
    from calculator.errors import InputError
    from calculator.inputs import ReportOptions, build_sections, detect

    cat = catalogue(prices_path)
    day = parse_date(on)
    reports = []
    if model is not None:
        missing = [name for name, v in (("--requests", requests), ("--input-tokens", input_tokens),
                                        ("--output-tokens", output_tokens)) if v is None]
        if missing:
            raise InputError(f"--model needs {', '.join(missing)} to estimate a workload")
        from calculator.estimating import build_estimate_report
        from calculator.scenarios import Workload

        reports.append(build_estimate_report(cat, Workload(
            model=model, requests=requests, input_tokens=input_tokens, output_tokens=output_tokens,
            cached_prefix_tokens=cached_prefix_tokens, cache_hit_rate=_hit_rate(cache_hit_rate),
            cache_ttl=cache_ttl.value, on=day)))
    elif any(v is not None for v in (requests, input_tokens, output_tokens)):
        raise InputError("--requests/--input-tokens/--output-tokens describe a workload: give --model too")
    if inputs:
        inputs = [_stdin_to_file() if str(p) == "-" else p for p in inputs]
        options = ReportOptions(catalogue=cat, on=day if on else None, prices=list(prices_path or []),
                                strict=strict, quiet=STATE["quiet"],
                                extra={"try_models": tuple(try_model or ())})
        reports = build_sections(detect(list(inputs)), options) + reports
    page = compose(reports, title)
    if fmt is None:
        if output is None or str(output) == "-":
            import sys

            # The page is for a file; a person at a terminal gets the tables and a hint.
            if sys.stdout.isatty():
                fmt = Format.table
                if not STATE["quiet"]:
                    typer.echo("(the HTML page: add -o savings-report.html)", err=True)
            else:
                fmt = Format.html
        else:
            fmt = SUFFIX_FORMATS.get(output.suffix.lower(), Format.html)
    emit(page, fmt, output)
