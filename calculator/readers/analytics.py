"""Saved Usage and Cost Analytics API responses (``GET /v1/organizations/analytics/usage`` and
``/analytics/cost``, beta ``analytics-usage-cost-2026-08-24``) as relations with the canonical
columns (DESIGN.md section 1).

A response page holds rows, not buckets: one row per combination of the requested ``group_by[]``
dimensions (and per time bucket when ``time_bucket_width`` was set)::

    usage row  {"starting_at", "ending_at", "group": {dimension: value or null},
                "usage": {<uncached input>, "cache_creation": {"ephemeral_1h_input_tokens",
                          "ephemeral_5m_input_tokens"}, "cache_read_input_tokens", "output_tokens",
                          "requests" (nullable), "server_tool_use": {"web_search_requests"}, ...}}
    cost row   {"starting_at", "ending_at", "group": {...},
                "cost": {"amount", "list_amount", "currency", "requests"}}   amounts: CENTS as
                                                                              decimal strings

A file holds one page, a JSON list of pages, or one page per line; a directory holds such files
(``--save-responses`` writes one page per file). What the files are is told from their content
(``looks_like_analytics``). Raw spellings are kept: the engine normalises them once.

Several names of this API are not confirmed by Anthropic's documentation (data-formats.md
section 4). All of them, confirmed or not, are in ``FIELDS`` below and nowhere else, so that a
correction is one edit; a response lacking a needed field is a one-line error naming the field,
the file and the row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Literal, Optional

from calculator.errors import InputError, SourceMismatchError

Kind = Literal["analytics_usage", "analytics_cost"]


@dataclass(frozen=True)
class Name:
    """The spellings of one field or value: the first is the one sent and written; the others
    are accepted when reading. ``confirmed`` says whether Anthropic's documentation confirms it."""

    names: tuple[str, ...]
    confirmed: bool
    source: str

    @property
    def name(self) -> str:
        return self.names[0]


_DOC = "data-formats.md 4 (platform.claude.com Analytics API reference)"
_ADMIN = "not confirmed (data-formats.md 4); assumed as in the Admin API report (data-formats.md 3)"

