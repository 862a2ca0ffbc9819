"""The report as a person sees it: opened in a real headless Chromium.

Needs Debian's `chromium` (`apt-get install chromium`; or set BATCHCALC_CHROMIUM to a Chrome or
Chromium binary) and the `playwright` Python package from the test extras, which drives that
browser (no browser download). Without them these tests skip, saying how to enable them; under
CI=true a skip is a failure (tests/conftest.py), and .ci/run installs chromium when missing.
"""

from __future__ import annotations

from conftest import EXAMPLES, run_cli
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


pytestmark = pytest.mark.browser

HOW = ("install Chromium with `apt-get install chromium` (Debian/Ubuntu) or set BATCHCALC_CHROMIUM "
       "to a Chrome/Chromium binary, and install the test extras (`pip install -e '.[test]'`, which "
       "brings playwright); `make test` then runs the browser tests")
QUIET_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
               "--disable-default-apps", "--hide-scrollbars"]
DEMO = ["-m", "claude-sonnet-4-6", "-n", "10000", "-i", "2500", "-O", "200", "-p", "2000",
        "--cache-ttl", "1h", "--on", "2026-11-21"]


def chromium_path() -> str | None:
    env = os.environ.get("BATCHCALC_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(f"headless Chromium not found: {HOW}")
    return path


PAGES = {
    # name: (arguments of `batchcalc report`, the headline figures, number of charts)
    "estimate": (DEMO, ["$105.00", "$52.50", "$46.03", "$58.97"], 2),
    "plan": ([str(EXAMPLES / "workloads.yaml"), "--on", "2026-11-21"],
             ["$9,028.86", "$5,301.93", "$4,597.55", "$4,431.31"], 3),
}


@pytest.fixture(scope="module", params=sorted(PAGES))
def page_spec(request, tmp_path_factory):
    args, figures, charts = PAGES[request.param]
    out = tmp_path_factory.mktemp(request.param) / "savings-report.html"
    assert run_cli("--quiet", "report", *args, "-o", str(out)).code == 0
    return out, figures, charts


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "savings-report.html"
    assert run_cli("--quiet", "report", *DEMO, "-o", str(out)).code == 0
    return out


@pytest.fixture(scope="module")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"the playwright package is not installed: {HOW}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


def open_page(browser, path: Path, width: int, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems, requests


def test_summary_figures_and_charts_visible_on_a_laptop(browser, page_spec):
    report_html, expected, n_charts = page_spec
    page, problems, requests = open_page(browser, report_html, 1280)
    figures = page.locator(".figure-value")
    assert figures.all_inner_texts() == expected
    for i in range(4):
        assert figures.nth(i).is_visible()
        assert figures.nth(i).bounding_box()["y"] < 900, "headline figures must be above the fold"
    assert page.locator(".recommendation").is_visible()
    # Every chart is drawn: visible, sized, with bars in it.
    charts = page.locator("svg.chart-svg")
    assert charts.count() == n_charts
    for i in range(n_charts):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 300 and box["height"] > 150
        assert charts.nth(i).locator("path").count() > 10
    assert page.locator("#methodology").get_by_text("confirmed").first.is_visible()
    assert problems == []
    assert requests == [report_html.as_uri()], "the page must fetch nothing"
    page.close()


def test_fits_a_phone(browser, page_spec, tmp_path):
    report_html = page_spec[0]
    page, problems, _ = open_page(browser, report_html, 390, 844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone: horizontal overflow"
    for el in page.locator(".figure-value, svg.chart-svg, h1").all():
        box = el.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator(".figure-value").first.is_visible()
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    assert problems == []
    page.close()


def test_print_to_pdf(browser, report_html, tmp_path):
    page, problems, _ = open_page(browser, report_html, 1280)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    # A page per section: summary; charts and breakdown; methodology (+ warnings when none).
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages >= 3, f"expected a page per section, got {pages} pages"
    assert problems == []
    page.close()


def test_console_errors_are_caught(browser, tmp_path):
    """The check above would see an error: a page with a failing script reports it."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("boom"); missing();</script>')
    page, problems, _ = open_page(browser, bad, 800)
    assert any("boom" in p for p in problems) and any("missing" in p for p in problems)
    page.close()


def test_chromium_cli_screenshot_and_pdf(chromium, report_html, tmp_path):
    """Chromium's own --screenshot / --print-to-pdf / --dump-dom, without any driver."""
    shot, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    base = [chromium, *QUIET_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr", "--v=0"]
    url = report_html.as_uri()
    runs = [
        subprocess.run([*base, "--window-size=1280,2000", f"--screenshot={shot}", url],
                       capture_output=True, text=True, timeout=120),
        subprocess.run([*base, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url],
                       capture_output=True, text=True, timeout=120),
        subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120),
    ]
    for r in runs:
        assert r.returncode == 0, r.stderr[-2000:]
        # Any console message (a script, a blocked load, a CSP violation) is a problem here.
        assert "CONSOLE" not in r.stderr, [l for l in r.stderr.splitlines() if "CONSOLE" in l]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    dom = runs[2].stdout
    for figure in ("$105.00", "$52.50", "$46.03", "$58.97"):
        assert figure in dom
    assert dom.count("<svg") == 2


# -- the demo page: plan, sample requests, usage and reconciliation on one page (`make demo`) ----

DEMO_PAGE_ARGS = [str(EXAMPLES / "workloads.yaml"), str(EXAMPLES / "requests.jsonl"),
                  str(EXAMPLES / "usage_report.json"), str(EXAMPLES / "cost_report.json"),
                  "--output-tokens", "60", "--scale-to", "300000", "--per", "month", "--on", "2026-11-21"]


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "savings-report.html"
    # The planted discrepancy of examples/cost_report.json: the page is written, exit code 3.
    assert run_cli("--quiet", "report", *DEMO_PAGE_ARGS, "-o", str(out)).code == 3
    return out


def test_demo_page_summary_charts_and_flagged_lines(browser, demo_page):
    page, problems, requests = open_page(browser, demo_page, 1280)
    # One executive summary: the plan's four figures above the fold, then one line per other part.
    assert page.locator("section.summary").count() == 1
    figures = page.locator("#summary .figure-value")
    assert figures.all_inner_texts() == ["$9,028.86", "$5,301.93", "$4,597.55", "$4,431.31"]
    for i in range(4):
        assert figures.nth(i).is_visible() and figures.nth(i).bounding_box()["y"] < 900
    assert page.locator("#summary .recommendation").is_visible()
    briefs = page.locator("#summary .also-list li").all_inner_texts()
    assert [b.split(":")[0] for b in briefs] == ["Sample workload", "Actual usage", "Invoice check"]
    assert "1 line outside tolerance, $15.00 over" in briefs[2]
    # Each brief links to its part.
    for link in page.locator("#summary .also-list a").all():
        target = link.get_attribute("href")
        assert page.locator(target).count() == 1
    # Every chart of every part: plan 3, sample 1 (cost by scenario), usage 4, reconciliation 1.
    charts = page.locator("svg.chart-svg")
    assert charts.count() == 9
    for i in range(9):
        charts.nth(i).scroll_into_view_if_needed()
        box = charts.nth(i).bounding_box()
        assert box["width"] > 300 and box["height"] > 150
        # Drawn: axes, grid and bars or lines (a one-month stacked bar has the fewest shapes).
        assert charts.nth(i).locator("path").count() >= 8
    for chart_id in ("cost_by_scenario", "cost_by_month", "cost_by_model", "expected_vs_billed"):
        assert page.locator(f"figure[id$='-{chart_id}'] svg").count() == 1, chart_id
    # The reconciliation: the line outside tolerance with its diagnosis, in a table.
    bad = page.locator("[id$='-outside_tolerance'] tbody tr")
    assert bad.count() == 1
    assert "standard rate" in bad.inner_text()
    assert problems == []
    assert requests == [demo_page.as_uri()], "the page must fetch nothing"
    page.close()


def test_demo_page_fits_a_phone_and_prints(browser, demo_page, tmp_path):
    page, problems, _ = open_page(browser, demo_page, 390, 844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone: horizontal overflow"
    assert page.locator(".figure-value").first.is_visible()
    # On a phone the flagged line is a card: its diagnosis is on screen, not scrolled away.
    diag = page.locator("[id$='-outside_tolerance'] td").last
    diag.scroll_into_view_if_needed()
    box = diag.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages >= 6, f"expected a page per section (summary, 4 parts, methodology), got {pages}"
    assert problems == []
    page.close()


# -- no table wider than its box, at 1280 px and on a 390 px phone (cards) -----------------------

TABLE_WIDTHS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return [...document.querySelectorAll('table')].map(t => {
    const box = t.closest('.table-wrap') || t.parentElement;
    const section = t.closest('section');
    return {id: (t.closest('[id]') || {}).id, table: Math.ceil(t.scrollWidth), box: box.clientWidth,
            right: t.getBoundingClientRect().right, sectionRight: section.getBoundingClientRect().right,
            display: getComputedStyle(t).display, cards: t.classList.contains('cards')};
  });
}"""


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory) -> Path:
    """The hand-built page of tests/report/report_samples.py: plan, usage (workspace and API key columns,
    formula-like names), reconciliation (flagged lines first, matched lines folded by day)."""
    import report_samples

    from reports import render

    out = tmp_path_factory.mktemp("samples") / "samples.html"
    out.write_text(render(report_samples.composite(), "html"), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def prices_page(tmp_path_factory) -> Path:
    """The widest table batchcalc prints: every rate card, 15 columns."""
    out = tmp_path_factory.mktemp("prices") / "prices.html"
    assert run_cli("--quiet", "prices", "--on", "2026-11-21", "-o", str(out)).code == 0
    return out


BATCHES_PAGE_ARGS = [str(EXAMPLES / "usage_report.json"), str(EXAMPLES / "batches.json"),
                     str(EXAMPLES / "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl"),
                     str(EXAMPLES / "msgbatch_01JqXb4M8pRZt2wNcE7uYd3F.jsonl"), "--on", "2026-11-21"]


@pytest.fixture(scope="module")
def batches_page(tmp_path_factory) -> Path:
    """Usage and the Batches part (examples/batches.json and its two results files) on one page."""
    out = tmp_path_factory.mktemp("batches") / "batches.html"
    assert run_cli("--quiet", "report", *BATCHES_PAGE_ARGS, "-o", str(out)).code == 0
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_batches_part_charts_and_total_row_visible(browser, batches_page, width, tmp_path):
    page, problems, requests = open_page(browser, batches_page, width, 900 if width > 600 else 844)
    part = page.locator("section.part-batches")
    assert part.count() == 1
    for chart in ("turnaround", "savings", "error_rate"):
        svg = part.locator(f"figure[id$='-{chart}'] svg")
        svg.scroll_into_view_if_needed()
        assert svg.is_visible() and svg.bounding_box()["width"] > 300, chart
    # Both example batches are flagged; the Total row sums them and is shown, not folded away.
    ran = part.locator("[id$='-batches-batches']")
    total = ran.locator(":scope > .table-wrap tr.total")
    assert total.count() == 1
    total.scroll_into_view_if_needed()
    assert total.is_visible()
    # 194 + 50 succeeded; 4 errored of 250 requests: 1.6%.
    text = total.inner_text()
    assert "Total" in text and "244" in text and "1.6%" in text
    assert ran.locator("details").count() == 0
    costs = part.locator("[id$='-batches-costs'] tr.total")
    costs.scroll_into_view_if_needed()
    assert costs.is_visible() and "$0.58" in costs.inner_text()  # $0.582257 saved in all
    page.screenshot(path=str(tmp_path / f"batches-{width}.png"), full_page=True)
    assert problems == []
    assert requests == [batches_page.as_uri()], "the page must fetch nothing"
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("which", ["sample_page", "demo_page", "prices_page", "batches_page"])
def test_no_table_is_wider_than_its_box(browser, request, which, width, tmp_path):
    path = request.getfixturevalue(which)
    page, problems, _ = open_page(browser, path, width, 900 if width > 600 else 844)
    tables = page.evaluate(TABLE_WIDTHS)
    assert tables
    for t in tables:
        assert t["table"] <= t["box"] + 1, f"{which} at {width}px: {t['id']} is {t['table']}px in a {t['box']}px box"
        assert t["right"] <= t["sectionRight"] + 1, t
        if width == 390 and t["cards"]:
            assert t["display"] == "block", t  # one card per row, not a squeezed grid
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot = tmp_path / f"{which}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert problems == []
    page.close()


def test_matched_lines_are_folded_and_the_exceptions_open(browser, sample_page):
    page, problems, _ = open_page(browser, sample_page, 1280)
    block = page.locator("[id$='-reconcile-lines']")
    # The two lines to query are visible; the matched lines wait in one <details> per day.
    visible = block.locator(":scope > .table-wrap tbody tr")
    assert visible.count() == 2 and "$15.00" in visible.first.inner_text()
    folds = block.locator("details")
    assert folds.count() == 3
    assert not folds.first.locator("tbody tr").first.is_visible()
    folds.first.locator("summary").click()
    assert folds.first.locator("tbody tr").first.is_visible()
    assert problems == []
    page.close()
