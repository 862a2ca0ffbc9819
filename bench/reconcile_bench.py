"""Benchmark `batchcalc reconcile` against `batchcalc usage` on the same Console usage CSV.

    python bench/reconcile_bench.py                  # 1,000,000 usage rows, 3 rounds: target <= 2x
    python bench/reconcile_bench.py --rows 100000

The usage CSV is bench/usage_bench.py's (generated once into bench/out/). Its bill, a Console cost
CSV as the Console exports it (data-formats.md section 1, the 2026-08 header: one row per day,
model, workspace, API key, usage type, context window, token type, geo and speed; web-search rows
with ``--``; dollars rounded to cents per row), is generated from that usage at the catalogue's
rates, with two planted mismatches:

  - one batch output line billed at the standard rate (diagnosed "batch tokens billed at the
    standard rate"),
  - one uncached-input line with an extra charge row of $12.34 (no known pattern).

Each round runs, alternately and as whole processes (output to a temporary file):

  usage:      batchcalc usage USAGE --format json -o TMP
  reconcile:  batchcalc reconcile USAGE COSTS --format json -o TMP   (exit 3: the planted lines)

and prints both wall times, their ratio (target <= 2x) and the peak RSS of each. A sanity check
first requires the reconciliation to flag exactly the planted lines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from usage_bench import add_file_options, console_csv, timed  # noqa: E402

HEADER = ["usage_date_utc", "model", "workspace", "api_key", "usage_type", "context_window", "token_type",
          "cost_usd", "list_price_usd", "cost_type", "inference_geo", "speed", "api_key_id", "api_key_status"]
# Usage count column -> (Console cost token_type, the Admin API name reconcile reports).
TOKEN_TYPES = {
    "usage_input_tokens_no_cache": ("input_no_cache", "uncached_input_tokens"),
    "usage_input_tokens_cache_write_5m": ("input_cache_write_5m", "cache_creation.ephemeral_5m_input_tokens"),
    "usage_input_tokens_cache_write_1h": ("input_cache_write_1h", "cache_creation.ephemeral_1h_input_tokens"),
    "usage_input_tokens_cache_read": ("input_cache_read", "cache_read_input_tokens"),
    "usage_output_tokens": ("output", "output_tokens"),
}
PRICED = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search_requests")
USAGE_TYPES = {"standard": "message", "batch": "batch"}  # the cost export's word for each tier
CONTEXTS = {"base": "≤ 200k", "long": "> 200k"}
RATE_SCALE = 10**6  # rates held as integers: micro-dollars per million units (every rate is exact there)
EXTRA_CHARGE_CENTS = 1234


def _planted(days: list[str], workspaces: list[str]) -> list[dict]:
    """The two mismatching reconcile lines (their keys in the JSON contract)."""
    return [
        {"date": days[len(days) // 3], "model": "claude-sonnet-4-6", "token_type": "output_tokens",
         "service_tier": "batch", "context_window": "0-200k", "workspace": workspaces[3],
         "why": "batch tokens billed at the standard rate"},
        {"date": days[2 * len(days) // 3], "model": "claude-haiku-4-5-20251001", "token_type": "uncached_input_tokens",
         "service_tier": "standard", "context_window": "0-200k", "workspace": workspaces[5],
         "why": "no known pattern"},
    ]


def generate_costs(usage_path: Path, cost_path: Path) -> list[dict]:
    """The Console cost CSV billing ``usage_path`` at the catalogue's rates, with the planted lines;
    returns the planted lines' keys."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import datetime as dt

    from calculator.engine.normalise import CONTEXT_SPELLINGS
    from calculator.engine.rates import rate_rows
    from pricing import load_catalogue

    cat = load_catalogue()
    counts = list(TOKEN_TYPES) + ["web_search_count"]
    texts = ["usage_date_utc", "model_version", "api_key", "workspace", "usage_type", "context_window",
             "inference_geo", "speed"]
    usage = pacsv.read_csv(str(usage_path), convert_options=pacsv.ConvertOptions(
        column_types={**{c: pa.int64() for c in counts}, **{c: pa.string() for c in texts}},
        strings_can_be_null=False))
    n = usage.num_rows

    def codes(column: str):
        enc = usage[column].combine_chunks().dictionary_encode()
        return enc.indices.to_numpy(), enc.dictionary.to_pylist()

    day_i, days = codes("usage_date_utc")
    model_i, models = codes("model_version")
    tier_i, tiers = codes("usage_type")
    ctx_i, ctxs = codes("context_window")
    geo_i, geos = codes("inference_geo")
    ws_i, workspaces = codes("workspace")
    key_i, keys = codes("api_key")
    model_ids = [cat.model(m).id for m in models]
    ctx_tiers = [CONTEXT_SPELLINGS[c.strip().lower()] for c in ctxs]
    # Rates per (model, tier, context, geo) and day: the engine's rate table (price_usage of a million).
    wanted = {(model_ids[m], tiers[t], ctx_tiers[c], geos[g], "standard")
              for m in range(len(models)) for t in range(len(tiers)) for c in range(len(ctxs))
              for g in range(len(geos))}
    wanted |= {(m, "standard", c, g, s) for m, _, c, g, s in wanted}  # for the planted standard rate
    rows, _ = rate_rows(cat, wanted)
    day_dates = [dt.date.fromisoformat(d) for d in days]
    table = np.zeros((len(days), len(models), len(tiers) + 1, len(ctxs), len(geos), len(PRICED)), dtype=np.int64)
    tier_names = [*tiers, "standard"]  # the last slot: the standard rate (planted)
    for r in rows:
        if r[8] is not None:
            continue
        m = [i for i, mid in enumerate(model_ids) if mid == r[1]]
        for t, tier in enumerate(tier_names):
            if tier != r[2]:
                continue
            for c, ct in enumerate(ctx_tiers):
                if ct != r[3]:
                    continue
                g = geos.index(r[4])
                for d, day in enumerate(day_dates):
                    if r[6] <= day < r[7]:
                        for mi in m:
                            scaled = [v * RATE_SCALE for v in r[12:12 + len(PRICED)]]
                            assert all(s == int(s) for s in scaled), "a rate finer than a micro-dollar"
                            table[d, mi, t, c, g] = [int(s) for s in scaled]
    std_slot = len(tiers)
    planted = _planted(sorted(days), sorted(workspaces))
    display = [cat.model(m).display_name for m in models]
    parts = []
    for col_i, (col, (console_tt, admin_tt)) in enumerate(TOKEN_TYPES.items()):
        tokens = usage[col].to_numpy()
        idx = np.nonzero(tokens > 0)[0]
        tier_slot = tier_i[idx].copy()
        for p in planted:
            if p["why"].startswith("batch") and p["token_type"] == admin_tt:
                hit = ((np.array(days)[day_i[idx]] == p["date"]) & (np.array(model_ids)[model_i[idx]] == p["model"])
                       & (np.array(tiers)[tier_i[idx]] == "batch") & (np.array(ctx_tiers)[ctx_i[idx]] == "base")
                       & (np.array(workspaces)[ws_i[idx]] == p["workspace"]))
                tier_slot[hit] = std_slot
        rate = table[day_i[idx], model_i[idx], tier_slot, ctx_i[idx], geo_i[idx], col_i]
        # tokens x (micro-dollars per MTok) = 10^-12 USD; to cents, rounded half up.
        cents = (tokens[idx] * rate + 5 * 10**9) // 10**10
        parts.append((idx, col_i, cents, np.full(len(idx), console_tt, dtype=object)))
    searches = usage["web_search_count"].to_numpy()
    ws_idx = np.nonzero(searches > 0)[0]
    ws_rate = table[day_i[ws_idx], model_i[ws_idx], tier_i[ws_idx], ctx_i[ws_idx], geo_i[ws_idx], len(PRICED) - 1]
    ws_cents = (searches[ws_idx] * ws_rate + 5 * 10**9) // 10**10
    parts.append((ws_idx, len(TOKEN_TYPES), ws_cents, None))
    # Rows in the usage's order, each usage row's token types in turn, then its web searches.
    order_key = np.concatenate([p[0] * 8 + p[1] for p in parts])
    order = np.argsort(order_key, kind="stable")
    src = np.concatenate([p[0] for p in parts])[order]
    kind = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])[order]
    cents = np.concatenate([p[2] for p in parts])[order]
    is_ws = kind == len(TOKEN_TYPES)
    tt_names = pa.array([t[0] for t in TOKEN_TYPES.values()] + ["--"])
    # The extra charge: a second row for the same visible key (split charges are summed).
    extra = planted[1]
    hit = np.nonzero((np.array(days)[day_i[src]] == extra["date"])
                     & (np.array(model_ids)[model_i[src]] == extra["model"])
                     & (np.array(tiers)[tier_i[src]] == "standard") & (np.array(ctx_tiers)[ctx_i[src]] == "base")
                     & (np.array(workspaces)[ws_i[src]] == extra["workspace"]) & (kind == 0))[0][0]
    src = np.insert(src, hit + 1, src[hit])
    kind = np.insert(kind, hit + 1, kind[hit])
    cents = np.insert(cents, hit + 1, EXTRA_CHARGE_CENTS)
    is_ws = np.insert(is_ws, hit + 1, False)

    def pick(values: list, index) -> pa.Array:
        return pa.array(values).take(pa.array(index))

    def dashed(arr: pa.Array) -> pa.Array:
        return pc.if_else(pa.array(is_ws), pa.scalar("--"), arr)

    dollars = pc.cast(pa.array(cents // 100), pa.string())
    money = pc.binary_join_element_wise(dollars, pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"),
                                        ".")
    key_ids = [f"apikey_01{k[-5:]}" for k in keys]
    columns = [
        pick(days, day_i[src]), dashed(pick(display, model_i[src])), pick(workspaces, ws_i[src]),
        pick(keys, key_i[src]), dashed(pick([USAGE_TYPES[t] for t in tiers], tier_i[src])),
        dashed(pick([CONTEXTS[c] for c in ctx_tiers], ctx_i[src])), tt_names.take(pa.array(kind)),
        money, money, pc.if_else(pa.array(is_ws), pa.scalar("web_search"), pa.scalar("token")),
        dashed(pick(geos, geo_i[src])), pc.if_else(pa.array(is_ws), pa.scalar("--"), pa.scalar("")),
        pick(key_ids, key_i[src]), pa.array(np.full(len(src), "active", dtype=object)),
    ]
    out = pa.Table.from_arrays(columns, names=HEADER)
    tmp = cost_path.with_suffix(".tmp")
    # Unquoted, as the Console writes it (no value holds a comma).
    with open(tmp, "wb") as fh:
        fh.write((",".join(HEADER) + "\n").encode())
        pacsv.write_csv(out, fh, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    os.replace(tmp, cost_path)
    return planted


def cost_csv(args, usage_path: Path) -> tuple[Path, list[dict]]:
    """The usage's bill beside it (bench/out/console_cost_ROWS.csv), generated when missing."""
    path = usage_path.with_name(usage_path.name.replace("usage", "cost"))
    plan = path.with_suffix(".planted.json")
    if args.regenerate or not path.exists() or not plan.exists() or path.stat().st_mtime < usage_path.stat().st_mtime:
        t0 = time.perf_counter()
        planted = generate_costs(usage_path, path)
        plan.write_text(json.dumps(planted))
        print(f"generated the bill ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.1f} s: {path}")
    return path, json.loads(plan.read_text())


def check_flagged(report: dict, planted: list[dict]) -> bool:
    """The reconciliation flags exactly the planted lines (with their diagnoses)."""
    keys = ("date", "model", "token_type", "service_tier", "context_window", "workspace")
    outside = [l for l in (*report["lines"], *report["unmatched"]["usage"], *report["unmatched"]["costs"])
               if not l["within_tolerance"]]
    got = sorted((tuple(l[k] for k in keys), l["diagnosis"]) for l in outside)
    want = sorted(tuple(p[k] for k in keys) for p in planted)
    ok = [g[0] for g in got] == want and all(p["why"] in d for p, (_, d) in zip(
        sorted(planted, key=lambda p: tuple(p[k] for k in keys)), got))
    print(f"sanity: {len(report['lines']):,} lines, {report['cost_lines']:,} cost lines, "
          f"{len(outside)} outside tolerance (planted {len(planted)}): {'OK' if ok else 'WRONG'}")
    for key, diagnosis in got:
        print(f"  flagged {' '.join(str(k) for k in key)}: {diagnosis}")
    return ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_file_options(p)
    p.set_defaults(rows=1_000_000)
    args = p.parse_args(argv)
    usage_path = console_csv(args)
    costs_path, planted = cost_csv(args, usage_path)
    batchcalc = str(Path(sys.executable).with_name("batchcalc"))
    with tempfile.TemporaryDirectory(prefix="reconcile_bench") as tmp:
        usage_out, rec_out = os.path.join(tmp, "usage.json"), os.path.join(tmp, "reconcile.json")
        usage = [batchcalc, "--quiet", "usage", str(usage_path), "--format", "json", "-o", usage_out]
        rec = [batchcalc, "--quiet", "reconcile", str(usage_path), str(costs_path), "--format", "json", "-o", rec_out]
        usage_t, rec_t, usage_rss, rec_rss = [], [], 0, 0
        for r in range(args.rounds):
            u, u_rss = timed(usage)
            c, c_rss = timed(rec, ok=(3,))
            usage_t.append(u)
            rec_t.append(c)
            usage_rss, rec_rss = max(usage_rss, u_rss), max(rec_rss, c_rss)
            print(f"round {r + 1}: usage {u:.2f} s   reconcile {c:.2f} s   ratio {c / u:.2f}x")
        with open(rec_out, encoding="utf-8") as fh:
            sane = check_flagged(json.load(fh), planted)
    med_ratio = sorted(c / u for c, u in zip(rec_t, usage_t))[len(rec_t) // 2]
    print(f"best: usage {min(usage_t):.2f} s, reconcile {min(rec_t):.2f} s, ratio {min(rec_t) / min(usage_t):.2f}x "
          f"(median of rounds {med_ratio:.2f}x; target <= 2x)")
    print(f"peak RSS: usage {usage_rss / 2**20:,.0f} MiB, reconcile {rec_rss / 2**20:,.0f} MiB")
    ok = sane and med_ratio <= 2.0
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
