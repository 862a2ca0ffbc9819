"""`batchcalc report`: one page (or workbook, or FOCUS file) from every input given."""

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import typer

from calculator.cli.app import CompareOpt, FORMAT_HELP, Format, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, STATE, app, catalogue, emit, parse_date, parse_range, resolve_format
from calculator.cli.options import (Api, ApiOpt, CachedPrefixOpt, CalibrationOpt, ContractOpt, ExactOpt, Geo,
                                    InferenceGeoOpt, InputTokensOpt, OutputFromOpt, OutputRatioOpt, Per, PerOpt,
                                    RequestsOpt, ResultsOpt, SaveResponsesOpt, ScaleToOpt, SinceOpt, SkipInvalidOpt,
                                    StrictOpt, TimeoutOpt, ToleranceOpt, TryModelOpt, UntilOpt, cache_options, in_panel)
from calculator.net import DEFAULT_TIMEOUT
from calculator.workloads.cache import CacheAssumptions, parse_fraction

ESTIMATE, SAMPLE, USAGE = "Workload estimate", "Sample workload (as batchcalc count)", "Usage and reconciliation"


@app.command()
@cache_options
def report(
    inputs: Annotated[Optional[list[Path]], typer.Argument(
        help="Input files, detected by their content (gzip too): sample requests (Message Batches "
             "request JSONL or {\"requests\": [...]} body), batch results JSONL, Message Batch objects "
             "(JSON, with their results named msgbatch_<id>.jsonl: the Batches part), Admin API usage or cost "
             "report JSON, Console usage or cost CSV, workloads YAML, or a report saved with --format json.",
        show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="Also estimate a workload on this model (with -n, -i, -O), as "
                              "`batchcalc estimate` does. Without -n/-i, beside sample requests: price "
                              "the sample on this model, as `batchcalc count --model`.", rich_help_panel=ESTIMATE)] = None,
    requests: in_panel(RequestsOpt, ESTIMATE) = None,
    input_tokens: in_panel(InputTokensOpt, ESTIMATE) = None,
    output_tokens: Annotated[Optional[int], typer.Option("--output-tokens", "-O", min=0,
                                                         help="Output tokens per request (of the estimate, and "
                                                              "assumed for the sample requests as `count -O`).",
                                                         rich_help_panel=ESTIMATE)] = None,
    cached_prefix_tokens: in_panel(CachedPrefixOpt, ESTIMATE) = 0,
    cache: CacheAssumptions = None,
    inference_geo: in_panel(InferenceGeoOpt, ESTIMATE) = None,
    output_ratio: in_panel(OutputRatioOpt, SAMPLE) = None,
    output_from: in_panel(OutputFromOpt, SAMPLE) = None,
    scale_to: in_panel(ScaleToOpt, SAMPLE) = None,
    per: in_panel(PerOpt, SAMPLE) = Per.month,
    exact: in_panel(ExactOpt, SAMPLE) = False,
    calibration: in_panel(CalibrationOpt, SAMPLE) = None,
    since: in_panel(SinceOpt, USAGE) = None,
    until: in_panel(UntilOpt, USAGE) = None,
    tolerance: in_panel(ToleranceOpt, USAGE) = None,
    contract: in_panel(ContractOpt, USAGE) = None,
    batch_results: in_panel(ResultsOpt, USAGE) = None,
    skip_invalid: SkipInvalidOpt = False,
    from_api: Annotated[bool, typer.Option(
        "--from-api", help="Add the usage and the reconciliation of --since/--until (default the last 30 days) "
                           "fetched from the API (see --api), as `batchcalc reconcile --from-api`.",
        rich_help_panel=USAGE)] = False,
    api: ApiOpt = Api.analytics,
    save_responses: SaveResponsesOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    try_model: TryModelOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The page's title.")] = None,
    strict: StrictOpt = False,
    on: OnOpt = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help=FORMAT_HELP.replace("else table.", "else html (table on a terminal)."),
        case_sensitive=False)] = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """The savings report finance reads: one self-contained HTML page (or xlsx, FOCUS CSV, ...)
    with an executive summary, charts, tables, methodology and warnings, from every input given.

    Examples:

        batchcalc report -m claude-sonnet-4-6 -n 10000 -i 2500 -O 200 -p 2000 --cache-ttl 1h -o savings-report.html

        batchcalc estimate -m claude-haiku-4-5 -n 100000 -i 800 -O 50 --format json -o estimate.json

        batchcalc report estimate.json -o report.xlsx

        batchcalc report examples/workloads.yaml examples/requests.jsonl examples/usage_report.json examples/cost_report.json -O 60 --scale-to 300000 --per month -o savings-report.html

        batchcalc report examples/usage_report.json examples/batches.json examples/msgbatch_*.jsonl -o batches.html

        ANTHROPIC_ADMIN_KEY=sk-ant-admin... batchcalc report --from-api --since 2026-10-01 --until 2026-10-31 -o october.html

    Exit code 3 (after writing the output) when a cost report is reconciled and a line is outside
    tolerance, as `batchcalc reconcile`.
    """
    from calculator.cli.batches_cmd import _results_option
    from calculator.cli.count_cmd import _progress_factory
    from calculator.report.compose import compose
    from calculator.errors import InputError
    from calculator.report.inputs import ReportOptions, build_sections, detect

    cat = catalogue(prices_path)
    day = parse_date(on)
    found = detect(list(inputs)) if inputs else {}
    paired = {bid: Path(p) for bid, p in _results_option(batch_results).items()}
    if paired and not found.get("batch_objects"):
        raise InputError("--results BATCH_ID=FILE pairs a results file with its batch object: give the batch "
                         "objects (JSON) too")
    sample = bool(found.get("batch_requests"))
    reports = []
    # --model with a workload (-n, -i) is an estimate, as `batchcalc estimate`; without one, beside a
    # sample-workload file, it prices the sample on that model, as `batchcalc count --model`.
    estimate = model is not None and (requests is not None or input_tokens is not None or not sample)
    if estimate:
        missing = [name for name, v in (("--requests", requests), ("--input-tokens", input_tokens),
                                        ("--output-tokens", output_tokens)) if v is None]
        if missing:
            raise InputError(f"--model needs {', '.join(missing)} to estimate a workload")
        from calculator.report.estimate import build_estimate_report
        from calculator.workloads.scenarios import Workload

        reports.append(build_estimate_report(cat, Workload(
            model=model, requests=requests, input_tokens=input_tokens, output_tokens=output_tokens,
            cached_prefix_tokens=cached_prefix_tokens, cache=cache,
            inference_geo=(inference_geo or Geo.global_).value, on=day)))
    elif requests is not None or input_tokens is not None:
        raise InputError("--requests/--input-tokens describe a workload: give --model too")
    if len([x for x in (output_tokens if sample else None, output_ratio, output_from) if x is not None]) > 1:
        raise InputError("give one of --output-tokens, --output-ratio and --output-from")
    if found:
        from calculator.cli.reconcile_cmd import parse_tolerance

        since_d, until_d = parse_range(since, until)
        extra = {
            "try_models": tuple(try_model or ()),
            # the sample workload, as `batchcalc count`
            "model": None if estimate else model, "output_tokens": output_tokens,
            "output_ratio": parse_fraction(output_ratio, "--output-ratio", lo=Decimal(0), hi=Decimal(1)),
            "output_results": output_from,
            # One cache assumption for every part of the page: the estimate, the sample and the plans.
            "cache": cache,
            "inference_geo": inference_geo.value if inference_geo else None,
            "scale_to": scale_to, "per": per.value, "exact": exact, "calibration_file": calibration,
            "skip_invalid": skip_invalid, "progress_factory": _progress_factory(),
            # usage and reconciliation, as `batchcalc usage` and `batchcalc reconcile`
            "since": since_d, "until": until_d, "charges": resolve_format(fmt, output, Format.html) == Format.focus,
            "tolerance": parse_tolerance(tolerance) if tolerance else None, "contract": contract,
        }
        options = ReportOptions(catalogue=cat, on=day if on else None, prices=list(prices_path or []),
                                strict=strict, quiet=STATE["quiet"], extra=extra, batch_results=paired)
        reports = build_sections(found, options) + reports
    from calculator.cli.options import check_save_responses

    check_save_responses(api, from_api, save_responses)
    if from_api:
        reports += api_reports(api, since, until, save_responses, timeout, cat, tolerance, contract, skip_invalid,
                               strict, charges=resolve_format(fmt, output, Format.html) == Format.focus)
    page = compose(reports, title)
    default = Format.html
    if (output is None or str(output) == "-") and fmt is None:
        import sys

        # The page is for a file; a person at a terminal gets the tables and a hint.
        if sys.stdout.isatty():
            default = Format.table
            if not STATE["quiet"]:
                typer.echo("(the HTML page: add -o savings-report.html)", err=True)
    emit(page, fmt, output, compare_to, only_exceptions=only_exceptions, default=default)


