"""Reports: the plain-data Report (``model``) and one builder per report kind."""

from calculator.report.model import (SCHEMA_VERSION, Brief, Chart, Column, Figure, Headline,
                                     PriceSource, Report, Series, Table)

__all__ = ["SCHEMA_VERSION", "Brief", "Chart", "Column", "Figure", "Headline", "PriceSource",
           "Report", "Series", "Table"]
