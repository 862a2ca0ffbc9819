"""`batchcalc estimate`."""

from typing import Annotated, Optional

import typer

from calculator.cli.app import CompareOpt, FormatOpt, Format, OnOpt, OutputOpt, PricesOpt, app, catalogue, emit, parse_date
from calculator.cli.options import TTL, Geo, Speed, parse_fraction


@app.command()
def estimate(
    model: Annotated[str, typer.Option("--model", "-m", help="Model id or alias, e.g. claude-sonnet-4-6.")],
    requests: Annotated[int, typer.Option("--requests", "-n", min=1, help="Number of requests.")],
    input_tokens: Annotated[int, typer.Option("--input-tokens", "-i", min=0,
                                              help="Input tokens per request: the whole prompt (system, tools, messages).")],
    output_tokens: Annotated[int, typer.Option("--output-tokens", "-O", min=0, help="Output tokens per request.")],
    cached_prefix_tokens: Annotated[int, typer.Option(
        "--cached-prefix-tokens", "-p", min=0,
        help="Tokens at the start of every prompt that are identical across requests (part of --input-tokens).")] = 0,
    cache_hit_rate: Annotated[Optional[str], typer.Option(
        "--cache-hit-rate", metavar="H",
        help="Fraction of requests that read the prefix from cache (0-1 or 80%). "
             "Default 0.64, the middle of the 30%-98% Anthropic quotes for batches; the range is shown.")] = None,
    cache_ttl: Annotated[TTL, typer.Option("--cache-ttl", help="Cache TTL: 5m or 1h (1h is recommended for batches).")] = TTL.m5,
    inference_geo: Annotated[Geo, typer.Option("--inference-geo", help="Data residency: us costs 1.1x on eligible models.")] = Geo.global_,
    speed: Annotated[Speed, typer.Option("--speed", help="fast mode (sync only; never with batch).")] = Speed.standard,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """Price a workload on sync, sync+cache, batch and batch+cache, with the savings.

    Examples:

        batchcalc estimate -m claude-opus-4-7 -n 5000 -i 20000 -O 5000

        batchcalc estimate -m claude-sonnet-4-6 -n 500 -i 12000 -O 300 --cached-prefix-tokens 10000 --cache-hit-rate 1

        batchcalc estimate -m claude-haiku-4-5 -n 100000 -i 800 -O 50 --format json -o estimate.json
    """
    from calculator.report.estimate import build_estimate_report
    from calculator.scenarios import Workload

    cat = catalogue(prices_path)
    w = Workload(model=model, requests=requests, input_tokens=input_tokens, output_tokens=output_tokens,
                 cached_prefix_tokens=cached_prefix_tokens, cache_hit_rate=parse_fraction(cache_hit_rate, "--cache-hit-rate"),
                 cache_ttl=cache_ttl.value, inference_geo=inference_geo.value,
                 speed=speed.value if speed != Speed.standard else None, on=parse_date(on))
    emit(build_estimate_report(cat, w), fmt, output, compare_to)
