"""`batchcalc estimate`."""

from typing import Annotated

import typer

from calculator.cli.app import CompareOpt, FormatOpt, OnOpt, OnlyExceptionsOpt, OutputOpt, PricesOpt, app, catalogue, emit, parse_date
from calculator.cli.options import CachedPrefixOpt, Geo, InferenceGeoOpt, InputTokensOpt, RequestsOpt, Speed, cache_options
from calculator.workloads.cache import CacheAssumptions


@app.command()
@cache_options
def estimate(
    model: Annotated[str, typer.Option("--model", "-m", help="Model id or alias, e.g. claude-sonnet-4-6.")],
    requests: RequestsOpt,
    input_tokens: InputTokensOpt,
    output_tokens: Annotated[int, typer.Option("--output-tokens", "-O", min=0, help="Output tokens per request.")],
    cached_prefix_tokens: CachedPrefixOpt = 0,
    cache: CacheAssumptions = None,
    inference_geo: InferenceGeoOpt = Geo.global_,
    speed: Annotated[Speed, typer.Option("--speed", help="fast mode (sync only; never with batch).")] = Speed.standard,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    only_exceptions: OnlyExceptionsOpt = False,
    compare_to: CompareOpt = None,
    prices_path: PricesOpt = None,
):
    """Price a workload on sync, sync+cache, batch and batch+cache, with the savings.

    sync+cache and batch+cache have their own hit rate and TTL (--sync-hit-rate,
    --batch-hit-rate, --sync-cache-ttl, --batch-cache-ttl; --cache-hit-rate and --cache-ttl set
    both), each with its default and range shown in the report.

    Examples:

        batchcalc estimate -m claude-opus-4-7 -n 5000 -i 20000 -O 5000

        batchcalc estimate -m claude-sonnet-4-6 -n 500 -i 12000 -O 300 --cached-prefix-tokens 10000 --cache-hit-rate 1

        batchcalc estimate -m claude-sonnet-4-6 -n 500 -i 12000 -O 300 -p 10000 --sync-hit-rate 0.95 --batch-hit-rate 40%

        batchcalc estimate -m claude-haiku-4-5 -n 100000 -i 800 -O 50 --format json -o estimate.json
    """
    from calculator import commands
    from calculator.workloads.scenarios import Workload

    w = Workload(model=model, requests=requests, input_tokens=input_tokens, output_tokens=output_tokens,
                 cached_prefix_tokens=cached_prefix_tokens,
                 cache=cache,
                 inference_geo=inference_geo.value,
                 speed=speed.value if speed != Speed.standard else None, on=parse_date(on))
    emit(commands.estimate(w, catalogue=catalogue(prices_path)), fmt, output, compare_to, only_exceptions=only_exceptions)
