"""batchcalc's public API: one function per command, taking typed options and returning the
plain-data ``Report`` the command renders (``report.frame()`` gives a table as a pandas DataFrame of
exact values). It is a package of its own so that no implementation module can shadow a name::

    from batchcalc import Workload, estimate, usage
    estimate(Workload("claude-sonnet-4-6", 10_000, 500, 200)).figures["scenarios"]
    usage("examples/usage_report.json").frame()        # a row per day x model x token type x tier
    usage("examples/usage_report.json").frame("by_model")
"""

from calculator import __version__

# Public names, imported on first use: `import batchcalc` stays light, and a notebook pays for the
# heavy libraries (pandas, duckdb, tiktoken) of the functions it calls.
_EXPORTS = {
    # the commands
    "prices": "calculator.commands",
    "estimate": "calculator.commands",
    "count": "calculator.commands",
    "plan": "calculator.commands",
    "usage": "calculator.commands",
    "reconcile": "calculator.commands",
    "report": "calculator.commands",
    "check": "calculator.commands",
    "batches": "calculator.commands",
    # their options
    "Workload": "calculator.workloads.scenarios",
    "CacheAssumptions": "calculator.workloads.cache",
    "CountOptions": "calculator.workloads.count",
    "UsageOptions": "calculator.engine",
    "Tolerance": "calculator.reconcile.reconcile",
    "CheckOptions": "calculator.batches.check",
    "BatchesOptions": "calculator.batches.results",
    "ReportOptions": "calculator.report.inputs",
    # what they return
    "Report": "calculator.report.model",
    "Table": "calculator.report.model",
    # the price of usage, and the catalogue it comes from
    "TokenCounts": "calculator.costing",
    "price_usage": "calculator.costing",
    "load_catalogue": "pricing.catalogue",
    "BatchcalcError": "calculator.errors",
    "InputError": "calculator.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'batchcalc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
