"""`batchcalc report`'s inputs: what a file is (sniffed from its first bytes) and which report
section it feeds.

Detection reads at most the first 64 KiB of a file (so a 10-million-row export costs nothing
here) and recognises:

    batch_requests   Message Batches request JSONL: lines with "custom_id" and "params"
    batch_results    Message Batches results JSONL: lines with "custom_id" and "result"
    admin_usage      Admin API usage report JSON (usage_report/messages pages)
    admin_cost       Admin API cost report JSON (cost_report pages: "amount", "cost_type")
    console_usage    Console usage CSV (usage_input_tokens_no_cache, ...)
    console_cost     Console cost CSV (token_type, cost_usd, ...)
    workloads        workloads YAML (a "workloads:" list: the plan input)
    report_json      a report saved with --format json ("schema_version" and "kind")

Each detected kind triggers a **section builder**, named as "module:function" in ``SECTIONS``
and imported only when a file needs it, so a build without (say) the usage reader still
detects a usage export and says clearly that it cannot read it yet. A builder is called as
``builder(inputs, options)`` where ``inputs`` maps every detected kind to its paths (a
reconciliation needs the cost report *and* the usage export) and ``options`` is a
``ReportOptions``; it returns one Report (or a list of them) for the page.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from calculator.errors import InputError

KIND_DESCRIPTIONS = {
    "batch_requests": "Message Batches request file (JSONL)",
    "batch_results": "Message Batches results file (JSONL)",
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
    command: str  # the command whose report this is (for messages)


# Order = order on the page. When a branch lands, point its line at its builder.
SECTIONS: list[Section] = [
    Section("plan", "calculator.inputs:plan_section", ("workloads",), "batchcalc plan"),
    Section("count", "calculator.counting:report_section", ("batch_requests",), "batchcalc count"),
    Section("usage", "calculator.usage:report_section",
            ("batch_results", "admin_usage", "console_usage"), "batchcalc usage"),
    Section("reconcile", "calculator.reconcile:report_section",
            ("admin_cost", "console_cost"), "batchcalc reconcile"),
    Section("saved", "calculator.saved_reports:report_section", ("report_json",), "--format json"),
]


@dataclass
class ReportOptions:
    """Options of `batchcalc report` that the section builders share.

    ``extra`` carries command-specific options (e.g. ``scale_to``, ``tolerance``) by name, so a
    builder can take what it knows without this class growing a field per command.
    """

    catalogue: Any
    on: Optional[dt.date] = None
    prices: list[Path] = field(default_factory=list)
    strict: bool = False
    quiet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_HEAD_BYTES = 64 * 1024


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(path)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("utf-8", errors="replace")


def _first_json_line(text: str) -> Optional[dict]:
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None
    return None


CONSOLE_USAGE_COLUMNS = {"usage_input_tokens_no_cache", "usage_output_tokens", "model_version"}
CONSOLE_COST_COLUMNS = {"cost_usd", "token_type"}


def sniff(path: Path | str) -> str:
    """The kind of input ``path`` holds (a key of KIND_DESCRIPTIONS), or InputError."""
    path = Path(path)
    text = _head(path)
    stripped = text.lstrip()
    if not stripped:
        raise InputError("is empty", path=str(path))
    suffix = path.suffix.lower()
    if stripped.startswith("{") or stripped.startswith("["):
        first = _first_json_line(stripped)
        if first is not None and "custom_id" in first:
            if "params" in first:
                return "batch_requests"
            if "result" in first:
                return "batch_results"
        head = stripped[:_HEAD_BYTES]
        if re.search(r'"schema_version"\s*:', head) and re.search(r'"kind"\s*:', head):
            return "report_json"
        if re.search(r'"(uncached_input_tokens|cache_read_input_tokens)"\s*:', head) and '"data"' in head:
            return "admin_usage"
        if re.search(r'"amount"\s*:', head) and re.search(r'"(cost_type|currency)"\s*:', head):
            return "admin_cost"
    elif re.search(r"^workloads\s*:", text, re.M):
        return "workloads"
    elif suffix not in (".yaml", ".yml"):
        try:
            header = next(csv.reader(io.StringIO(stripped.splitlines()[0])))
        except (StopIteration, csv.Error):
            header = []
        cols = {h.strip().lower() for h in header}
        if CONSOLE_COST_COLUMNS <= cols:
            return "console_cost"
        if cols & CONSOLE_USAGE_COLUMNS and "usage_output_tokens" in cols:
            return "console_usage"
    raise InputError(
        "cannot tell what this file is: expected a batch request or results JSONL, an Admin API "
        "usage or cost report (JSON), a Console usage or cost CSV, a workloads YAML, or a report "
        "saved with --format json", path=str(path))


def detect(paths: list[Path]) -> dict[str, list[Path]]:
    """Every input's kind: {kind: [paths in the order given]}."""
    found: dict[str, list[Path]] = {}
    for p in paths:
        found.setdefault(sniff(p), []).append(Path(p))
    return found


def load_builder(section: Section) -> Callable:
    module_name, _, func = section.builder.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise InputError(f"this build of batchcalc cannot make the {section.name} section yet "
                             f"({section.command} is not available)") from None
        raise
    try:
        return getattr(module, func)
    except AttributeError:
        raise InputError(f"this build of batchcalc cannot make the {section.name} section yet "
                         f"({section.builder} is missing)") from None


def build_sections(inputs: dict[str, list[Path]], options: ReportOptions) -> list:
    """The reports the inputs make, in page order."""
    reports = []
    for section in SECTIONS:
        mine = [p for kind in section.triggers for p in inputs.get(kind, [])]
        if not mine:
            continue
        try:
            builder = load_builder(section)
        except InputError as exc:
            kinds = ", ".join(KIND_DESCRIPTIONS[k] for k in section.triggers if k in inputs)
            raise InputError(f"looks like a {kinds}, but {exc}", path=str(mine[0])) from None
        made = builder(inputs, options)
        reports.extend(made if isinstance(made, list) else [made])
    return reports


# -- adapters from a command's library function to the builder signature ------------------------

def plan_section(inputs: dict[str, list[Path]], options: ReportOptions) -> list:
    """`batchcalc plan` for each workloads file (options.extra may carry ``try_models``)."""
    from calculator.planning import build_plan_report

    on = options.on or dt.datetime.now(dt.timezone.utc).date()
    return [build_plan_report(options.catalogue, str(p), on,
                              try_models=tuple(options.extra.get("try_models", ())))
            for p in inputs.get("workloads", [])]
