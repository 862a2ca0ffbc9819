"""The command line: thin typer commands over the library, and the error mapping.

Exit codes: 0 success, 1 a user-facing error (one line on stderr), 2 a usage error (typer's),
3 a reconciliation residual beyond tolerance.
"""

from __future__ import annotations

import sys

from calculator.cli.app import STATE, app
from calculator.cli import estimate_cmd, prices_cmd, report_cmd  # noqa: F401  (they register their commands)
from calculator.cli import plan_cmd  # noqa: F401
from calculator.cli import count_cmd  # noqa: F401
from calculator.cli import reconcile_cmd, usage_cmd  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising SystemExit."""
    from calculator.scrub import ScrubbingWriter

    # Everything written to standard error (errors, warnings, progress) is scrubbed of keys.
    stderr = sys.stderr
    sys.stderr = ScrubbingWriter(stderr)
    try:
        return _main(argv)
    finally:
        sys.stderr.flush()
        sys.stderr = stderr


def _main(argv: list[str] | None) -> int:
    from calculator import __version__
    from calculator.errors import BatchcalcError, one_line

    try:
        # Standalone mode: typer itself turns usage errors into exit code 2 with its message.
        app(args=argv, prog_name="batchcalc")
        return 0
    except SystemExit as exc:
        code = exc.code
        if code == 130:  # typer's answer to Ctrl-C: say so
            print("batchcalc: interrupted", file=sys.stderr)
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BatchcalcError as exc:
        print(f"batchcalc: error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("batchcalc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input
        if STATE["debug"]:
            raise
        print(f"batchcalc: internal error ({type(exc).__name__}: {one_line(str(exc))}). This is a bug in batchcalc "
              f"{__version__}: please report it with the command you ran; --debug shows the traceback.",
              file=sys.stderr)
        return 1


def run() -> None:
    sys.exit(main())
