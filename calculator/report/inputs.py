"""`batchcalc report`'s inputs: what a file is (sniffed from its first bytes) and which report
section it feeds.

Detection reads at most the first 64 KiB of a file, gunzipped (so a 10-million-row export costs
nothing here), and uses the one detector of every input (``calculator.readers.detect``) to
recognise:

    batch_requests   Message Batches request JSONL: lines with "custom_id" and "params"
    batch_results    Message Batches results JSONL: lines with "custom_id" and "result"
    batch_objects    Message Batch objects JSON (one, a list, or a .list() page: "type": "message_batch")
    admin_usage      Admin API usage report JSON (usage_report/messages pages)
    admin_cost       Admin API cost report JSON (cost_report pages: "amount", "cost_type")
    console_usage    Console usage CSV (usage_input_tokens_no_cache, ...)
    console_cost     Console cost CSV (token_type, cost_usd, ...)
    workloads        workloads YAML (a "workloads:" list: the plan input)
    report_json      a report saved with --format json ("schema_version" and "kind")

Each detected kind triggers a **section builder**, named as "module:function" in ``SECTIONS``
and imported only when a file needs it. A builder is called as
``builder(inputs, options)`` where ``inputs`` maps every detected kind to its paths (a
reconciliation needs the cost report *and* the usage export) and ``options`` is a
``ReportOptions``; it returns one Report (or a list of them) for the page.

Batch objects take their results files out of ``batch_results`` before the builders run
(:func:`pair_batch_results`): a results file feeds the Batches part when it is named after a
batch object given (``msgbatch_<id>.jsonl``, as saved from the API) or paired with one by
``--results BATCH_ID=FILE``; any other results file feeds the usage part, as without batch
objects.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

from calculator.errors import InputError

KIND_DESCRIPTIONS = {
    "batch_requests": "Message Batches request file (JSONL)",
    "batch_results": "Message Batches results file (JSONL)",
    "batch_objects": "Message Batch objects (JSON)",
    "admin_usage": "Admin API usage report (JSON)",
    "admin_cost": "Admin API cost report (JSON)",
    "console_usage": "Console usage export (CSV)",
    "console_cost": "Console cost export (CSV)",
    "workloads": "workloads file (YAML)",
    "report_json": "saved batchcalc report (JSON)",
}


@dataclass(frozen=True)
class Section:
    """A part of the page: which input kinds trigger it and the function that builds it."""

    name: str
    builder: str  # "module:function", imported when a triggering file is given
    triggers: tuple[str, ...]


# Order = order on the page.
SECTIONS: list[Section] = [
    Section("plan", "calculator.report.inputs:plan_section", ("workloads",)),
    Section("count", "calculator.report.count:report_section", ("batch_requests",)),
    Section("usage", "calculator.report.usage:report_section",
            ("batch_results", "admin_usage", "console_usage")),
    Section("batches", "calculator.report.batches:report_section", ("batch_objects",)),
    Section("reconcile", "calculator.report.reconcile:report_section",
            ("admin_cost", "console_cost")),
    Section("saved", "calculator.report.saved:report_section", ("report_json",)),
]


@dataclass
class ReportOptions:
    """Options of `batchcalc report` that the section builders share.

    ``extra`` carries command-specific options (e.g. ``scale_to``, ``tolerance``) by name, so a
    builder can take what it knows without this class growing a field per command.
    ``batch_results``: the results file of a batch, by batch id: given as ``--results``, then
    completed by :func:`pair_batch_results` with the files named after a batch object given.
    """

    catalogue: Any
    on: Optional[dt.date] = None
    prices: list[Path] = field(default_factory=list)
    strict: bool = False
    quiet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    batch_results: dict[str, Path] = field(default_factory=dict)


_HEAD_BYTES = 64 * 1024

# The usage and cost readers' kinds (calculator/readers/detect.py) -> report input kinds ...
READER_KINDS = {"batch-results": "batch_results", "admin-usage": "admin_usage", "admin-cost": "admin_cost",
                "console-csv": "console_usage", "console-cost-csv": "console_cost"}
# ... and the kinds only `report` takes as they are.
REPORT_KINDS = {**READER_KINDS, "batch-requests": "batch_requests", "batch-objects": "batch_objects",
                "workloads": "workloads", "report-json": "report_json"}


# What each kind of input may weigh (decompressed): see calculator.io.
def _kind_limit(kind: str) -> int:
    from calculator.io import CONFIG_LIMIT, DATA_LIMIT, DOCUMENT_LIMIT

    return {"workloads": CONFIG_LIMIT, "report_json": DOCUMENT_LIMIT,
            "batch_objects": DOCUMENT_LIMIT}.get(kind, DATA_LIMIT)


def sniff(path: Path | str) -> str:
    """The kind of input ``path`` holds (a key of KIND_DESCRIPTIONS), or InputError."""
    from calculator.io import open_input

    with open_input(path, limit=None) as src:
        return sniff_head(src.head(_HEAD_BYTES), Path(path))


def sniff_head(data: bytes, path: Path) -> str:
    """The kind of input whose first bytes (decompressed, BOM-less) are ``data``, told by the one
    detector the commands use too (:func:`calculator.readers.detect.detect_bytes`); a file named
    .yaml or .yml is not taken for a CSV export (a YAML document can look like one)."""
    from calculator.readers.detect import detect_bytes

    kind = detect_bytes(data)
    if kind == "empty":
        raise InputError("is empty", path=str(path))
    if path.suffix.lower() in (".yaml", ".yml") and kind in READER_KINDS:
        kind = "unknown"
    if kind in REPORT_KINDS:
        return REPORT_KINDS[kind]
    raise InputError(
        "cannot tell what this file is: expected a batch request or results JSONL, Message Batch "
        "objects (JSON), an Admin API "
        "usage or cost report (JSON), a Console usage or cost CSV, a workloads YAML, or a report "
        "saved with --format json", path=str(path))


def detect(paths: list[Path]) -> dict[str, list[Path]]:
    """Every input's kind: {kind: [paths in the order given]}.

    The section builders read their files by path, maybe twice: standard input, a FIFO or a
    process substitution is read once here, its kind told from its head, and the rest copied to
    a temporary file within the bound for that kind (/dev/zero is told apart at once)."""
    from calculator.io import is_regular, open_input, spool

    found: dict[str, list[Path]] = {}
    for p in paths:
        if is_regular(p):
            found.setdefault(sniff(p), []).append(Path(p))
            continue
        with open_input(p, limit=None) as src:
            kind = sniff_head(src.head(_HEAD_BYTES), Path(p))
            src.bound(_kind_limit(kind), KIND_DESCRIPTIONS[kind])
            found.setdefault(kind, []).append(spool(src))
    return found


def load_builder(section: Section) -> Callable:
    """The section's builder, imported now: a page imports only the builders its inputs need."""
    module_name, _, func = section.builder.partition(":")
    return getattr(importlib.import_module(module_name), func)