# Every name of the Analytics API that batchcalc relies on. Dotted names are paths into nested
# objects ("cache_creation.ephemeral_5m_input_tokens" is usage["cache_creation"][...]).
FIELDS: dict[str, Name] = {
    # -- the page wrapper ---------------------------------------------------------------------
    "page.rows": Name(("data",), False, _ADMIN),
    "page.has_more": Name(("has_more",), False, _ADMIN),
    "page.next_page": Name(("next_page",), False, _ADMIN),
    # -- query parameters -----------------------------------------------------------------------
    "query.starting_at": Name(("starting_at",), True, _DOC),
    "query.ending_at": Name(("ending_at",), True, _DOC),
    "query.page": Name(("page",), True, _DOC + ": the cursor"),
    "query.limit": Name(("limit",), True, _DOC + ": the page size"),
    "query.time_bucket_width": Name(("time_bucket_width",), True, _DOC),
    "query.group_by": Name(("group_by[]",), True, _DOC),
    # Filters: the names are documented; whether they take a "[]" suffix is not.
    "query.models": Name(("models",), False, _DOC + "; the [] suffix is not confirmed"),
    "query.service_tiers": Name(("service_tiers",), False, _DOC + "; the [] suffix is not confirmed"),
    "query.workspace_ids": Name(("workspace_ids",), False, _DOC + "; the [] suffix is not confirmed"),
    "query.api_key_ids": Name(("api_key_ids",), False, _DOC + "; the [] suffix is not confirmed"),
    # -- a row ----------------------------------------------------------------------------------
    "row.starting_at": Name(("starting_at",), True, _DOC),
    "row.ending_at": Name(("ending_at",), True, _DOC),
    "row.group": Name(("group",), True, _DOC),
    "row.usage": Name(("usage",), True, _DOC),
    "row.cost": Name(("cost",), True, _DOC),
    # -- usage counts (inside row.usage) --------------------------------------------------------
    # The uncached input field's name is not confirmed: the Admin API's name first, then the
    # Messages API's (which also excludes cached tokens).
    "usage.uncached_input": Name(("uncached_input_tokens", "input_tokens"), False, _ADMIN),
    "usage.cache_write_5m": Name(("cache_creation.ephemeral_5m_input_tokens",), True, _DOC),
    "usage.cache_write_1h": Name(("cache_creation.ephemeral_1h_input_tokens",), True, _DOC),
    "usage.cache_read": Name(("cache_read_input_tokens",), True, _DOC),
    "usage.output": Name(("output_tokens",), True, _DOC),
    "usage.web_search_requests": Name(("server_tool_use.web_search_requests",), True, _DOC),
    "usage.requests": Name(("requests",), True, _DOC + ": nullable"),
    # -- cost amounts (inside row.cost) ---------------------------------------------------------
    "cost.amount": Name(("amount",), True, _DOC + ": cents, after discount, before credits"),
    "cost.list_amount": Name(("list_amount",), True, _DOC + ": cents, list price"),
    "cost.currency": Name(("currency",), True, _DOC),
    "cost.requests": Name(("requests",), True, _DOC + ": null when grouped by cost_type or token_type"),
    # -- group dimensions (inside row.group; null or absent when not grouped by) -----------------
    "group.model": Name(("model",), True, _DOC),
    "group.service_tier": Name(("service_tier",), True, _DOC),
    "group.context_window": Name(("context_window",), True, _DOC),
    "group.inference_geo": Name(("inference_geo",), True, _DOC),
    "group.workspace": Name(("workspace_id",), True, _DOC),
    "group.api_key": Name(("api_key_id",), True, _DOC),
    "group.speed": Name(("speed",), False, "not confirmed as a group_by dimension (speeds is a filter; "
                                           "the full group_by list is not documented)"),
    "group.cost_type": Name(("cost_type",), True, _DOC + ": cost endpoint only"),
    "group.token_type": Name(("token_type",), True, _DOC + ": cost endpoint only"),
    "group.description": Name(("description",), False, "not documented for this API; the Admin cost "
                                                        "report has it (data-formats.md 3)"),
    # -- value spellings -------------------------------------------------------------------------
    "value.time_bucket_width.day": Name(("1d",), True, _DOC),
    "value.time_bucket_width.hour": Name(("1h",), False, "not confirmed: only 1d is documented"),
    "value.service_tier.standard": Name(("standard",), False, _ADMIN),
    "value.service_tier.batch": Name(("batch",), False, _ADMIN),
    "value.context_window.base": Name(("0-200k",), False, _ADMIN),
    "value.context_window.long": Name(("200k-1M",), False, _ADMIN),
    "value.cost_type.tokens": Name(("tokens", "token"), False, _ADMIN + "; the Console CSV says token"),
    "value.cost_type.web_search": Name(("web_search",), False, _ADMIN),
    "value.token_type.uncached_input": Name(("uncached_input_tokens", "input_tokens", "input_no_cache"),
                                            False, _ADMIN),
    "value.token_type.cache_write_5m": Name(("cache_creation.ephemeral_5m_input_tokens",
                                             "input_cache_write_5m"), False, _ADMIN),
    "value.token_type.cache_write_1h": Name(("cache_creation.ephemeral_1h_input_tokens",
                                             "input_cache_write_1h"), False, _ADMIN),
    "value.token_type.cache_read": Name(("cache_read_input_tokens", "input_cache_read"), False, _ADMIN),
    "value.token_type.output": Name(("output_tokens", "output"), False, _ADMIN),
}

# Canonical dimension -> FIELDS key of the group value it comes from.
GROUP_DIMENSIONS = {
    "model": "group.model", "service_tier": "group.service_tier",
    "context_window": "group.context_window", "inference_geo": "group.inference_geo",
    "speed": "group.speed", "workspace": "group.workspace", "api_key": "group.api_key",
}
USAGE_COUNTS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output",
                "web_search_requests")

# Dollars to 12 places: cents given to 10 places are still exact; more is refused, never rounded.
AMOUNT_SCALE = 12
CENTS = Decimal(100)


def _field_note(key: str) -> str:
    n = FIELDS[key]
    return "" if n.confirmed else f" (a name not confirmed by Anthropic's docs: FIELDS[{key!r}] in {__name__})"


# -- detection ----------------------------------------------------------------------------------

