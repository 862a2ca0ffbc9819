"""Properties of the readers: a file written from random canonical rows reads back as those rows,
and the JSON of usage and reconcile reports holds exactly the Decimal values computed.

(The cost engine's properties are in tests/pricing/test_price_properties.py.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.readers.costs import CostSource
from calculator.engine import read_usage_frame
from calculator.engine.normalise import CONTEXT_WINDOW_NAMES
from calculator.engine.pipeline import COUNTS
from pricing import load_catalogue

CAT = load_catalogue()
MODELS = [CAT.model(m).id for m in ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-1")]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

counts = st.integers(min_value=0, max_value=10**12)
ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)
# Names as exports write them: accents, spaces, commas and quotes (CSV quoting must hold).
free_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                    min_size=1, max_size=16).filter(lambda s: s.strip() == s and s.strip() != "")


@st.composite
def usage_rows(draw, *, with_api_key=True, names=ident):
    """Canonical Usage frame rows with distinct buckets (a repeat would be a duplicate)."""
    n = draw(st.integers(min_value=1, max_value=12))
    rows, keys = [], set()
    for _ in range(n):
        row = {
            "period": draw(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 10, 31))).isoformat(),
            "model": draw(st.sampled_from(MODELS)),
            "service_tier": draw(st.sampled_from(["standard", "batch"])),
            "context_tier": draw(st.sampled_from(["base", "long"])),
            "inference_geo": draw(st.sampled_from(["global", "us"])),
            "speed": "standard",
            "workspace": draw(names),
            "api_key": draw(names) if with_api_key else "",
            **{c: draw(counts) for c in COUNTS if c != "requests"},
        }
        key = tuple(row[k] for k in ("period", "model", "service_tier", "context_tier", "inference_geo",
                                     "workspace", "api_key"))
        if key not in keys:
            keys.add(key)
            rows.append(row)
    return rows


def frame_rows(frame, counts_kept=tuple(c for c in COUNTS if c != "requests")) -> set[tuple]:
    out = set()
    for r in frame.to_dict("records"):
        out.add((str(r["period"]), str(r["model"]), str(r["service_tier"]), str(r["context_tier"]),
                 str(r["inference_geo"]), str(r["workspace"]), str(r["api_key"]),
                 *(int(r[c]) for c in counts_kept)))
    return out


def expected_rows(rows, counts_kept=tuple(c for c in COUNTS if c != "requests")) -> set[tuple]:
    return {(r["period"], r["model"], r["service_tier"], r["context_tier"], r["inference_geo"],
             r["workspace"], r["api_key"], *(r[c] for c in counts_kept)) for r in rows}


CONSOLE_HEADER = ["usage_date_utc", "model_version", "api_key", "workspace", "usage_type", "context_window",
                  "usage_input_tokens_no_cache", "usage_input_tokens_cache_write_5m",
                  "usage_input_tokens_cache_write_1h", "usage_input_tokens_cache_read", "usage_output_tokens",
                  "web_search_count", "inference_geo", "speed"]


def console_csv(rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CONSOLE_HEADER)
    for r in rows:
        w.writerow([r["period"], r["model"], r["api_key"], r["workspace"], r["service_tier"],
                    CONTEXT_WINDOW_NAMES[r["context_tier"]], r["uncached_input"], r["cache_write_5m"],
                    r["cache_write_1h"], r["cache_read"], r["output"], r["web_search_requests"],
                    r["inference_geo"], r["speed"]])
    return buf.getvalue()


def admin_pages(rows, page_size: int) -> list[dict]:
    buckets: dict[str, list] = {}
    for r in rows:
        buckets.setdefault(r["period"], []).append({
            "uncached_input_tokens": r["uncached_input"],
            "cache_creation": {"ephemeral_5m_input_tokens": r["cache_write_5m"],
                               "ephemeral_1h_input_tokens": r["cache_write_1h"]},
            "cache_read_input_tokens": r["cache_read"], "output_tokens": r["output"],
            "server_tool_use": {"web_search_requests": r["web_search_requests"]},
            "model": r["model"], "service_tier": r["service_tier"],
            "context_window": CONTEXT_WINDOW_NAMES[r["context_tier"]], "workspace_id": r["workspace"],
            "api_key_id": r["api_key"], "inference_geo": r["inference_geo"], "speed": r["speed"]})
    data = [{"starting_at": f"{d}T00:00:00Z", "ending_at": f"{d}T23:59:59Z", "results": res}
            for d, res in sorted(buckets.items())]
    pages = [data[i:i + page_size] for i in range(0, len(data), page_size)]
    return [{"data": p, "has_more": i < len(pages) - 1, "next_page": f"page_{i + 1}" if i < len(pages) - 1 else None}
            for i, p in enumerate(pages)]


def write(directory: str, name: str, text: str) -> str:
    path = Path(directory) / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


@SETTINGS
@given(rows=usage_rows(names=st.one_of(ident, free_text)))
def test_console_csv_gives_its_rows_back(rows):
    with tempfile.TemporaryDirectory() as d:
        frame = read_usage_frame([write(d, "usage.csv", console_csv(rows))], catalogue=CAT)
    assert frame_rows(frame) == expected_rows(rows)
    assert int(frame["requests"].sum()) == 0  # the Console CSV carries no request counts


@SETTINGS
@given(rows=usage_rows(), page_size=st.integers(min_value=1, max_value=4), one_per_line=st.booleans())
def test_admin_usage_json_gives_its_rows_back(rows, page_size, one_per_line):
    pages = admin_pages(rows, page_size)
    text = ("\n".join(json.dumps(p) for p in pages) + "\n") if one_per_line else json.dumps(pages, indent=1)
    with tempfile.TemporaryDirectory() as d:
        frame = read_usage_frame([write(d, "usage.json", text)], catalogue=CAT)
    assert frame_rows(frame) == expected_rows(rows)


@st.composite
def batch_results(draw):
    """Succeeded results (plus a few errored ones, which are not billed), base context tier."""
    n = draw(st.integers(min_value=1, max_value=20))
    out = []
    small = st.integers(min_value=0, max_value=20_000)  # below every long-context threshold
    for i in range(n):
        kind = draw(st.sampled_from(["succeeded"] * 4 + ["errored"]))
        if kind != "succeeded":
            out.append({"custom_id": f"req-{i}", "result": {"type": kind, "error": {"type": "invalid_request"}}})
            continue
        w5, w1 = draw(small), draw(small)
        usage = {"input_tokens": draw(small), "cache_creation_input_tokens": w5 + w1,
                 "cache_read_input_tokens": draw(small), "output_tokens": draw(counts),
                 "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
                 "service_tier": "batch"}
        out.append({"custom_id": f"req-{i}", "result": {"type": "succeeded", "message": {
            "model": draw(st.sampled_from(MODELS)), "usage": usage}}})
    return out


@SETTINGS
@given(results=batch_results())
def test_batch_results_give_their_usage_back(results):
    on = dt.date(2026, 11, 2)
    with tempfile.TemporaryDirectory() as d:
        path = write(d, "results.jsonl", "".join(json.dumps(r) + "\n" for r in results))
        frame = read_usage_frame([path], catalogue=CAT, on=on)
    expected: dict[str, list[int]] = {}
    for r in results:
        if r["result"]["type"] != "succeeded":
            continue
        m = r["result"]["message"]
        u = m["usage"]
        e = expected.setdefault(m["model"], [0] * 6)
        for i, v in enumerate((u["input_tokens"], u["cache_creation"]["ephemeral_5m_input_tokens"],
                               u["cache_creation"]["ephemeral_1h_input_tokens"], u["cache_read_input_tokens"],
                               u["output_tokens"], 1)):
            e[i] += v
    got = {}
    for r in frame.to_dict("records"):
        assert (str(r["period"]), str(r["service_tier"]), str(r["context_tier"])) == (on.isoformat(), "batch", "base")
        got[str(r["model"])] = [int(r[c]) for c in ("uncached_input", "cache_write_5m", "cache_write_1h",
                                                    "cache_read", "output", "requests")]
    assert got == expected


# -- cost reports ------------------------------------------------------------------------------

TOKEN_TYPES = {"uncached_input_tokens": "input_no_cache", "output_tokens": "output",
               "cache_read_input_tokens": "input_cache_read",
               "cache_creation.ephemeral_5m_input_tokens": "input_cache_write_5m",
               "cache_creation.ephemeral_1h_input_tokens": "input_cache_write_1h"}
cents = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000000"), places=6, allow_nan=False)


@st.composite
def cost_lines(draw, names=ident):
    n = draw(st.integers(min_value=1, max_value=15))
    out, keys = [], set()
    for _ in range(n):
        line = {"date": draw(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 10, 31))),
                "model": draw(st.sampled_from(MODELS)), "token_type": draw(st.sampled_from(sorted(TOKEN_TYPES))),
                "service_tier": draw(st.sampled_from(["standard", "batch"])),
                "context_tier": draw(st.sampled_from(["base", "long"])), "workspace": draw(names),
                "cents": draw(cents)}
        key = (line["date"], line["model"], line["token_type"], line["service_tier"], line["context_tier"],
               line["workspace"])
        if key not in keys:
            keys.add(key)
            out.append(line)
    return out


def billed(lines) -> set[tuple]:
    return {(c.date, c.model, c.token_type, c.service_tier, c.context_tier, c.workspace, c.amount) for c in lines}


@SETTINGS
@given(lines=cost_lines())
def test_admin_cost_report_gives_its_lines_back(lines):
    data: dict[dt.date, list] = {}
    for c in lines:
        data.setdefault(c["date"], []).append({
            "amount": str(c["cents"]), "currency": "USD", "cost_type": "tokens", "description": None,
            "model": c["model"], "token_type": c["token_type"], "service_tier": c["service_tier"],
            "context_window": CONTEXT_WINDOW_NAMES[c["context_tier"]], "workspace_id": c["workspace"]})
    page = {"data": [{"starting_at": f"{d}T00:00:00Z", "ending_at": f"{d}T23:59:59Z", "results": r}
                     for d, r in sorted(data.items())], "has_more": False}
    with tempfile.TemporaryDirectory() as d:
        src = CostSource([write(d, "cost.json", json.dumps(page))], catalogue=CAT)
        got = billed(src.lines())
    assert got == {(c["date"], c["model"], c["token_type"], c["service_tier"], c["context_tier"], c["workspace"],
                    c["cents"] / 100) for c in lines}
    assert src.skipped == 0


@SETTINGS
@given(lines=cost_lines(names=st.one_of(ident, free_text)), thousands=st.booleans())
def test_console_cost_csv_gives_its_lines_back(lines, thousands):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["usage_date_utc", "model", "workspace", "usage_type", "context_window", "token_type", "cost_usd"])
    for c in lines:
        usd = c["cents"] / 100
        w.writerow([c["date"].isoformat(), CAT.model(c["model"]).display_name, c["workspace"], c["service_tier"],
                    CONTEXT_WINDOW_NAMES[c["context_tier"]], TOKEN_TYPES[c["token_type"]],
                    f"{usd:,f}" if thousands else f"{usd:f}"])
    with tempfile.TemporaryDirectory() as d:
        src = CostSource([write(d, "cost.csv", buf.getvalue())], catalogue=CAT)
        got = billed(src.lines())
    assert got == {(c["date"], c["model"], c["token_type"], c["service_tier"], c["context_tier"], c["workspace"],
                    c["cents"] / 100) for c in lines}


# -- JSON output: the same Decimal values --------------------------------------------------------

def assert_same_values(py, js, where="$"):
    """Every Decimal of a report's payload is in its JSON as a string of the same exact value."""
    if isinstance(py, Decimal):
        assert isinstance(js, str), f"{where}: money must be a string in JSON, got {js!r}"
        assert Decimal(js) == py, f"{where}: {js} != {py}"
    elif isinstance(py, bool) or py is None:
        assert js == py, where
    elif isinstance(py, int):
        assert js == py and not isinstance(js, bool), where
    elif isinstance(py, dict):
        for k, v in py.items():
            assert str(k) in js, f"{where}: {k} missing from the JSON"
            assert_same_values(v, js[str(k)], f"{where}.{k}")
    elif isinstance(py, (list, tuple)):
        assert len(py) == len(js), where
        for i, (a, b) in enumerate(zip(py, js)):
            assert_same_values(a, b, f"{where}[{i}]")


