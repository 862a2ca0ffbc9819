"""`batchcalc batches`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from calculator.cli.app import (CompareOpt, FormatOpt, OnlyExceptionsOpt, OnOpt, OutputOpt, PricesOpt, app, catalogue,
                                emit, parse_date, parse_range)
from calculator.cli.options import ResultsOpt, TimeoutOpt
from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT


def _results_option(values: Optional[list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        bid, sep, path = v.partition("=")
        if not sep or not bid.strip() or not path.strip():
            raise InputError(f"--results {v!r}: expected BATCH_ID=FILE")
        if bid.strip() in out:
            raise InputError(f"--results: batch {bid.strip()} is given twice")
        out[bid.strip()] = path.strip()
    return out


@app.command()
def batches(
    files: Annotated[Optional[list[str]], typer.Argument(
        help="Batch objects (JSON: one object, a list, or a batches.list() page, as the API returns "
             "them) and results files named after their batch (msgbatch_....jsonl[.gz]).",
        metavar="FILES")] = None,
    results: ResultsOpt = None,
    requests: Annotated[Optional[str], typer.Option(
        "--requests", metavar="ORIGINAL.jsonl", help="The requests the batches were made of (for --retry-to).")] = None,
    retry_to: Annotated[Optional[str], typer.Option(
        "--retry-to", metavar="FILE", help="Write the requests that errored transiently (overloaded, api, "
                                           "rate limit, timeout) or expired, with fresh custom_ids; the "
                                           "mapping to the originals goes to FILE's .map.jsonl.")] = None,
    from_api: Annotated[bool, typer.Option(
        "--from-api", help="List batches and fetch their results from the Message Batches API "
                           "(key from ANTHROPIC_API_KEY).")] = False,
    since: Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="--from-api: batches created on or after this day (UTC).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="--from-api: ... and on or before this day.")] = None,
    batch_id: Annotated[Optional[list[str]], typer.Option(
        "--batch-id", metavar="ID", help="--from-api: these batches only. Repeatable.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=16, help="--from-api: results downloaded at once.")] = 4,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    prices_path: PricesOpt = None,
    compare_to: CompareOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
):
    """What each Message Batch cost and how it ran, and what to resubmit.

    Per batch and in total: requests by status, error rate (flagged above 1%) and error types,
    turnaround (flagged over 1 hour and near 24 hours), the cost at batch rates against the same
    usage at standard rates, the cost per succeeded request and its ratio to standard (flagged
    when it is not 50%), cache reads and writes. Results without a batch object are priced at
    --on's rates.

    Examples:

        batchcalc batches batches.json msgbatch_01AbC.jsonl msgbatch_01DeF.jsonl

        batchcalc batches batch.json --results msgbatch_01AbC=results.jsonl.gz -f json

        batchcalc batches --from-api --since 2026-11-01 --until 2026-11-30

        batchcalc batches batch.json msgbatch_01AbC.jsonl --requests requests.jsonl --retry-to retry.jsonl
    """
    from calculator import commands
    from calculator.batches.results import BatchesOptions

    if not from_api and (since or until or batch_id):
        raise InputError("--since, --until and --batch-id select batches for --from-api")
    since_d, until_d = parse_range(since, until)
    opts = BatchesOptions(
        files=list(files or []), results=_results_option(results), on=parse_date(on) if on else None,
        requests=requests, retry_to=retry_to, from_api=from_api,
        since=since_d, until=until_d,
        batch_ids=list(batch_id or []), concurrency=concurrency, timeout=timeout)
    emit(commands.batches(opts, catalogue=catalogue(prices_path)), fmt, output, compare_to,
         only_exceptions=only_exceptions)
