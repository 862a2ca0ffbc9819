"""The HTML page, the table and markdown outputs of the estimate report (golden files), the
charts, the composite page and escaping."""

from __future__ import annotations

import re
from decimal import Decimal


from conftest import demo_workload

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
LABEL = re.compile(r'aria-label="([^"]*)"')


def normalise_svg(html: str) -> str:
    """Charts depend on the matplotlib version: the HTML golden keeps a placeholder per chart
    (their content is tested separately), so the golden tests the page, not matplotlib."""
    return SVG.sub(lambda m: '<svg aria-label="%s"/>' % LABEL.search(m.group(0)).group(1), html)


def test_table_golden(demo_report, golden):
    from reports import render

    golden("estimate.table.txt", render(demo_report, "table", width=160))


def test_markdown_golden(demo_report, golden):
    from reports import render

    golden("estimate.md", render(demo_report, "markdown"))


def test_html_golden(demo_report, golden):
    from reports import render

    golden("estimate.html", normalise_svg(render(demo_report, "html")))


def test_html_is_self_contained_and_complete(demo_report):
    from reports import render

    html = render(demo_report, "html")
    assert html.startswith("<!DOCTYPE html>")
    # No JavaScript, nothing fetched: no scripts, external stylesheets, images or fonts.
    assert "<script" not in html.lower()
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"\bsrc\s*=", html, re.I)
    assert "@import" not in html and "url(http" not in html
    # Executive summary: cost now, with batch, with batch + cache, savings, the recommendation.
    for text in ("Cost now (sync API)", "$105.00", "With batch", "$52.50", "With batch + cache",
                 "$46.03", "You save", "$58.97", "56% with batch + cache", "Recommendation"):
        assert text in html, text
    # Charts as inline SVG, the hit-rate range as error bars on the cache scenarios.
    assert html.count("<svg") == 2
    assert 'aria-label="Cost by scenario"' in html and 'aria-label="Where the money goes"' in html
    # Methodology: hit-rate range, catalogue version, each price's source, check date and status.
    assert "range 30%–98%" in html
    assert "2026-11-21" in html and "https://platform.claude.com/docs/en/about-claude/pricing" in html
    assert "badge-confirmed" in html
    # Responsive and printable.
    assert 'name="viewport"' in html and "@media (max-width: 640px)" in html
    assert "@media print" in html and "break-before: page" in html


def test_unconfirmed_prices_are_marked(catalogue):
    from calculator.report.estimate import build_estimate_report
    from reports import render

    # Fable 5.2's cache and batch rates are unconfirmed (third-party).
    r = build_estimate_report(catalogue, demo_workload(model="claude-fable-5-2", cache_ttl="5m"))
    html = render(r, "html")
    assert "badge-unconfirmed" in html
    assert "treat the figures that use them as provisional" in html


def test_warnings_are_shown(catalogue):
    from calculator.report.estimate import build_estimate_report
    from reports import render

    # A 500-token prefix is below Sonnet 4.6's minimum cacheable length: a warning.
    r = build_estimate_report(catalogue, demo_workload(cached_prefix_tokens=500))
    assert r.warnings
    html = render(r, "html")
    assert "minimum cacheable" in html and 'href="#warnings"' in html
    assert "no cacheable shared prefix" in html


def test_charts_are_deterministic_svg(demo_report):
    from reports.charts import render_svg

    for chart in demo_report.charts:
        a, b = render_svg(chart), render_svg(chart)
        assert a == b
        assert a.startswith("<svg") and a.rstrip().endswith("</svg>")
        assert "<?xml" not in a and "<!DOCTYPE" not in a
        for label in chart.categories:
            assert label in a
        assert "<dc:date>" not in a


def test_chart_error_bars_span_the_hit_rate_range(demo_report, demo_estimate):
    chart = demo_report.charts[0]
    s = chart.series[0]
    bc = demo_estimate.scenario("batch+cache")
    i = chart.categories.index("Batch + cache")
    assert s.values[i] == bc.total
    assert s.low[i] == bc.high_total < s.values[i] < s.high[i] == bc.low_total
    assert s.low[chart.categories.index("Batch")] is None


def test_dollar_signs_are_not_mathtext():
    from calculator.report.model import Chart, Series
    from reports.charts import render_svg

    svg = render_svg(Chart("t", "Test $1 and $2", "hbar", ["$a$ model", "b"],
                           [Series("cost", [Decimal("1.5"), Decimal("2")])]))
    assert "$a$ model" in svg


def test_every_chart_kind_renders():
    from calculator.report.model import Chart, Series
    from reports.charts import render_svg

    cats = ["2026-11-01", "2026-11-02", "2026-11-03"]
    two = [Series("Expected", [Decimal(1), Decimal(2), Decimal(3)], role="expected"),
           Series("Billed", [Decimal(1), Decimal(2), Decimal(5)], role="billed")]
    for kind in ("bar", "stacked_bar", "line", "hbar"):
        svg = render_svg(Chart(f"c-{kind}", kind, kind, cats, two if kind != "hbar" else two[:1], flagged=[2]))
        assert svg.startswith("<svg")