@SETTINGS
@given(rows=usage_rows())
def test_usage_json_round_trips_to_the_same_decimals(rows):
    from calculator.engine import UsageOptions, usage_result
    from calculator.report.model import Report
    from calculator.report.usage import report_from_analysis
    from reports import render

    with tempfile.TemporaryDirectory() as d:
        result = usage_result([write(d, "usage.csv", console_csv(rows))],
                              UsageOptions(catalogue=CAT, group_by=("month", "model")))
    report = report_from_analysis(result)
    js = json.loads(render(report, "json"))
    assert Decimal(js["totals"]["cost_usd"]) == result.totals.cost
    assert_same_values(report.figures, js)
    assert Report.from_dict(js) == report


@SETTINGS
@given(rows=usage_rows(with_api_key=False), ratio=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("1.5"),
                                                              places=3))
def test_reconcile_json_round_trips_to_the_same_decimals(rows, ratio):
    """A bill made from the usage itself (times a ratio) reconciles with exact Decimal values in JSON."""
    from calculator.readers.costs import BilledLine
    from calculator.costing import TokenCounts, price_usage
    from calculator.report.model import Report
    from calculator.report.reconcile import report_from_reconciliation
    from calculator.reconcile.reconcile import reconcile
    from calculator.engine import UsageOptions, usage_result
    from reports import render

    with tempfile.TemporaryDirectory() as d:
        usage = usage_result([write(d, "usage.csv", console_csv(rows))], UsageOptions(catalogue=CAT, day_lines=True))
    # One bill line per day, model, tier, context and workspace (a bill has no residency column:
    # rows that differ only by inference_geo are billed on one line, as Anthropic does).
    billed: dict[tuple, Decimal] = {}
    for r in rows:
        day = dt.date.fromisoformat(r["period"])
        try:
            cost = price_usage(CAT, r["model"], day, TokenCounts(uncached_input=r["uncached_input"], output=r["output"]),
                               service_tier=r["service_tier"], long_context=r["context_tier"] == "long",
                               inference_geo=r["inference_geo"]).total
        except Exception:
            continue  # not priced on that day: the line is simply not billed
        key = (day, r["model"], r["service_tier"], r["context_tier"], r["workspace"])
        billed[key] = billed.get(key, Decimal(0)) + cost * ratio
    costs = [BilledLine(date=day, cost_type="tokens", amount=amount, currency="USD", where=f"bill line {i}",
                        model=model, service_tier=tier, context_tier=context, workspace=workspace, token_type=None)
             for i, ((day, model, tier, context, workspace), amount) in enumerate(billed.items(), 1)]
    result = reconcile(usage.breakdowns["day_lines"], costs, CAT, usage_rows=usage.rows_used)
    report = report_from_reconciliation(result)
    js = json.loads(render(report, "json"))
    assert Decimal(js["totals"]["billed_usd"]) == result.billed_total == sum((c.amount for c in costs), Decimal(0))
    assert Decimal(js["totals"]["expected_usd"]) == result.expected_total
    assert_same_values(report.figures, js)
    assert Report.from_dict(js) == report
