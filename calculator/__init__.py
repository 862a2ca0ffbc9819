"""batchcalc: Claude API costs on sync, batch and batch + cache, and invoice checks.

The public API is the names in ``__all__``: one function per command, taking typed options and
returning the plain-data ``Report`` the command renders; ``report.frame()`` gives a table as a
pandas DataFrame of exact values. The library is usable without the CLI::

    from calculator import Workload, estimate, usage
    estimate(Workload("claude-sonnet-4-6", 10_000, 500, 200)).figures["scenarios"]
    usage("examples/usage_report.json").frame()        # a row per day x model x token type x tier
    usage("examples/usage_report.json").frame("by_model")
"""

__version__ = "0.1.0"

# Public names, imported on first use: `import calculator` (which the pricing package needs for
# its errors) stays light, and `batchcalc --help` imports none of pandas, duckdb or tiktoken.
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
    "Workload": "calculator.scenarios",
    "CacheAssumptions": "calculator.workloads.cache",
    "CountOptions": "calculator.counting",
    "UsageOptions": "calculator.engine",
    "Tolerance": "calculator.reconciling",
    "CheckOptions": "calculator.batches.check",
    "BatchesOptions": "calculator.batches.results",
    "ReportOptions": "calculator.inputs",
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

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'calculator' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