def build_sections(inputs: dict[str, list[Path]], options: ReportOptions) -> list:
    """The reports the inputs make, in page order."""
    inputs, paired = pair_batch_results(inputs, options.batch_results)
    options = replace(options, batch_results=paired)
    reports = []
    for section in SECTIONS:
        if any(inputs.get(kind) for kind in section.triggers):
            made = load_builder(section)(inputs, options)
            reports.extend(made if isinstance(made, list) else [made])
    return reports


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def pair_batch_results(inputs: dict[str, list[Path]], explicit: dict[str, Path]
                       ) -> tuple[dict[str, list[Path]], dict[str, Path]]:
    """The inputs without the results files of the batch objects given, and those files by batch id.

    A results file of a batch object given is read by the Batches part only, not by the usage
    part (nor the reconciliation, which prices the usage part's usage). The Batches part already
    prices exactly those results, at the rates of the day the batch was created (a results file
    alone carries no date: the usage part would price it at --on's rates, on the wrong day), and
    an Admin or Console usage export of the same days already holds that batch traffic (service
    tier "batch"): counting the file in the usage part too would count it twice. The Batches part
    says so in its assumptions. A results file that holds the same results (message ids) as a
    paired one is the same usage given twice, and refused.
    """
    from calculator.errors import InputError

    objects = inputs.get("batch_objects", [])
    if not objects:
        if explicit:
            bid, path = next(iter(explicit.items()))
            raise InputError(f"--results {bid}=FILE pairs a results file with its batch object: give the "
                             f"batch objects (JSON) too", path=str(path))
        return inputs, {}
    from calculator.batches.results import read_batch_objects, results_file_batch_id

    ids = {o.id for p in objects for o in read_batch_objects(str(p))}
    paired: dict[str, Path] = {}
    for bid, path in explicit.items():
        if bid not in ids:
            raise InputError(f"--results {bid}=FILE: no batch object {bid} among the inputs", path=str(path))
        paired[bid] = Path(path)
    rest: list[Path] = []
    for p in inputs.get("batch_results", []):
        if any(_same_file(p, q) for q in paired.values()):
            continue  # given as --results too: read once, by the Batches part
        bid = results_file_batch_id(str(p))
        if bid not in ids:
            rest.append(p)
        elif bid in paired:
            raise InputError(f"two results files for batch {bid} (also {paired[bid]})", path=str(p))
        else:
            paired[bid] = p
    if rest and paired:
        _refuse_shared_results(rest, paired)
    out = {k: v for k, v in inputs.items() if k != "batch_results"}
    if rest:
        out["batch_results"] = rest
    return out, paired


