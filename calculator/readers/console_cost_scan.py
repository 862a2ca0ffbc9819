"""The Console cost CSV read by DuckDB and summed per billed line, without a Python loop over rows.

A real export has a row per day, model, workspace, API key, usage type, context window, token type,
geo and speed: millions of rows for a busy organisation, summed by reconcile per day, model, token
type, tier, context window and workspace anyway. Here DuckDB reads the file as text, checks every
amount is a plain decimal number, and sums the rows per distinct raw (date, model, usage type,
context window, token type, cost type, workspace, currency); each distinct spelling is resolved in
Python by the exact reader's ``LineMaker`` (the one definition). Any row the typed read refuses, an
amount that is not plain, or a spelling that does not resolve returns None: the exact reader
(``console_cost_csv.read``) then names the row by file and line, or skips and counts it.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Optional

from calculator.engine.scan import _q  # SQL quoting, as the usage scan writes it
from calculator.engine.scan import _lit

# Amounts the scan sums itself: plain decimals of at most 19 digits before the point (parse_amount's
# range) and SCALE after it, read exactly; anything else ("$1.00", "1,234.56", "1e3") is left to
# the exact reader.
SCALE = 6
AMOUNT = r"-?([0-9]{1,19}(\.[0-9]{0,%d})?|\.[0-9]{1,%d})" % (SCALE, SCALE)
# Raw dimension -> the column it comes from (an absent optional column reads as empty).
DIMENSIONS = ("usage_date_utc", "model", "usage_type", "context_window", "token_type", "cost_type", "workspace",
              "currency")


def _text(expr: str) -> str:
    """A DECIMAL sum as text: Python reads it with ``Decimal(text)`` several times faster than the
    database driver converts a DECIMAL column."""
    return f"CAST({expr} AS VARCHAR)"


def _places(expr: str) -> str:
    """Decimal places written in an amount ("1.50" has 2)."""
    return f"CASE WHEN contains({expr}, '.') THEN length(split_part({expr}, '.', 2)) ELSE 0 END"


def read(path: str, maker) -> Optional[list]:
    """The file's billed lines (``BilledLine``, ``rows`` = rows summed), or None when a row needs
    the exact reader."""
    import duckdb

    from calculator.readers.console_cost_csv import NOT_APPLICABLE, REQUIRED
    from calculator.readers.cost_lines import BilledLine
    from calculator.engine.normalise import parse_period
    from calculator.io import disk_head
    from calculator.readers.detect import csv_header

    data = disk_head(path, 65536)
    if data is None or data[:2] == b"\x1f\x8b":  # a pipe (read once) or gzip: the exact reader
        return None
    header = csv_header(data.removeprefix(b"\xef\xbb\xbf"))
    lower = [h.strip().lower() for h in header]
    if len(header) < 2 or len(set(lower)) != len(lower) or not set(REQUIRED) <= set(lower):
        return None  # the exact reader says what is wrong with the header
    # Positional column names: the header line is skipped, so a BOM or odd spelling cannot matter.
    names = [f"c{i}" for i in range(len(header))]
    col = dict(zip(lower, names))
    types = ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names)
    src = (f"read_csv({_lit(path)}, header = true, auto_detect = false, delim = ',', quote = '\"', "
           f"escape = '\"', columns = {{{types}}}, strict_mode = true, null_padding = false)")

    def raw(name: str) -> str:
        return f"coalesce({col[name]}, '')" if name in col else "''"

    cost = f"trim({raw('cost_usd')})"
    lp = f"trim({raw('list_price_usd')})"
    lp_given = f"{lp} NOT IN ('', {_lit(NOT_APPLICABLE)})"
    dims = ", ".join(f"{raw(d)} AS {_q(d)}" for d in DIMENSIONS)
    query = f"""
        SELECT {dims}, count(*) AS n,
               count(*) FILTER (WHERE NOT regexp_full_match({cost}, '{AMOUNT}')) AS bad_cost,
               count(*) FILTER (WHERE {lp_given} AND NOT regexp_full_match({lp}, '{AMOUNT}')) AS bad_list,
               {_text(f"sum(TRY_CAST({cost} AS DECIMAL(38, {SCALE})))")} AS cost,
               max({_places(cost)}) AS cost_places,
               count(*) FILTER (WHERE {lp_given}) AS listed,
               {_text(f"sum(CASE WHEN {lp_given} THEN TRY_CAST({lp} AS DECIMAL(38, {SCALE})) END)")} AS list,
               max(CASE WHEN {lp_given} THEN {_places(lp)} END) AS list_places
        FROM {src} GROUP BY ALL"""
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        groups = con.execute(query).fetchall()
    except duckdb.Error:
        return None  # a row the typed read refuses (field count, encoding, quoting): the exact reader names it
    finally:
        con.close()
    # Spellings resolved through a probe maker: a value it refuses sends the file to the exact reader.
    # Hundreds of thousands of lines have few distinct spellings: each is resolved once (functools.cache).
    from calculator.readers.cost_lines import LineMaker
    from calculator.readers._policy import InvalidRows

    probe = LineMaker(maker.catalogue, InvalidRows(skip=True), maker.tier_map)
    where = f"{path} line ?"

    def clean(value: str) -> str:
        value = value.strip()
        return "" if value == NOT_APPLICABLE else value

    @functools.cache
    def resolved(kind: str, *values):
        before = probe.policy.count
        if kind == "date":
            period = parse_period(values[0])
            got = dt.date.fromisoformat(period[:10]) if period is not None else None
        elif kind == "types":
            tt, ct = values
            if tt.lower() in ("web_search", "code_execution"):
                ct, tt = tt, ""
            token_type = probe.token_type(tt, path, where)[1]
            got = (token_type, probe.cost_type(ct, token_type, path, where)[1])
        else:
            got = getattr(probe, kind)(values[0], path, where)[1]
        return got if probe.policy.count == before and got is not False else False

    @functools.cache
    def line_key(day_r, model_r, tier_r, ctx_r, tt_r, ct_r) -> Optional[tuple]:
        """(day, model, token type, cost type, tier, context) of raw values, or None when one does not
        resolve."""
        day = resolved("date", clean(day_r))
        model = resolved("model", clean(model_r))
        types = resolved("types", clean(tt_r), clean(ct_r))
        tier = resolved("tier", clean(tier_r))
        ctx = resolved("context", clean(ctx_r))
        if day is None or False in (day, model, types, tier, ctx):
            return None
        return day, model, *types, tier, ctx

    lines = []
    has_ws = "workspace" in col
    for day_r, model_r, tier_r, ctx_r, tt_r, ct_r, ws_r, cur_r, n, bad_cost, bad_list, amount, places, listed, \
            list_amount, list_places in groups:
        if bad_cost or bad_list:
            return None
        key = line_key(day_r, model_r, tier_r, ctx_r, tt_r, ct_r)
        if key is None:
            return None
        day, model, token_type, cost_type, tier, ctx = key
        lines.append(BilledLine(
            date=day, cost_type=cost_type, amount=_exact(amount, places), currency=(clean(cur_r) or "USD").upper(),
            where=f"{path} ({n:,} row{'s' if n != 1 else ''} summed)", model=model, token_type=token_type,
            service_tier=tier, context_tier=ctx, workspace=clean(ws_r) if has_ws else None,
            list_price=_exact(list_amount, list_places) if listed == n else None, rows=n, cent_rounded=True))
    return lines


_UNITS = {places: Decimal(1).scaleb(-places) for places in range(SCALE + 1)}


def _exact(text: str, places: int) -> Decimal:
    """A sum (``text``) at the places its amounts were written with (as a Python sum of the parsed
    rows is): exact, the values having no more places than that."""
    return Decimal(text).quantize(_UNITS[places])
