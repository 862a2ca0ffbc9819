"""`batchcalc reconcile`."""

from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.cli.app import CompareOpt, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app, catalogue, emit, parse_date, parse_range
from calculator.cli.options import (Api, ApiOpt, ContractOpt, MapOpt, SaveResponsesOpt, SinceOpt, SkipInvalidOpt,
                                    SourceOpt, StrictOpt, TierMapOpt, TimeoutOpt, ToleranceOpt, UntilOpt)
from calculator.cli.usage_cmd import progress_bar
from calculator.errors import InputError
from calculator.net import DEFAULT_TIMEOUT


class CostSourceName(str, Enum):
    admin_cost = "admin-cost"
    analytics_cost = "analytics-cost"
    console_cost_csv = "console-cost-csv"
    generic_invoice_csv = "generic-invoice-csv"


def parse_tolerance(values: Optional[list[str]]):
    from calculator.reconcile.reconcile import Tolerance

    tol = Tolerance()
    for v in values or []:
        text = v.strip()
        try:
            if text.endswith("%"):
                tol.relative_percent = Decimal(text[:-1])
                if tol.relative_percent < 0:
                    raise InvalidOperation
            else:
                tol.absolute = Decimal(text.lstrip("$"))
                if tol.absolute < 0:
                    raise InvalidOperation
        except InvalidOperation:
            raise InputError(f"--tolerance {v!r}: expected dollars (0.05) or a percentage (0.5%), >= 0") from None
    return tol


@app.command()
def reconcile(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Usage exports and cost reports, told apart by their contents (an Admin API cost report "
             "or a Console cost CSV is a cost report; any usage format of `batchcalc usage` is usage).",
        show_default=False)] = None,
    usage_files: Annotated[Optional[list[Path]], typer.Option(
        "--usage", "-u", help="A usage export (repeatable).")] = None,
    cost_files: Annotated[Optional[list[Path]], typer.Option(
        "--costs", "-c", help="A cost report or invoice CSV (repeatable).")] = None,
    source: SourceOpt = None,
    mapping: MapOpt = None,
    cost_source: Annotated[Optional[CostSourceName], typer.Option(
        "--cost-source", help="Cost format, instead of detecting it.", case_sensitive=False)] = None,
    cost_mapping: Annotated[Optional[list[str]], typer.Option(
        "--cost-map", metavar="NAME=COLUMN",
        help="Column mapping of an invoice CSV: date, amount_usd or amount_cents (required), model, "
             "token_type, cost_type, service_tier, context_window, workspace, currency, list_price_usd.")] = None,
    tolerance: ToleranceOpt = None,
    contract: ContractOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    strict: StrictOpt = False,
    skip_invalid: SkipInvalidOpt = False,
    tier_map: TierMapOpt = None,
    from_api: Annotated[bool, typer.Option(
        "--from-api", help="Fetch the usage and the costs from the API (see --api) for --since/--until "
                           "(default the last 30 days).")] = False,
    api: ApiOpt = Api.analytics,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    save_responses: SaveResponsesOpt = None,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """Check a bill line by line: usage at the published rates (expected) against what was billed.

    Lines are joined on day x model x token type x service tier x context window (and workspace
    when both sides have it). Each residual is diagnosed when it matches a known pattern (batch
    billed at the standard rate, 1h cache writes priced as 5m, long-context tier missing or
    misapplied, the 1.1x residency multiplier, a constant ratio: a negotiated discount).
    Exit code 3 when any line is outside tolerance (so CI and finance scripts can gate on it).

    Examples:

        batchcalc reconcile examples/usage_report.json examples/cost_report.json

        batchcalc reconcile --usage console-usage.csv --costs console-cost.csv --tolerance 0.05 --tolerance 0.1%

        batchcalc reconcile usage.json costs.json --contract contract.yaml --format json -o reconciliation.json

        batchcalc reconcile --usage usage.json --costs invoice.csv --cost-map date=Day --cost-map model=Model --cost-map amount_usd=Amount

        ANTHROPIC_ADMIN_KEY=sk-ant-admin... batchcalc reconcile --from-api --since 2026-10-01 --until 2026-10-31

        batchcalc reconcile examples/analytics
    """
    from calculator import commands
    from calculator.cli.options import check_save_responses
    from calculator.readers.generic_invoice_csv import parse_cost_mapping
    from calculator.engine import UsageOptions
    from calculator.engine.normalise import parse_tier_map
    from calculator.readers.generic import parse_mapping

    cat = catalogue(prices_path)
    tol = parse_tolerance(tolerance)
    since_d, until_d = parse_range(since, until)
    check_save_responses(api, from_api, save_responses)
    fetched = None
    if from_api:
        if files or usage_files or cost_files:
            raise InputError("give either files or --from-api, not both")
        fetched = api_pages_for_reconcile(api, since_d, until_d, save_dir=save_responses, timeout=timeout)
    options = UsageOptions(catalogue=cat, source=source.value if source else None, mapping=parse_mapping(mapping),
                           tier_map=parse_tier_map(tier_map), on=parse_date(on), since=since_d, until=until_d,
                           strict=strict, skip_invalid=skip_invalid, pages=fetched and fetched.usage,
                           pages_from=fetched.pages_from if fetched else "admin")
    with progress_bar() as progress:
        options.progress = progress
        report = commands.reconcile(*(files or []), usage=usage_files or (), costs=cost_files or (), options=options,
                                    cost_source=cost_source.value if cost_source else None,
                                    cost_mapping=parse_cost_mapping(cost_mapping),
                                    cost_pages=fetched and fetched.cost, tolerance=tol, contract=contract)
    emit(report, fmt, output, compare_to, only_exceptions=only_exceptions)


# The legacy usage report joined on the bill's grain: API keys would only split the lines.
LEGACY_GROUP_BY = ("model", "service_tier", "context_window", "inference_geo", "speed", "workspace_id")


def api_pages_for_reconcile(api, since, until, *, save_dir=None, timeout=None):
    """--from-api for a reconciliation: the usage and the cost pages of --since/--until."""
    from calculator.cli.options import api_pages
    from calculator.net import DEFAULT_TIMEOUT

    return api_pages(api, since, until, cost=True, group_by=LEGACY_GROUP_BY if api == Api.legacy else (),
                     save_dir=save_dir, timeout=timeout or DEFAULT_TIMEOUT)