def test_escaping_of_names_from_a_price_file(tmp_path):
    """A model name from a --prices file reaches the title of a table: shown as text, never markup."""
    from calculator.report.estimate import build_estimate_report
    from pricing import load_catalogue
    from reports import render

    evil = "<script>alert(1)</script>"
    prices = tmp_path / "evil.yaml"
    prices.write_text(f'models:\n  - id: claude-sonnet-4-6\n    display_name: "{evil}"\n', encoding="utf-8")
    r = build_estimate_report(load_catalogue([prices]), demo_workload())
    assert evil in r.tables[0].title
    html = render(r, "html")
    assert evil not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_escaping_in_charts_and_composite_titles(demo_report):
    from calculator.report.compose import compose
    from calculator.report.model import Chart, Series
    from reports.charts import render_svg
    from reports import render

    evil = "<script>alert(1)</script>"
    svg = render_svg(Chart("x", evil, "bar", [evil, "ok"], [Series(evil, [Decimal(1), Decimal(2)])]))
    assert evil not in svg and "&lt;script&gt;" in svg
    page = compose([demo_report, demo_report], title=evil)
    html = render(page, "html")
    assert evil not in html and "<script" not in html.lower()


def test_links_only_for_http_sources():
    from reports.html_format import safe_url

    assert safe_url("https://example.com/p") == "https://example.com/p"
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url("data:text/html,x") == ""


def test_a_bare_report_renders():
    """A report with no headline, charts or price sources still gets a page: its figures as
    cards, tables, assumptions, warnings."""
    from calculator.report.model import Column, Figure, Headline, Report, Table
    from reports import render

    r = Report(kind="usage", title="Usage in November", catalogue_version="2026-11-21",
               headline=Headline([Figure("Total", Decimal("12.35"))]),
               tables=[Table("models", "Spend by model", [Column("model", "Model"), Column("usd", "Cost", "money")],
                             [{"model": "claude-haiku-4-5", "usd": Decimal("12.345")}], caption="A caption")],
               assumptions=["An assumption"], warnings=["3 unpriced rows"])
    html = render(r, "html")
    for text in ("Usage in November", "Total", "$12.35", "Spend by model", "claude-haiku-4-5",
                 "A caption", "An assumption", "3 unpriced rows"):
        assert text in html
    assert "<svg" not in html


def test_composite_page_has_one_summary_and_every_part(catalogue, demo_report):
    from calculator.report.compose import compose
    from calculator.report.estimate import build_estimate_report
    from reports import render

    other = build_estimate_report(catalogue, demo_workload(model="claude-haiku-4-5", cached_prefix_tokens=0))
    page = compose([demo_report, other])
    assert page.kind == "composite"
    assert page.parts == [demo_report, other]
    # The first part leads the summary; the other is one line under it, linking to its part.
    lead = demo_report.headline
    assert page.headline.figures == lead.figures and page.headline.recommendation == lead.recommendation
    assert [(b.topic, b.part) for b in page.headline.others] == [("Workload estimate", 2)]
    html = render(page, "html")
    assert re.search(r'<li class="brief tone-\w+"><a href="#part-2-estimate">Workload estimate</a>', html)
    assert html.count("Executive summary") == 1
    assert html.count('class="section part ') == 2
    assert "Claude Haiku 4.5" in html and "Claude Sonnet 4.6" in html
    assert html.count("<svg") == 4
    # Table and markdown render the composite too.
    md = render(page, "markdown")
    assert md.count("### Breakdown by token type") == 2
    assert page.to_dict()["kind"] == "composite" and len(page.to_dict()["reports"]) == 2


def test_recommendation_reflects_the_numbers(catalogue):
    from calculator.report.estimate import build_estimate_report

    no_prefix = build_estimate_report(catalogue, demo_workload(cached_prefix_tokens=0)).headline
    assert no_prefix.recommendation.startswith("Move this workload to the Message Batches API")
    assert "prompt caching would cut the cost further" in no_prefix.recommendation
    demo = build_estimate_report(catalogue, demo_workload()).headline
    # At a 30% hit rate the 1h cache writes cost more than batch alone: the page says so.
    assert "more than batch alone" in demo.recommendation
    high = build_estimate_report(catalogue, demo_workload(cache_hit_rate=Decimal("0.95"), cache_ttl="5m")).headline
    assert "Even at a 30% cache hit rate" in high.recommendation


def test_break_even_hit_rate_is_where_caching_starts_to_pay(catalogue):
    from calculator.report.estimate import break_even_hit_rate
    from calculator.scenarios import estimate

    even = break_even_hit_rate(estimate(catalogue, demo_workload()))
    assert Decimal("0.52") < even < Decimal("0.53")
    for h, cheaper in ((even - Decimal("0.01"), False), (even + Decimal("0.01"), True)):
        e = estimate(catalogue, demo_workload(cache_hit_rate=h))
        assert (e.scenario("batch+cache").total < e.scenario("batch").total) is cheaper
    assert break_even_hit_rate(estimate(catalogue, demo_workload(cached_prefix_tokens=0))) is None
