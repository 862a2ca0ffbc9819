"""`usage` and `reconcile` with --from-api on the Analytics API (the default) against the fake
server, --save-responses replayed offline, and the same month through the legacy Admin API
report files giving the same totals."""

from __future__ import annotations

import json
from decimal import Decimal

from fake_api import ADMIN_KEY
from conftest import EXAMPLES

OCTOBER = ("--since", "2026-10-01", "--until", "2026-10-31")

# The month of examples/usage_report.json (tests/engine/test_usage.py has the row-by-row arithmetic):
# $68.80 at the published rates; Mythos Preview has no published price (unpriced, not $0).
USAGE_TOTALS = {"cost_usd": Decimal("68.80"), "standard_equivalent_usd": Decimal("104.20"),
                "realised_batch_savings_usd": Decimal("35.40")}
# examples/cost_report.json bills $86.05; the two Mythos lines ($1.50 + $0.75) cannot be checked,
# so $83.80 is reconciled against $68.80 expected: the planted discrepancy is Sonnet batch input
# billed at the standard rate, 10M x ($3.00 - $1.50) / 1M = $15.00.
RECONCILE_TOTALS = {"expected_usd": Decimal("68.80"), "billed_usd": Decimal("83.80"),
                    "residual_usd": Decimal("15.00")}


def totals(doc, keys):
    return {k: Decimal(doc["totals"][k]) for k in keys}


def test_usage_from_the_analytics_api_equals_the_legacy_report(cli, fake_api):
    new = cli("usage", "--from-api", *OCTOBER, "-f", "json")
    assert new.code == 0, new.err
    legacy = cli("usage", EXAMPLES / "usage_report.json", "-f", "json")
    assert totals(new.json(), USAGE_TOTALS) == totals(legacy.json(), USAGE_TOTALS) == USAGE_TOTALS
    assert fake_api.requests[0][0] == "/v1/organizations/analytics/usage"
    assert ADMIN_KEY not in new.out + new.err


def test_reconcile_from_the_analytics_api_equals_the_legacy_reports(cli, fake_api):
    new = cli("reconcile", "--from-api", *OCTOBER, "-f", "json")
    legacy = cli("reconcile", EXAMPLES / "usage_report.json", EXAMPLES / "cost_report.json", "-f", "json")
    # exit 3: the planted discrepancy is outside tolerance, both ways
    assert new.code == legacy.code == 3, new.err
    assert totals(new.json(), RECONCILE_TOTALS) == totals(legacy.json(), RECONCILE_TOTALS) == RECONCILE_TOTALS
    assert {p for p, _, _ in fake_api.requests} == {"/v1/organizations/analytics/usage",
                                                         "/v1/organizations/analytics/cost"}


def test_the_same_month_through_the_legacy_api_and_the_analytics_api(cli, fake_api):
    for command, expected in (("usage", USAGE_TOTALS), ("reconcile", RECONCILE_TOTALS)):
        new = cli(command, "--from-api", *OCTOBER, "-f", "json")
        legacy = cli(command, "--from-api", "--api", "legacy", *OCTOBER, "-f", "json")
        assert new.code == legacy.code and new.code in (0, 3), (new.err, legacy.err)
        assert totals(new.json(), expected) == totals(legacy.json(), expected) == expected
    paths = [p for p, _, _ in fake_api.requests]
    # the legacy reports came one daily bucket a page: two pages of each
    assert paths.count("/v1/organizations/usage_report/messages") == 4  # usage, then reconcile
    assert paths.count("/v1/organizations/cost_report") == 2
    assert paths.count("/v1/organizations/analytics/usage") == 2 and paths.count("/v1/organizations/analytics/cost") == 1


def test_save_responses_then_the_same_run_offline(cli, fake_api, tmp_path):
    run = tmp_path / "2026-10"
    live = cli("reconcile", "--from-api", *OCTOBER, "--save-responses", run, "-f", "json")
    assert live.code == 3, live.err
    served = len(fake_api.requests)
    offline_reconcile = cli("reconcile", run, "-f", "json")
    offline_usage = cli("usage", run, "-f", "json")
    assert len(fake_api.requests) == served  # offline: the server was not asked again
    assert totals(offline_reconcile.json(), RECONCILE_TOTALS) == RECONCILE_TOTALS
    assert totals(offline_usage.json(), USAGE_TOTALS) == USAGE_TOTALS
    assert offline_reconcile.json()["lines"] == live.json()["lines"]
    assert not any(ADMIN_KEY in p.read_text() for p in run.iterdir())


def test_saved_pages_are_read_as_usage_and_not_mixed(cli, tmp_path):
    assert totals(cli("usage", EXAMPLES / "analytics", "-f", "json").json(), USAGE_TOTALS) == USAGE_TOTALS
    # the same month as the Admin API report: refused, not summed
    r = cli("usage", EXAMPLES / "analytics", EXAMPLES / "usage_report.json")
    assert r.code == 1 and "the same usage given twice" in r.err and "examples/analytics both hold" in r.err
    r = cli("usage", EXAMPLES / "analytics" / "analytics_cost_2026-10_p1.json")
    assert r.code == 1 and "analytics_cost_2026-10_p1.json: this is Usage and Cost Analytics API cost pages " \
                           "(JSON), not usage" in r.err


def test_an_expired_cursor_is_one_line_saying_to_rerun(cli, fake_api, monkeypatch):
    from calculator.readers import analytics_api as client

    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    fake_api.expire_cursor = "cur-2"
    r = cli("usage", "--from-api", *OCTOBER)
    assert r.code == 1
    assert r.err == ("batchcalc: error: Analytics API /v1/organizations/analytics/usage: the page cursor "
                     "expired (HTTP 410) after 1 page(s): rerun the command to fetch from the first page\n")


def test_save_responses_is_only_for_the_analytics_api(cli, tmp_path):
    r = cli("usage", EXAMPLES / "usage_report.json", "--save-responses", tmp_path / "x")
    assert r.code == 2 and "--save-responses" in r.err
    r = cli("reconcile", "--from-api", "--api", "legacy", "--save-responses", tmp_path / "x")
    assert r.code == 2 and not (tmp_path / "x").exists()


def test_a_missing_field_through_the_cli(cli, fake_api):
    fake_api.drop = ("output_tokens",)
    r = cli("usage", "--from-api", *OCTOBER)
    assert r.code == 1
    assert r.err == "batchcalc: error: Analytics API usage: row 1 (page 1, data[0]): no usage.output_tokens\n"


def test_report_from_the_analytics_api_has_the_usage_and_the_reconciliation(cli, fake_api, tmp_path):
    out = tmp_path / "page.json"
    r = cli("report", "--from-api", *OCTOBER, "-f", "json", "-o", out)
    assert r.code == 3, r.err  # the planted discrepancy, as reconcile
    parts = {p["kind"]: p for p in json.loads(out.read_text())["reports"]}
    assert totals(parts["usage"], USAGE_TOTALS) == USAGE_TOTALS
    assert totals(parts["reconcile"], RECONCILE_TOTALS) == RECONCILE_TOTALS
    # one fetch of each endpoint serves both parts; a row is not counted twice
    assert fake_api.pages_served("usage") == fake_api.pages_served("cost") == 1
    assert parts["reconcile"]["usage_rows"] == parts["usage"]["rows_used"]
