"""Usage and Cost Analytics API cost pages as billed lines, the list price (``list_amount``)
kept beside the amount billed. Parsing (and every field name) is ``calculator.readers.analytics``."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator

from calculator.readers.analytics_usage import name_of, where_of


def read(paths: Iterable[str], maker) -> Iterator:
    """The cost pages among ``paths`` (files already told to be Analytics cost pages), as one source."""
    import pyarrow as pa

    from calculator.readers.analytics import cost_table, load_pages

    paths = list(paths)
    yield from lines(pa.concat_tables([cost_table(load_pages(p), p) for p in paths]), name_of(paths), maker)


def lines(table, name: str, maker) -> Iterator:
    """The billed lines of an Analytics cost relation (``readers.analytics.cost_table``)."""
    from calculator.readers.cost_lines import BilledLine

    # Every line of one run starts its ``where`` with the same word: reconcile tells sources apart by it.
    source = name.replace(" ", "-")
    for row in table.to_pylist():
        where = where_of(row, name)
        ok_m, model = maker.model(row["model"], name, where)
        ok_t, token_type = maker.token_type(row["token_type"], name, where)
        ok_s, tier = maker.tier(row["service_tier"], name, where)
        ok_c, ctx = maker.context(row["context_window"], name, where)
        ok_k, cost_type = maker.cost_type(row["cost_type"], token_type, name, where)
        if not (ok_m and ok_t and ok_s and ok_c and ok_k):
            continue
        yield BilledLine(date=row["period"].astimezone(dt.timezone.utc).date(), cost_type=cost_type,
                         amount=row["amount_usd"], currency="USD", where=f"{source} {where}",
                         model=model, token_type=token_type, service_tier=tier, context_tier=ctx,
                         workspace=row["workspace"], list_price=row["list_amount_usd"],
                         description=row["description"], api_key=row["api_key"],
                         inference_geo=row["inference_geo"], speed=row["speed"], rows=row["rows"])
