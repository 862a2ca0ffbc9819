"""The typer application and the options every command shares."""

from __future__ import annotations

import datetime as dt
import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator import __version__
from calculator.errors import InputError

app = typer.Typer(
    name="batchcalc",
    help="What Claude API work costs on the synchronous API, on the Message Batches API (half "
         "price, results within 24 h) and on batches with prompt caching, and whether a bill "
         "matches the published rates.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)

STATE = {"debug": False, "quiet": False}


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"
    focus = "focus"


FORMAT_HELP = ("Output format: table (terminal), json (versioned contract), csv (long form, exact "
               "values), markdown, html (a self-contained page), xlsx (a workbook, needs -o) or "
               "focus (FOCUS 1.3 CSV of cost and usage charges, for FinOps tools). Default: from the "
               "-o suffix (.json .csv .md .html .xlsx .focus.csv; .txt or none: table), else table.")
FormatOpt = Annotated[Optional[Format], typer.Option("--format", "-f", help=FORMAT_HELP, case_sensitive=False)]
OutputOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file instead of standard output; its suffix picks the format "
                           "(a file is replaced atomically; a symlink's target is written; a device or "
                           "FIFO is written into).", dir_okay=False)]
PricesOpt = Annotated[Optional[list[Path]], typer.Option(
    "--prices", metavar="PATH", help="A YAML price file or directory layered over the built-in catalogue "
                     "(add a model, override a rate, a negotiated price). Repeatable.")]
CompareOpt = Annotated[Optional[Path], typer.Option(
    "--compare-to", metavar="PREVIOUS.json", dir_okay=False,
    help="A report saved earlier with --format json: add what changed since (each figure with its old "
         "and new value and the difference, and the lines added and removed).")]
OnOpt = Annotated[Optional[str], typer.Option(
    "--on", help="Price at the rates in effect on this date (YYYY-MM-DD). Default: today (UTC).",
    metavar="DATE")]


def version_callback(value: bool):
    if value:
        from pricing import load_catalogue

        typer.echo(f"batchcalc {__version__} (price catalogue {load_catalogue().version})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and the catalogue version.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of unexpected errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
):
    STATE["debug"] = debug
    STATE["quiet"] = quiet


FIRST_DATE, LAST_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)


def parse_date(value: Optional[str], option: str = "--on") -> dt.date:
    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: expected a date as YYYY-MM-DD") from None
    # Periods are computed around a date (the next day, the month's end): keep them representable.
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(f"{option} {value}: expected a date from {FIRST_DATE} to {LAST_DATE}")
    return day


def parse_range(since: Optional[str], until: Optional[str]) -> tuple[Optional[dt.date], Optional[dt.date]]:
    """--since and --until (each optional); an --until before --since is an error, not an empty result."""
    since_d = parse_date(since, "--since") if since else None
    until_d = parse_date(until, "--until") if until else None
    if since_d and until_d and until_d < since_d:
        raise InputError(f"--until {until} is before --since {since}")
    return since_d, until_d


def catalogue(prices: Optional[list[Path]]):
    from pricing import load_catalogue

    return load_catalogue(prices or None)


# The -o suffix names the format when --format is not given (longest suffix first).
SUFFIX_FORMATS = {".focus.csv": Format.focus, ".json": Format.json, ".csv": Format.csv, ".md": Format.markdown,
                  ".markdown": Format.markdown, ".html": Format.html, ".htm": Format.html,
                  ".xlsx": Format.xlsx, ".txt": Format.table}


def suffix_format(output: Optional[Path]) -> Optional[Format]:
    """The format an output file's name asks for; None for standard output or a name without a
    known suffix (which gets the command's default: the terminal table)."""
    if output is None or str(output) == "-":
        return None
    name = output.name.lower()
    return next((f for suffix, f in SUFFIX_FORMATS.items() if name.endswith(suffix)), None)


def usage_error(message: str):
    """A usage error: one line on standard error, exit code 2."""
    typer.echo(f"batchcalc: usage error: {message}", err=True)
    return typer.Exit(2)


def resolve_format(fmt: Optional[Format], output: Optional[Path], default: Format = Format.table) -> Format:
    """--format, else the -o suffix, else ``default``; a suffix that contradicts --format, or a
    binary format bound for a terminal, is a usage error."""
    by_suffix = suffix_format(output)
    if fmt is None:
        fmt = by_suffix or default
    elif by_suffix is not None and by_suffix != fmt:
        if {fmt, by_suffix} != {Format.csv, Format.focus}:  # a FOCUS file is a CSV too
            raise usage_error(f"--format {fmt.value} contradicts -o {output.name} (a {by_suffix.value} "
                              f"file): drop --format or change the suffix")
    to_stdout = output is None or str(output) == "-"
    from reports import BINARY_FORMATS

    if fmt.value in BINARY_FORMATS and to_stdout and sys.stdout.isatty():
        raise usage_error(f"--format {fmt.value} writes a binary file: give -o FILE.{fmt.value}")
    return fmt


ONLY_EXCEPTIONS_HELP = ("Only the exceptions: the flagged rows (lines outside tolerance, unmatched "
                        "lines) of tables that flag rows (table, csv and markdown output).")
OnlyExceptionsOpt = Annotated[bool, typer.Option("--only-exceptions", help=ONLY_EXCEPTIONS_HELP)]


def emit(report, fmt: Optional[Format], output: Optional[Path], compare_to: Optional[Path] = None, *,
         only_exceptions: bool = False, default: Format = Format.table) -> None:
    """Render the report in the format --format or the -o suffix names (after it, with
    ``compare_to``, what changed since that saved report), write it; exit with the report's exit
    code. The one output path of every command."""
    from reports import EXCEPTION_FORMATS, render

    fmt = resolve_format(fmt, output, default)
    if compare_to is not None:
        from calculator.report.compare import with_comparison

        report = with_comparison(report, compare_to)
    if only_exceptions and fmt.value not in EXCEPTION_FORMATS:
        raise usage_error(f"--only-exceptions applies to {', '.join(EXCEPTION_FORMATS)} output, "
                          f"not {fmt.value}")
    to_stdout = output is None or str(output) == "-"
    color = to_stdout and fmt == Format.table and sys.stdout.isatty()
    from calculator.io import write_output
    from calculator.scrub import scrub_output

    text = scrub_output(render(report, fmt.value, color=color, only_exceptions=only_exceptions))
    if isinstance(text, bytes) and to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    elif not to_stdout:
        try:
            write_output(output, text, scrub=False)
        except OSError as exc:
            raise InputError(f"cannot write output ({exc.strerror})", path=str(output)) from None
        if not STATE["quiet"]:
            typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    exit_code = getattr(report, "exit_code", 0)
    if exit_code:
        raise typer.Exit(exit_code)
