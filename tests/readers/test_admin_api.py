"""--from-api against a local fake Admin API server on 127.0.0.1: every page, the query, the key
never printed or written."""

import json
from decimal import Decimal

from fake_api import ADMIN_KEY as KEY


def test_from_api_reads_every_page(cli, fake_api, tmp_path):
    out = tmp_path / "usage.json"
    r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", "json", "-o", out)
    assert r.code == 0, r.err
    doc = json.loads(out.read_text())
    # the same buckets as examples/usage_report.json: see tests/engine/test_usage.py for the arithmetic
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("68.80")
    assert doc["pages_read"] == 2
    assert len(fake_api.requests) == 2
    path, query, headers = fake_api.requests[0]
    assert query["starting_at"] == ["2026-10-01T00:00:00Z"]
    assert query["ending_at"] == ["2026-10-03T00:00:00Z"]
    assert query["bucket_width"] == ["1d"]
    assert {"model", "service_tier", "context_window", "workspace_id", "api_key_id"} <= set(query["group_by[]"])
    assert fake_api.requests[1][1]["page"] == ["1"]  # the cursor of the first page, sent back
    # the key is sent in the header, and appears nowhere in what batchcalc prints or writes
    assert headers["x-api-key"] == KEY
    assert KEY not in r.out and KEY not in r.err and KEY not in out.read_text()
    for fmt in ("table", "csv", "markdown", "json"):
        r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", fmt)
        assert KEY not in r.out + r.err


def test_from_api_bad_key_is_one_line_without_the_key(cli, fake_api, monkeypatch):
    bad = "sk-ant-admin01-WRONG-key-9876543210"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", bad)
    r = cli("usage", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02")
    assert r.code == 1
    assert "HTTP 401" in r.err and "ANTHROPIC_ADMIN_KEY" in r.err
    assert bad not in r.err + r.out and r.err.count("\n") == 1


def test_from_api_needs_the_key_in_the_environment(cli, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    r = cli("usage", "--from-api")
    assert r.code == 1 and "ANTHROPIC_ADMIN_KEY" in r.err


def test_reconcile_from_api(cli, fake_api):
    """Usage and cost reports both fetched from the (fake) Admin API."""
    r = cli("reconcile", "--from-api", "--api", "legacy", "--since", "2026-10-01", "--until", "2026-10-02", "-f", "json")
    assert r.code == 3, r.err  # the planted discrepancy of examples/cost_report.json
    assert Decimal(r.json()["totals"]["residual_usd"]) == Decimal("15")
    assert {"/v1/organizations/cost_report", "/v1/organizations/usage_report/messages"} <= set(fake_api.paths())
    assert KEY not in r.out + r.err
