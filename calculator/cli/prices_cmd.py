"""`batchcalc prices`."""

from typing import Annotated, Optional

import typer

from calculator.cli.app import CompareOpt, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app, catalogue, emit, parse_date


@app.command()
def prices(
    model: Annotated[Optional[str], typer.Argument(
        help="A model in any spelling (API id, alias, Bedrock, Vertex, Console name). "
             "Omit for every model.")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """List the price catalogue, or one model's dated rate cards.

    Rates are USD per million tokens as printed on Anthropic's pricing page; batch is the
    Message Batches API. Models without a published price are marked **unpriced**, never $0.

    Examples:

        batchcalc prices

        batchcalc prices claude-sonnet-4-5 --on 2026-01-15

        batchcalc prices "Claude Haiku 4.5" --format json
    """
    from calculator import commands

    emit(commands.prices(model, on=parse_date(on), catalogue=catalogue(prices_path)), fmt, output, compare_to, only_exceptions=only_exceptions)