_GROUP = re.compile(rb'"group"\s*:\s*[{n]')
_USAGE = re.compile(rb'"usage"\s*:\s*\{')
_COST = re.compile(rb'"cost"\s*:\s*\{')
# Keys of batch results and of the Admin API report (a key, not a value such as a workspace name).
_NOT_ANALYTICS = re.compile(rb'"(?:custom_id|results)"\s*:')


def looks_like_analytics(head: bytes) -> Optional[Kind]:
    """"analytics_usage" or "analytics_cost" when the first bytes of a (decompressed) file are an
    Analytics API response, else None. Rows with a ``group`` object and a ``usage`` (or
    ``cost``) object are what tells them from the Admin API report (buckets of flat
    ``results``) and from batch results (``custom_id``, a ``usage`` inside a message)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] not in (b"{", b"[") or _NOT_ANALYTICS.search(text):
        return None
    if not _GROUP.search(text):
        return None
    usage, cost = _USAGE.search(text), _COST.search(text)
    if usage and (not cost or usage.start() < cost.start()):
        return "analytics_usage"
    if cost:
        return "analytics_cost"
    return None


# -- loading pages --------------------------------------------------------------------------------

def load_pages(path: str, text: Optional[str] = None) -> list[dict]:
    """The pages in a file (or in ``text``, the file already read): one page, a JSON list of
    pages, or one page per line."""
    from calculator.io import DATA_LIMIT, EXPORT, json_pages, read_text

    text = read_text(path, limit=DATA_LIMIT, what=EXPORT) if text is None else text
    pages = json_pages(text, path, "an Analytics API response page")
    rows_key = FIELDS["page.rows"].name
    for i, page in enumerate(pages):
        if not isinstance(page, dict) or not isinstance(page.get(rows_key), list):
            found = ", ".join(sorted(page)[:6]) if isinstance(page, dict) else type(page).__name__
            raise InputError(f"page {i + 1}: no {rows_key!r} list of rows (found {found or 'nothing'})"
                             f"{_field_note('page.rows')}", path=path)
    return pages


def files_of_kind(paths: Iterable[str], kind: Kind) -> list[tuple[str, str]]:
    """(path, text) of the files of ``kind`` among ``paths``, each read once (a pipe cannot be
    read twice): a directory contributes its files of that kind (a saved run holds usage and
    cost pages side by side); a file named on its own must be of that kind."""
    from calculator.io import DATA_LIMIT, EXPORT, expand, read_text

    out = []
    for given in paths:
        is_dir = given != "-" and Path(given).is_dir()
        for path in expand([given]):
            text = read_text(path, limit=DATA_LIMIT, what=EXPORT)
            found = looks_like_analytics(text[:65536].encode())
            if found == kind:
                out.append((path, text))
            elif not is_dir:
                what = {"analytics_usage": "an Analytics API usage response",
                        "analytics_cost": "an Analytics API cost response"}
                raise SourceMismatchError(f"expected {what[kind]}, but this is "
                                          f"{what.get(found, 'not an Analytics API response')}", path=path)
    if not out:
        raise InputError(f"no {kind.replace('_', ' ')} pages in {', '.join(map(str, paths))}")
    return out


# -- rows -----------------------------------------------------------------------------------------

class _Rows:
    """Walks the rows of the pages of one file, locating each for errors."""

    def __init__(self, pages: Iterable[dict], path: str):
        self.pages, self.path = pages, path
        self.where = ""

    def __iter__(self):
        rows_key = FIELDS["page.rows"].name
        n = 0
        for p, page in enumerate(self.pages, 1):
            if not isinstance(page, dict) or not isinstance(page.get(rows_key), list):
                raise InputError(f"page {p}: no {rows_key!r} list of rows{_field_note('page.rows')}",
                                 path=self.path)
            for i, row in enumerate(page[rows_key]):
                n += 1
                self.where = f"row {n} (page {p}, {rows_key}[{i}])"
                if not isinstance(row, dict):
                    self.fail(f"expected a row object, found {type(row).__name__}")
                yield n, row

    def fail(self, message: str):
        raise InputError(f"{self.where}: {message}", path=self.path)

    def missing(self, key: str, inside: str = ""):
        names = " or ".join(f"{inside}{s}" for s in FIELDS[key].names)
        self.fail(f"no {names}{_field_note(key)}")


def _lookup(obj: dict, dotted: str):
    """(found, value) for a dotted path into nested objects."""
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return False, None
        obj = obj[part]
    return True, obj


def _first(obj: dict, key: str):
    for spelling in FIELDS[key].names:
        found, value = _lookup(obj, spelling)
        if found:
            return True, spelling, value
    return False, FIELDS[key].name, None


def _count(rows: _Rows, value, name: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        rows.fail(f"{name} = {value!r}: expected a whole number >= 0")
    return value


def _period(rows: _Rows, row: dict) -> dt.datetime:
    found, name, raw = _first(row, "row.starting_at")
    if not found or raw is None:
        rows.missing("row.starting_at")
    try:
        when = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        rows.fail(f"{name} = {raw!r}: expected an RFC 3339 timestamp (2026-10-01T00:00:00Z)")
    if when.tzinfo is None:
        rows.fail(f"{name} = {raw!r}: expected a time zone (Z)")
    return when.astimezone(dt.timezone.utc)


def _group(rows: _Rows, row: dict) -> dict:
    found, name, group = _first(row, "row.group")
    if not found:
        rows.missing("row.group")
    if group is None:
        return {}
    if not isinstance(group, dict):
        rows.fail(f"{name} is a {type(group).__name__}, expected an object")
    return group


def _dimension(group: dict, key: str) -> Optional[str]:
    found, _, value = _first(group, key)
    return None if not found or value is None else str(value)


def _extra_dimensions(group: dict) -> bool:
    known = {s for k, n in FIELDS.items() if k.startswith("group.") for s in n.names}
    return any(k not in known and v is not None for k, v in group.items())


def _cents(rows: _Rows, raw, name: str, nullable: bool) -> Optional[Decimal]:
    if raw is None and nullable:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        # A float here has already lost exactness: refuse it rather than guess.
        rows.fail(f"{name} = {raw!r}: expected a decimal string of cents (\"123.45\")")
    try:
        cents = Decimal(str(raw).strip())
    except InvalidOperation:
        rows.fail(f"{name} = {raw!r}: expected a decimal string of cents (\"123.45\")")
    if not cents.is_finite():
        rows.fail(f"{name} = {raw!r}: expected a finite amount")
    usd = cents / CENTS
    if usd.as_tuple().exponent < -AMOUNT_SCALE or abs(usd) >= Decimal(10) ** (38 - AMOUNT_SCALE):
        rows.fail(f"{name} = {raw!r}: more than {AMOUNT_SCALE - 2} decimal places of a cent or too "
                  f"large to hold exactly")
    return usd


# -- the relations ------------------------------------------------------------------------------

DIMENSION_COLUMNS = ("model", "service_tier", "context_window", "inference_geo", "speed",
                     "workspace", "api_key")


def usage_schema():
    import pyarrow as pa

    return pa.schema([("period", pa.timestamp("us", tz="UTC")),
                      *[(c, pa.string()) for c in DIMENSION_COLUMNS],
                      ("source", pa.string()), ("line", pa.int64()),
                      *[(c, pa.int64()) for c in USAGE_COUNTS], ("requests", pa.int64())])


def cost_schema():
    import pyarrow as pa

    money = pa.decimal128(38, AMOUNT_SCALE)
    return pa.schema([("period", pa.timestamp("us", tz="UTC")),
                      *[(c, pa.string()) for c in DIMENSION_COLUMNS],
                      ("source", pa.string()), ("line", pa.int64()),
                      ("cost_type", pa.string()), ("token_type", pa.string()), ("description", pa.string()),
                      ("amount_usd", money), ("list_amount_usd", money), ("rows", pa.int64())])


def _fold(records: list[dict], sums: tuple[str, ...]) -> list[dict]:
    """Rows that differ only in group dimensions outside the canonical columns (actor, product,
    ...) summed into one: otherwise they would look like the same row given twice."""
    out: dict[tuple, dict] = {}
    for rec in records:
        key = tuple(rec[c] for c in ("period", *DIMENSION_COLUMNS, "cost_type", "token_type", "description")
                    if c in rec)
        have = out.get(key)
        if have is None:
            out[key] = dict(rec)
            continue
        for c in sums:
            a, b = have.get(c), rec.get(c)
            have[c] = None if a is None or b is None else a + b
    return list(out.values())


def _table(records: list[dict], schema):
    import pyarrow as pa

    return pa.Table.from_pylist(records, schema=schema)


def _records(pages: Iterable[dict], source: str, body: str, sums: tuple[str, ...], fields) -> list[dict]:
    """One record per row: the period, the canonical dimensions, where it came from, and
    ``fields(rows, body_object, group)`` of the row's ``body`` object ("usage" or "cost")."""
    other = "cost" if body == "usage" else "usage"
    rows = _Rows(pages, source)
    records, fold = [], False
    for line, row in rows:
        found, name, obj = _first(row, f"row.{body}")
        if not found:
            if _first(row, f"row.{other}")[0]:
                raise SourceMismatchError(f"{rows.where}: this is a {other} response (rows have \"{other}\"), "
                                          f"not {body}", path=source)
            rows.missing(f"row.{body}")
        if not isinstance(obj, dict):
            rows.fail(f"{name} is a {type(obj).__name__}, expected an object")
        group = _group(rows, row)
        fold = fold or _extra_dimensions(group)
        records.append({"period": _period(rows, row), "source": source, "line": line,
                        **{c: _dimension(group, GROUP_DIMENSIONS[c]) for c in DIMENSION_COLUMNS},
                        **fields(rows, obj, group)})
    return _fold(records, sums) if fold else records


