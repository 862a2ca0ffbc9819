"""The implementation of batchcalc: the readers, the engine, the scenarios, the reports and the CLI.
Its modules are not a stable API; the public one is the ``batchcalc`` package."""

__version__ = "0.1.0"