def api_reports(api, since, until, save_dir, timeout, cat, tolerance, contract, skip_invalid: bool,
                strict: bool, *, charges: bool = False) -> list:
    """--from-api: the usage report and the reconciliation of one fetch, as `batchcalc usage` and
    `batchcalc reconcile` show them."""
    from dataclasses import replace

    from calculator.cli.reconcile_cmd import api_pages_for_reconcile, parse_tolerance
    from calculator.reconcile.contract import load_contract
    from calculator.engine import UsageOptions, usage_result
    from calculator.reconcile.reconcile import reconcile_inputs
    from calculator.report.reconcile import report_from_reconciliation
    from calculator.report.usage import report_from_analysis

    since_d, until_d = parse_range(since, until)
    fetched = api_pages_for_reconcile(api, since_d, until_d, save_dir=save_dir, timeout=timeout)

    def options():
        return UsageOptions(catalogue=cat, since=since_d, until=until_d, strict=strict, skip_invalid=skip_invalid,
                            pages=fetched.usage, pages_from=fetched.pages_from)

    return [report_from_analysis(usage_result([], replace(options(), charges=charges))),
            report_from_reconciliation(reconcile_inputs(
                [], [], options(), cost_pages=fetched.cost, tolerance=parse_tolerance(tolerance) if tolerance else None,
                contract=load_contract(contract, cat) if contract else None))]