_MESSAGE_ID = re.compile(rb'"id"\s*:\s*"(msg_[^"\\]+)"')


def _message_ids(path: Path):
    """(line number, message id) of each succeeded result of a results file: message ids are
    unique across batches, unlike custom_ids."""
    from calculator.io import open_input

    with open_input(path) as src:
        for n, line in enumerate(src.stream, 1):
            m = _MESSAGE_ID.search(line)
            if m:
                yield n, m.group(1)


def _refuse_shared_results(rest: list[Path], paired: dict[str, Path]) -> None:
    """A results file not paired with a batch that holds results of a paired one (a renamed
    copy, or several batches' results in one file) would be counted in the usage part and the
    Batches part: an error naming both files. The paired files' ids are held (a batch holds at
    most 100,000 requests); the others, which may be large, are streamed."""
    from calculator.errors import InputError

    ours: dict[bytes, tuple[str, Path, int]] = {}
    for bid, path in paired.items():
        for n, mid in _message_ids(path):
            ours.setdefault(mid, (bid, path, n))
    for p in rest:
        for n, mid in _message_ids(p):
            if mid in ours:
                bid, path, line = ours[mid]
                raise InputError(
                    f"holds results of batch {bid} (message {mid.decode(errors='replace')} is also on line "
                    f"{line} of {path}): the same usage would be counted twice, in the usage part and the "
                    f"Batches part; give each batch's results once", path=str(p), line=n)


# -- adapters from a command's library function to the builder signature ------------------------

def plan_section(inputs: dict[str, list[Path]], options: ReportOptions) -> list:
    """`batchcalc plan` for each workloads file (options.extra may carry ``try_models`` and the
    ``cache`` assumptions of the page)."""
    from calculator.report.plan import build_plan_report

    on = options.on or dt.datetime.now(dt.timezone.utc).date()
    return [build_plan_report(options.catalogue, str(p), on,
                              try_models=tuple(options.extra.get("try_models", ())),
                              cache=options.extra.get("cache"))
            for p in inputs.get("workloads", [])]
