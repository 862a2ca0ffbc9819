"""The functions behind every command, for Python and notebooks (exported by the ``batchcalc``
package) as much as for the CLI: each takes typed options, does what `batchcalc COMMAND` does, and
returns the plain-data Report it renders (``report.frame()`` gives a table as a pandas DataFrame)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Union

if TYPE_CHECKING:
    from calculator.batches.check import CheckOptions
    from calculator.batches.results import BatchesOptions
    from calculator.workloads.count import CountOptions
    from calculator.engine import UsageOptions
    from calculator.report.inputs import ReportOptions
    from calculator.reconcile.reconcile import Tolerance
    from calculator.report.model import Report
    from calculator.workloads.scenarios import Workload
    from calculator.workloads.cache import CacheAssumptions
    from pricing.catalogue import Catalogue

PathLike = Union[str, Path]

def _catalogue(catalogue: Optional["Catalogue"]) -> "Catalogue":
    if catalogue is not None:
        return catalogue
    from pricing import load_catalogue

    return load_catalogue()


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def prices(model: Optional[str] = None, *, on: Optional[dt.date] = None,
           catalogue: Optional["Catalogue"] = None) -> "Report":
    """The price catalogue on ``on`` (default today, UTC), or one model's dated rate cards."""
    from calculator.report.prices import build_prices_report

    return build_prices_report(_catalogue(catalogue), on or _today(), model)


def estimate(workload: "Workload", *, catalogue: Optional["Catalogue"] = None) -> "Report":
    """A described workload priced on sync, sync+cache, batch and batch+cache, with the savings."""
    from calculator.report.estimate import build_estimate_report

    return build_estimate_report(_catalogue(catalogue), workload)


def count(*inputs: PathLike, options: Optional["CountOptions"] = None, catalogue: Optional["Catalogue"] = None,
          progress: Optional[Callable] = None) -> "Report":
    """A sample of requests (request JSONL, prompt files, a CSV) counted and priced four ways."""
    from calculator.workloads.count import CountOptions
    from calculator.report.count import build_count_report

    return build_count_report(_catalogue(catalogue), [str(i) for i in inputs], options or CountOptions(), progress)


def plan(workloads: PathLike, *, on: Optional[dt.date] = None, try_models: Iterable[str] = (),
         cache: Optional["CacheAssumptions"] = None, text: Optional[str] = None,
         catalogue: Optional["Catalogue"] = None) -> "Report":
    """A workload file's migration plan: which workloads move to batch and the monthly budget.
    ``text`` is the file's content when it was read already (standard input)."""
    from calculator.report.plan import build_plan_report

    return build_plan_report(_catalogue(catalogue), str(workloads), on or _today(), try_models=tuple(try_models),
                             text=text, cache=cache)


def usage(*files: PathLike, options: Optional["UsageOptions"] = None) -> "Report":
    """What usage exports (any format `batchcalc usage` reads) cost, what batch saved and would
    save. ``usage(path).frame()`` is the long form (a row per period x model x token type x tier)."""
    from calculator.engine import UsageOptions, usage_result
    from calculator.report.usage import report_from_analysis

    return report_from_analysis(usage_result([str(f) for f in files], options or UsageOptions()))


def split_reconcile_inputs(files: Iterable[PathLike]) -> tuple[list[str], list[str]]:
    """Usage and cost files told apart by their contents (directories expanded)."""
    from calculator.errors import InputError
    from calculator.io import expand
    from calculator.readers.detect import DETECTED_COST_KINDS, DETECTED_USAGE_KINDS, kind_of

    usage_paths: list[str] = []
    cost_paths: list[str] = []
    files = [str(f) for f in files]
    for path in expand(files) if files else []:
        kind = kind_of(path)
        if kind in DETECTED_COST_KINDS:
            cost_paths.append(path)
        elif kind in DETECTED_USAGE_KINDS:
            usage_paths.append(path)
        else:
            raise InputError("cannot tell whether this is usage or costs: pass it with --usage (and --map) "
                             "or --costs (and --cost-map)", path=path)
    return usage_paths, cost_paths


def reconcile(*files: PathLike, usage: Iterable[PathLike] = (), costs: Iterable[PathLike] = (),
              options: Optional["UsageOptions"] = None, cost_source: Optional[str] = None,
              cost_mapping: Optional[dict] = None, cost_pages=None, tolerance: Optional["Tolerance"] = None,
              contract: Optional[PathLike] = None) -> "Report":
    """A bill checked line by line against the usage at the published rates. ``files`` are told
    apart by their contents; ``usage`` and ``costs`` are taken as given. ``cost_pages`` (and
    ``options.pages``) are API pages fetched already."""
    from calculator.reconcile.contract import load_contract
    from calculator.engine import UsageOptions
    from calculator.errors import InputError
    from calculator.reconcile.reconcile import reconcile_inputs
    from calculator.report.reconcile import report_from_reconciliation

    options = options or UsageOptions()
    options.catalogue = _catalogue(options.catalogue)
    usage_paths, cost_paths = split_reconcile_inputs(files)
    usage_paths = [str(p) for p in usage] + usage_paths
    cost_paths = [str(p) for p in costs] + cost_paths
    if options.pages is None and cost_pages is None:
        if not usage_paths:
            raise InputError("no usage given: pass a usage export (or --usage FILE)")
        if not cost_paths:
            raise InputError("no costs given: pass a cost report (or --costs FILE)")
    result = reconcile_inputs(usage_paths, cost_paths, options, cost_source=cost_source,
                              cost_mapping=cost_mapping, cost_pages=cost_pages, tolerance=tolerance,
                              contract=load_contract(contract, options.catalogue) if contract else None)
    return report_from_reconciliation(result)


def check(requests: PathLike, options: Optional["CheckOptions"] = None, *,
          catalogue: Optional["Catalogue"] = None, progress: Optional[Callable] = None) -> "Report":
    """Would the Batches API accept this request file, and what would it cost at worst and as
    expected (exit code 4 in the report when rejected or over ``options.max_cost``)."""
    from calculator.batches.check import CheckOptions, check_requests
    from calculator.report.check import build_check_report

    cat = _catalogue(catalogue)
    return build_check_report(check_requests(str(requests), options or CheckOptions(), cat, progress), cat.version)


def batches(options: "BatchesOptions", *, catalogue: Optional["Catalogue"] = None) -> "Report":
    """What each Message Batch cost against standard rates and how it ran (files or the API)."""
    from calculator.batches.results import analyse_batches
    from calculator.report.batches import build_batches_report

    cat = _catalogue(catalogue)
    return build_batches_report(analyse_batches(options, cat), cat, cat.version)


def report(*inputs: PathLike, options: Optional["ReportOptions"] = None, title: Optional[str] = None) -> "Report":
    """One page from every input given (workload files, request samples, usage exports, cost
    reports, saved JSON reports), each detected by its contents, as `batchcalc report` builds it."""
    from calculator.report.inputs import ReportOptions, build_sections, detect
    from calculator.report.compose import compose

    options = options or ReportOptions(catalogue=_catalogue(None))
    return compose(build_sections(detect([Path(i) for i in inputs]), options), title)
