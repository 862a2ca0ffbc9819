"""`batchcalc plan`: classification, recommendation, cache minimum, volumes and the sums.

Every expected number is worked out by hand from the pricing page (USD per million tokens,
shared/reference/pricing-facts.md); the arithmetic is in the comments.
"""

import datetime as dt
import textwrap
from decimal import Decimal
from fractions import Fraction

import pytest

from calculator.planning import build_plan, classify, tokenizer_ratio
from calculator.scenarios import Workload, estimate
from calculator.workload_file import monthly_requests
from calculator.workloads.cache import FILE_KEYS, CacheAssumptions
from pricing import load_catalogue

D = Decimal
ON = dt.date(2026, 11, 22)
FILE_NAMES = {k: f"the workload file's {v}" for k, v in FILE_KEYS.items()}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def write(tmp_path, body: str, name: str = "workloads.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def one(tmp_path, cat, on=ON, try_models=(), **keys):
    """A plan of one workload given as keyword arguments (YAML scalars)."""
    base = {"name": "w", "model": "claude-sonnet-4-6", "requests_per_month": 1000,
            "input_tokens": 1000, "output_tokens": 100, "person_waiting": "false"}
    base.update(keys)
    lines = "".join(f"    {k}: {v}\n" for k, v in base.items() if v is not None)
    path = write(tmp_path, "version: 1\nworkloads:\n  - " + lines.lstrip())
    return build_plan(cat, path, on, try_models=try_models).workloads[0]


# -- classification ------------------------------------------------------------------------------

@pytest.mark.parametrize("waiting, deadline, expected", [
    (True, None, "must_stay_sync"),
    (True, D(48), "must_stay_sync"),      # someone waiting beats a generous deadline
    (False, None, "batch_candidate"),     # no deadline at all
    (False, D(24), "batch_candidate"),    # exactly the 24 h limit is soon enough
    (False, D(72), "batch_candidate"),
    (False, D("23.5"), "at_risk"),
    (False, D(6), "at_risk"),
    (False, D("0.5"), "at_risk"),         # shorter than the 1 h most batches take: still at risk, warned
])
def test_classify(waiting, deadline, expected):
    assert classify(waiting, deadline)[0] == expected


def test_each_classification_from_a_file(tmp_path, cat):
    path = write(tmp_path, """
        version: 1
        workloads:
          - {name: chat, model: claude-sonnet-4-6, requests_per_month: 100, input_tokens: 10, output_tokens: 1, person_waiting: true}
          - {name: review, model: claude-sonnet-4-6, requests_per_month: 100, input_tokens: 10, output_tokens: 1, person_waiting: false, deadline_hours: 6}
          - {name: evals, model: claude-sonnet-4-6, requests_per_month: 100, input_tokens: 10, output_tokens: 1, person_waiting: false}
    """)
    plan = build_plan(cat, path, ON)
    got = {p.name: (p.classification, p.recommended.mode) for p in plan.workloads}
    assert got == {"chat": ("must_stay_sync", "sync"), "review": ("at_risk", "batch"),
                   "evals": ("batch_candidate", "batch")}


def test_sub_hour_deadline_is_warned(tmp_path, cat):
    from calculator.report.plan import build_plan_report

    path = write(tmp_path, """
        version: 1
        workloads:
          - {name: urgent, model: claude-sonnet-4-6, requests_per_month: 100, input_tokens: 10, output_tokens: 1, person_waiting: false, deadline_hours: 0.5}
    """)
    report = build_plan_report(cat, path, ON)
    assert report.figures["workloads"][0]["classification"] == "at_risk"
    assert any("urgent" in w and "synchronous fallback" in w for w in report.warnings)


# -- volumes ---------------------------------------------------------------------------------------

def test_monthly_requests():
    assert monthly_requests(1000, "month") == 1000
    # a month is 365.25 / 12 = 30.4375 days: 4 a day = 121.75 -> rounded up to 122
    assert monthly_requests(4, "day") == 122
    assert monthly_requests(2000, "day") == 60875          # 2000 x 30.4375 exactly
    # 7 a week = 1 a day = 30.4375 -> 31
    assert monthly_requests(7, "week") == 31
    # 5,000 a week: 5000 x 30.4375 / 7 = 21,741.07... -> 21,742
    assert monthly_requests(5000, "week") == 21742


# -- the cache minimum and the recommendation rules ----------------------------------------------------

def test_prefix_below_minimum_is_not_cached(tmp_path, cat):
    # Haiku 4.5's minimum cacheable prefix is 4,096 tokens: 4,095 cannot be cached.
    p = one(tmp_path, cat, model="claude-haiku-4-5", input_tokens=5000, shared_prefix_tokens=4095,
            cache_ttl="1h", cache_hit_rate=0.9)
    assert p.recommended.mode == "batch"
    assert not p.estimate.cacheable
    assert "4,096" in p.recommended.why
    # 1000 requests x 5000 = 5M input x $0.50 (batch) = $2.50; 100k output x $2.50 = $0.25
    assert p.recommended_usd == D("2.75")


def test_prefix_at_minimum_is_cached(tmp_path, cat):
    # Exactly 4,096 tokens reaches Haiku 4.5's minimum.
    p = one(tmp_path, cat, model="claude-haiku-4-5", input_tokens=5000, shared_prefix_tokens=4096,
            cache_ttl="1h", cache_hit_rate=0.9)
    assert p.estimate.cacheable and p.recommended.mode == "batch+cache"
    # Batch Haiku 4.5: input 0.50, 1h write 1, read 0.05, output 2.50.
    # reads = floor(0.9 x 999) = floor(899.1) = 899, writes = 1000 - 899 = 101
    # uncached 1000 x (5000 - 4096) = 904,000 x 0.50 = 0.452
    # write    101 x 4096 = 413,696 x 1     = 0.413696
    # read     899 x 4096 = 3,682,304 x 0.05 = 0.1841152
    # output   100,000 x 2.50               = 0.25
    # total 0.452 + 0.413696 + 0.1841152 + 0.25 = 1.2998112
    assert p.recommended_usd == D("1.2998112")


def test_sonnet_5_5_minimum_is_512(tmp_path, cat):
    below = one(tmp_path, cat, model="claude-sonnet-5-5", input_tokens=2000, shared_prefix_tokens=511,
                cache_ttl="1h", cache_hit_rate=1)
    at = one(tmp_path, cat, model="claude-sonnet-5-5", input_tokens=2000, shared_prefix_tokens=512,
             cache_ttl="1h", cache_hit_rate=1)
    assert below.recommended.mode == "batch" and at.recommended.mode == "batch+cache"


def test_5m_ttl_does_not_fit_a_batch(tmp_path, cat):
    p = one(tmp_path, cat, input_tokens=5000, shared_prefix_tokens=4000, cache_ttl="5m", cache_hit_rate=0.9)
    assert p.recommended.mode == "batch"
    assert "cache_ttl: 1h" in p.recommended.why


def test_caching_not_recommended_when_it_costs_more(tmp_path, cat):
    # Sonnet 4.6 batch: a 1h write costs 3, a read 0.15, uncached input 1.5 per MTok.
    # At a 30% hit rate the prefix costs about 0.7 x 3 + 0.3 x 0.15 = 2.145 > 1.5: batch alone is cheaper.
    p = one(tmp_path, cat, input_tokens=5000, shared_prefix_tokens=4000, cache_ttl="1h", cache_hit_rate=0.3)
    assert p.recommended.mode == "batch"
    assert p.estimate.scenario("batch+cache").total > p.estimate.scenario("batch").total


def test_person_waiting_gets_sync_cache_not_batch(tmp_path, cat):
    p = one(tmp_path, cat, input_tokens=5000, shared_prefix_tokens=4000, cache_ttl="5m",
            cache_hit_rate=0.9, person_waiting="true")
    assert p.classification == "must_stay_sync"
    assert p.recommended.mode == "sync+cache"


def test_current_mode_kept_when_already_cheapest(tmp_path, cat):
    # Already on batch+cache with a 5m TTL: plain batch would cost more, so nothing changes.
    p = one(tmp_path, cat, input_tokens=5000, shared_prefix_tokens=4000, cache_ttl="5m",
            cache_hit_rate=0.9, current_mode="batch+cache")
    assert p.current_mode == "batch+cache" and p.recommended.mode == "batch+cache"
    assert p.savings_usd == 0


# -- the plan equals the sum of its workloads' estimates ------------------------------------------------

THREE = """
    version: 1
    workloads:
      - name: tickets
        model: claude-sonnet-4-6
        requests_per_month: 10000
        input_tokens: 500
        output_tokens: 200
        person_waiting: false
      - name: chat
        model: claude-haiku-4-5
        requests_per_day: 100
        input_tokens: 5000
        output_tokens: 300
        shared_prefix_tokens: 4096
        cache_ttl: 5m
        cache_hit_rate: 0.5
        person_waiting: true
      - name: evals
        model: claude-opus-4-7
        requests_per_week: 1400
        input_tokens: 10000
        output_tokens: 1000
        shared_prefix_tokens: 3000
        cache_ttl: 1h
        person_waiting: false
        deadline_hours: 6
"""


def test_three_workload_plan_by_hand(tmp_path, cat):
    plan = build_plan(cat, write(tmp_path, THREE), ON)
    tickets, chat, evals = plan.workloads

    # tickets: Sonnet 4.6, 10,000 x 500 in + 200 out (the pricing-facts example).
    # sync: 5M x $3 = 15 + 2M x $15 = 30 -> 45; batch: 5M x 1.5 = 7.5 + 2M x 7.5 = 15 -> 22.50
    assert (tickets.classification, tickets.recommended.mode) == ("batch_candidate", "batch")
    assert tickets.current_usd == D("45") and tickets.recommended_usd == D("22.5")

    # chat: Haiku 4.5, 100 a day -> 100 x 30.4375 = 3,043.75 -> 3,044 a month; a person waits.
    # sync: 3044 x 5000 = 15,220,000 x $1 = 15.22; output 3044 x 300 = 913,200 x $5 = 4.566 -> 19.786
    # sync+cache at h = 0.5: reads floor(0.5 x 3043) = 1521, writes 3044 - 1521 = 1523
    #   uncached 3044 x 904 = 2,751,776 x 1     = 2.751776
    #   5m write 1523 x 4096 = 6,238,208 x 1.25 = 7.79776
    #   read     1521 x 4096 = 6,230,016 x 0.1  = 0.6230016
    #   output                                  = 4.566       -> 15.7385376
    assert chat.workload.requests == 3044
    assert (chat.classification, chat.recommended.mode) == ("must_stay_sync", "sync+cache")
    assert chat.current_usd == D("19.786") and chat.recommended_usd == D("15.7385376")
    # range: the sync range 70%-98%, widened to the given 0.5: 50%-98%.
    # h = 0.98: reads floor(0.98 x 3043) = 2982, writes 62:
    #   2.751776 + 62 x 4096 x 1.25/M (0.31744) + 2982 x 4096 x 0.1/M (1.2214272) + 4.566 = 8.8566432
    # h = 0.50 is the expected cost itself: 15.7385376
    assert chat.recommended.range == (D("8.8566432"), D("15.7385376"), D("15.7385376"))

    # evals: Opus 4.7, 1,400 a week -> 1400 x 30.4375 / 7 = 6,087.5 -> 6,088; deadline 6 h: at risk.
    # sync: 60,880,000 x $5 = 304.40 + 6,088,000 x $25 = 152.20 -> 456.60
    # batch+cache (1h, default h = 0.64): reads floor(0.64 x 6087) = 3895, writes 2193
    #   uncached 6088 x 7000 = 42,616,000 x 2.5 = 106.54
    #   1h write 2193 x 3000 = 6,579,000 x 5    = 32.895
    #   read     3895 x 3000 = 11,685,000 x 0.25 = 2.92125
    #   output   6,088,000 x 12.5               = 76.10     -> 218.45625 (< batch 228.30)
    assert evals.workload.requests == 6088
    assert (evals.classification, evals.recommended.mode) == ("at_risk", "batch+cache")
    assert evals.current_usd == D("456.6") and evals.recommended_usd == D("218.45625")
    # h = 0.98: reads 5965, writes 123: 106.54 + 1.845 + 4.47375 + 76.10 = 188.95875
    # h = 0.30: reads 1826, writes 4262: 106.54 + 63.93 + 1.3695 + 76.10 = 247.9395
    assert evals.recommended.range == (D("188.95875"), D("218.45625"), D("247.9395"))

    t = plan.totals
    assert t.current_usd == D("521.386")            # 45 + 19.786 + 456.60
    assert t.recommended_usd == D("256.6947876")    # 22.50 + 15.7385376 + 218.45625
    assert t.savings_usd == D("264.6912124")
    assert (t.low_usd, t.high_usd) == (D("220.3153932"), D("286.1780376"))  # 22.5 + 8.86.. + 188.96..; 22.5 + 15.74.. + 247.94..
    assert t.stays_sync_usd == D("15.7385376")      # only chat stays synchronous
    assert t.at_risk_savings_usd == D("238.14375")  # evals: 456.60 - 218.45625


def test_plan_figures_are_sums_of_estimates(tmp_path, cat):
    plan = build_plan(cat, write(tmp_path, THREE), ON)
    spec = [("claude-sonnet-4-6", 10000, 500, 200, 0, None, "5m", "sync", "batch"),
            ("claude-haiku-4-5", 3044, 5000, 300, 4096, D("0.5"), "5m", "sync", "sync+cache"),
            ("claude-opus-4-7", 6088, 10000, 1000, 3000, None, "1h", "sync", "batch+cache")]
    now = after = D(0)
    for (model, n, i, o, p, h, ttl, cur, rec), wp in zip(spec, plan.workloads):
        cache = CacheAssumptions.given(FILE_NAMES, hit_rate=h, ttl=ttl)
        e = estimate(cat, Workload(model, n, i, o, p, cache, on=ON))
        assert wp.current_usd == e.scenario(cur).total
        assert wp.recommended_usd == e.scenario(rec).total
        now += e.scenario(cur).total
        after += e.scenario(rec).total
    assert plan.totals.current_usd == now and plan.totals.recommended_usd == after


# -- model what-ifs ------------------------------------------------------------------------------------

def test_tokenizer_ratio(cat):
    # claude-2024 factor 1.20, claude-2026 factor 1.55: 1.55 / 1.20 = 31/24
    assert tokenizer_ratio(cat, "claude-sonnet-4-6", "claude-sonnet-5") == Fraction(31, 24)
    assert tokenizer_ratio(cat, "claude-opus-4-8", "claude-haiku-4-5") == Fraction(24, 31)
    assert tokenizer_ratio(cat, "claude-sonnet-4-6", "claude-haiku-4-5") == 1


def test_try_model_scales_tokens(tmp_path, cat):
    p = one(tmp_path, cat, input_tokens=2400, output_tokens=240, try_models=("claude-sonnet-5",))
    (alt,) = p.alternatives
    w = alt.priced.estimate.workload
    # 2400 x 31/24 = 3100, 240 x 31/24 = 310 (exact)
    assert (w.input_tokens, w.output_tokens) == (3100, 310)
    # Sonnet 5 batch: 3,100,000 x $1 = 3.10 + 310,000 x $5 = 1.55 -> 4.65
    assert alt.priced.mode == "batch" and alt.priced.usd == D("4.65")
    # Sonnet 4.6 batch: 2.4M x 1.5 = 3.6 + 240k x 7.5 = 1.8 -> 5.40; the alternative saves 0.75
    assert p.recommended_usd == D("5.4") and alt.savings_vs_recommended == D("0.75")


def test_alternatives_round_up_and_apply_their_own_cache_minimum(tmp_path, cat):
    # Opus 4.8 -> Haiku 4.5: x 24/31. 1000 x 24/31 = 774.19 -> 775; prefix 2000 x 24/31 = 1548.4 -> 1549,
    # below Haiku 4.5's 4,096 minimum, while 2,000 reaches Opus 4.8's 1,024.
    p = one(tmp_path, cat, model="claude-opus-4-8", input_tokens=3000, output_tokens=1000,
            shared_prefix_tokens=2000, cache_ttl="1h", cache_hit_rate=0.9,
            alternatives="[claude-haiku-4-5, claude-opus-4-8]")
    assert p.recommended.mode == "batch+cache"
    assert len(p.alternatives) == 1  # the workload's own model is not its own alternative
    w = p.alternatives[0].priced.estimate.workload
    assert (w.input_tokens, w.output_tokens, w.cached_prefix_tokens) == (2323, 775, 1549)  # 3000 x 24/31 = 2322.58
    assert p.alternatives[0].priced.mode == "batch"


def test_on_date_prices_at_that_catalogue(tmp_path, cat):
    # Haiku 3.5 before and after the 2024-12-03 cut ($1/$5 -> $0.80/$4; batch half).
    # 1000 x 1000 in, 100 out, batch: before 1M x 0.5 = 0.5 + 100k x 2.5 = 0.25 -> 0.75
    #                                  after  1M x 0.4 = 0.4 + 100k x 2   = 0.2  -> 0.60
    before = one(tmp_path, cat, model="claude-3-5-haiku-20241022", on=dt.date(2024, 12, 2))
    after = one(tmp_path, cat, model="claude-3-5-haiku-20241022", on=dt.date(2024, 12, 3))
    assert (before.recommended_usd, after.recommended_usd) == (D("0.75"), D("0.6"))
    # sync: 1M x 1 + 100k x 5 = 1.5 ; 1M x 0.8 + 100k x 4 = 1.2
    assert (before.current_usd, after.current_usd) == (D("1.5"), D("1.2"))


def test_cache_mode_that_cannot_cache_is_recommended_uncached(tmp_path, cat):
    # Already on batch+cache, but 1,000 prefix tokens are below Haiku 4.5's 4,096: nothing is cached,
    # so the honest recommendation is plain batch, at the same price.
    p = one(tmp_path, cat, model="claude-haiku-4-5", input_tokens=2000, shared_prefix_tokens=1000,
            cache_ttl="1h", current_mode="batch+cache")
    assert p.recommended.mode == "batch" and p.savings_usd == 0


def test_sync_cache_today_may_beat_plain_batch(tmp_path, cat):
    # Sonnet 4.6, 10,000-token prompt of which 9,900 shared, 5m TTL, hit rate 0.98, running sync+cache:
    # per request at h ~ 0.98: 100 x 3 + 9900 x (0.98 x 0.30 + 0.02 x 3.75) = 300 + 9900 x 0.369 ~ 3953 $/MTok-tokens,
    # plain batch: 10,000 x 1.5 = 15,000. Batch+cache is ruled out by the 5m TTL, so sync+cache stays.
    p = one(tmp_path, cat, input_tokens=10000, output_tokens=0, shared_prefix_tokens=9900, cache_ttl="5m",
            cache_hit_rate=0.98, current_mode="sync+cache")
    assert p.recommended.mode == "sync+cache" and p.savings_usd == 0
    assert "already costs no more than batch" in p.recommended.why