def _usage_fields(rows: _Rows, usage: dict, group: dict) -> dict:
    rec = {}
    for column in USAGE_COUNTS:
        key = f"usage.{column}"
        found, name, value = _first(usage, key)
        if not found and column == "web_search_requests" and usage.get("server_tool_use") is None:
            value = 0  # no server tool used: the object is absent or null, not the count
        elif not found:
            rows.missing(key, "usage.")
        rec[column] = _count(rows, value, f"usage.{name}")
    found, name, value = _first(usage, "usage.requests")
    rec["requests"] = None if value is None else _count(rows, value, f"usage.{name}")
    return rec


def _cost_fields(rows: _Rows, cost: dict, group: dict) -> dict:
    found, name, amount = _first(cost, "cost.amount")
    if not found or amount is None:
        rows.missing("cost.amount", "cost.")
    found_c, _, currency = _first(cost, "cost.currency")
    if found_c and currency is not None and str(currency).upper() != "USD":
        rows.fail(f"cost.currency = {currency!r}: only USD amounts can be read")
    _, list_name, list_amount = _first(cost, "cost.list_amount")
    return {"cost_type": _dimension(group, "group.cost_type"),
            "token_type": _dimension(group, "group.token_type"),
            "description": _dimension(group, "group.description"),
            "amount_usd": _cents(rows, amount, f"cost.{name}", nullable=False),
            "list_amount_usd": _cents(rows, list_amount, f"cost.{list_name}", nullable=True),
            "rows": 1}


