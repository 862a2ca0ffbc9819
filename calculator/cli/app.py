"""The typer application and the options every command shares."""

from __future__ import annotations

import datetime as dt
import enum
import os
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
               "focus (FOCUS 1.2 CSV for FinOps tools).")
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help=FORMAT_HELP, case_sensitive=False)]
OutputOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of standard output.",
    dir_okay=False)]
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


def parse_date(value: Optional[str], option: str = "--on") -> dt.date:
    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: expected a date as YYYY-MM-DD") from None


def catalogue(prices: Optional[list[Path]]):
    from pricing import load_catalogue

    return load_catalogue(prices or None)


class AtomicFile:
    """An output file written via a temporary file in the same directory and renamed into place
    by ``commit()``, so an interrupted run never leaves a half-written file; ``discard()``
    removes the temporary file. ``fh`` is open for writing in ``mode`` ("w" or "wb")."""

    def __init__(self, path: Path, mode: str = "wb"):
        import tempfile

        self.path = Path(path)
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            # mkstemp makes the file private (0600); give it the mode a plain open() would have
            # (the existing file's, or 0666 less the umask) so a shared report stays readable.
            if self.path.exists():
                mode_bits = self.path.stat().st_mode & 0o777
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode_bits = 0o666 & ~umask
            os.chmod(self.tmp, mode_bits)
            self.fh = os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""}))
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise

    def commit(self) -> None:
        try:
            self.fh.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through an AtomicFile."""
    out = AtomicFile(path, "wb" if isinstance(data, bytes) else "w")
    try:
        out.fh.write(data)
    except BaseException:
        out.discard()
        raise
    out.commit()


def emit(report, fmt: Format, output: Optional[Path], compare_to: Optional[Path] = None) -> None:
    """Render the report (after it, with ``compare_to``, what changed since that saved report) and
    write it; exits with the report's exit code.

    Binary formats (xlsx) go to a file, or to standard output only when it is not a terminal.
    """
    from reports import BINARY_FORMATS, render

    if compare_to is not None:
        from calculator.report.compare import with_comparison

        report = with_comparison(report, compare_to)

    to_stdout = output is None or str(output) == "-"
    if fmt.value in BINARY_FORMATS and to_stdout and sys.stdout.isatty():
        raise InputError(f"--format {fmt.value} writes a binary file: give -o FILE.{fmt.value} "
                         f"(or redirect standard output to a file)")
    color = output is None and fmt == Format.table and sys.stdout.isatty()
    text = render(report, fmt.value, color=color)
    if isinstance(text, bytes) and to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    elif not to_stdout:
        try:
            write_atomically(output, text)
        except OSError as exc:
            raise InputError(f"cannot write output ({exc.strerror})", path=str(output)) from None
        if not STATE["quiet"]:
            typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if report.exit_code:
        raise typer.Exit(report.exit_code)
