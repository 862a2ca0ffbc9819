"""The Claude API price catalogue: versioned YAML rate cards, their schema and lookup."""

from pricing.catalogue import Catalogue, ResolvedRates, load_catalogue
from pricing.schema import TOKEN_TYPES, Model, RateCard, Rates

__all__ = ["Catalogue", "ResolvedRates", "load_catalogue", "Model", "RateCard", "Rates", "TOKEN_TYPES"]