def usage_table(pages: Iterable[dict], source: str):
    """The canonical usage relation (pyarrow.Table, ``usage_schema()``) of Analytics API usage
    pages; ``source`` names them in the ``source`` column and in errors."""
    return _table(_records(pages, source, "usage", (*USAGE_COUNTS, "requests"), _usage_fields), usage_schema())


def cost_table(pages: Iterable[dict], source: str):
    """The canonical cost relation (pyarrow.Table, ``cost_schema()``) of Analytics API cost
    pages: amounts converted exactly from cents to dollars."""
    return _table(_records(pages, source, "cost", ("amount_usd", "list_amount_usd", "rows"), _cost_fields),
                  cost_schema())


def read_usage(paths: Iterable[str]):
    """The usage relation of saved Analytics API usage responses: files, or directories (whose
    usage pages are read and cost pages left to ``read_cost``)."""
    return _read(paths, "analytics_usage", usage_table, usage_schema())


def read_cost(paths: Iterable[str]):
    """The cost relation of saved Analytics API cost responses (files or directories)."""
    return _read(paths, "analytics_cost", cost_table, cost_schema())


def _read(paths, kind: Kind, parse, schema):
    import pyarrow as pa

    paths = [str(p) for p in paths]
    tables = [parse(load_pages(path, text), path) for path, text in files_of_kind(paths, kind)]
    return pa.concat_tables(tables) if tables else schema.empty_table()
