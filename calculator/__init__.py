"""batchcalc: Claude API costs on sync, batch and batch + cache, and invoice checks.

The library is usable without the CLI::

    from calculator import Workload, estimate, load_catalogue
    est = estimate(load_catalogue(), Workload("claude-sonnet-4-6", 10_000, 500, 200))
    est.scenario("batch").total   # Decimal('22.5')
    cache = CacheAssumptions.given(sync_hit_rate="95%", batch_ttl="1h")   # the cache options, as values
"""

__version__ = "0.1.0"

# Public names, imported on first use so `import calculator.errors` (which the pricing package
# needs) stays light and free of import cycles.
_EXPORTS = {
    "TokenCounts": "calculator.costing",
    "price_usage": "calculator.costing",
    "BatchcalcError": "calculator.errors",
    "Workload": "calculator.scenarios",
    "estimate": "calculator.scenarios",
    "CacheAssumptions": "calculator.workloads.cache",
    "build_plan": "calculator.planning",
    "load_catalogue": "pricing.catalogue",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'calculator' has no attribute {name!r}")
