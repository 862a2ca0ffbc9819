"""Keys never reach an output: the scrubber (calculator/scrub.py) on stderr and on every format."""

from __future__ import annotations

import io
import zipfile

import pytest

from calculator.scrub import REDACTED, scrub, scrub_output
from conftest import EXAMPLES

API_KEY = "sk-ant-api03-SCRUBME-5f2e1d0c9b8a7f6e5d4c3b2a1-NEVER-PRINT-THIS-ONE"
ADMIN_KEY = "sk-ant-admin01-ADMINSCRUB-aa11bb22cc33dd44ee55-NEVER"
FORMATS = ["table", "json", "csv", "markdown", "html", "xlsx", "focus"]


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)


def _no_piece(text: str, *keys: str) -> None:
    low = text.lower()
    for key in keys:
        for i in range(len(key) - 11):
            assert key[i:i + 12].lower() not in low, (key[i:i + 12], text[:500])


def test_the_key_whole_in_capitals_and_in_pieces(keys):
    text = (f"a {API_KEY} b {API_KEY.upper()} c {API_KEY[:-4]}**** d {API_KEY[13:25]} e "
            f"{ADMIN_KEY[5:40].lower()} f")
    clean = scrub(text)
    _no_piece(clean, API_KEY, ADMIN_KEY)
    assert clean.startswith("a [redacted] b ") and clean.endswith(" f")


def test_something_shaped_like_a_key_is_a_secret_too():
    """A key returned by an API as a model or workspace name: not one of ours, still scrubbed."""
    other = "sk-ant-api03-" + "Zq9" * 20
    assert scrub(f"workspace {other}!") == f"workspace {REDACTED}!"
    assert scrub(f"model {other.upper()}") == f"model {REDACTED}"


def test_short_pieces_and_ordinary_text_are_kept(keys):
    text = f"sk-ant is a prefix; {API_KEY[13:24]} is 11 characters; cost $12.50"
    assert scrub(text) == text


def test_a_key_in_text_that_is_not_ascii(keys):
    # Non-ASCII text is lower-cased letter by letter (ASCII letters only, so positions hold).
    text = f"≤ 200k {API_KEY.upper()} é {ADMIN_KEY[3:30]} 😀"
    assert scrub(text) == f"≤ 200k {REDACTED} é {REDACTED} 😀"


def test_half_characters_are_written_as_their_escape():
    # A lone surrogate (half a character, which no UTF-8 output can hold) becomes its JSON escape,
    # six ASCII characters; whole characters stay. The text is checked a slice at a time: the
    # only surrogate of the second text is past the first megabyte.
    assert scrub_output("≤ \ud800 é 😀 \udfff") == "≤ \\ud800 é 😀 \\udfff"
    far = "é" + "x" * (3 << 20)
    assert scrub_output(far + "\udc80!") == far + "\\udc80!"
    assert scrub_output(far + "😀") == far + "😀"
    assert scrub_output("plain ASCII") == "plain ASCII"


def test_a_workbook_is_scrubbed_member_by_member(keys):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<si><t>{API_KEY.upper()}</t></si>")
        z.writestr("xl/other.xml", "<x/>")
    clean = scrub_output(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        assert z.read("xl/sharedStrings.xml") == f"<si><t>{REDACTED}</t></si>".encode()
        assert z.read("xl/other.xml") == b"<x/>"


# FOCUS refuses a plan (not billing data): its keys are checked with usage output elsewhere.
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "focus"])
def test_a_key_in_a_workload_name_reaches_no_output(cli, keys, tmp_path, fmt):
    """A workloads file whose names and notes hold the key (pasted by mistake) and a key-shaped
    value: no piece of either in any format, written to a file or to standard output."""
    text = (EXAMPLES / "workloads.yaml").read_text()
    text = text.replace("nightly-doc-summaries", f"nightly-{API_KEY.upper()}", 1)
    text = text.replace("Summaries of the day's contracts", f"key {ADMIN_KEY[:-4]}****", 1)
    src = tmp_path / "w.yaml"
    src.write_text(text)
    out = tmp_path / f"plan.{fmt}"
    r = cli("plan", src, "--on", "2026-11-02", "-f", fmt, "-o", out)
    assert r.code == 0, r.err
    data = out.read_bytes()
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            data = b"".join(z.read(n) for n in z.namelist())
    _no_piece(data.decode("utf-8", "replace") + r.out + r.err, API_KEY, ADMIN_KEY)
    assert b"redacted" in data
    if fmt != "xlsx":
        r = cli("plan", src, "--on", "2026-11-02", "-f", fmt)
        assert r.code == 0, r.err
        _no_piece(r.out + r.err, API_KEY, ADMIN_KEY)


def test_a_key_in_an_error_message_is_scrubbed(cli, keys, tmp_path):
    """An unknown model spelled as the key: the one-line error names it redacted."""
    f = tmp_path / "r.jsonl"
    f.write_text('{"custom_id": "a", "params": {"model": "%s", "max_tokens": 5, '
                 '"messages": [{"role": "user", "content": "hi"}]}}\n' % API_KEY.lower())
    r = cli("count", f, "-O", "1", "--on", "2026-11-02")
    assert r.code == 1
    _no_piece(r.out + r.err, API_KEY)
    assert REDACTED in r.err



def test_a_key_as_a_workspace_reaches_no_focus_export(cli, keys, tmp_path):
    """FOCUS names the workspace in SubAccountId/SubAccountName: a key returned as a workspace id
    in usage data is scrubbed there too."""
    src = tmp_path / "usage.json"
    src.write_text((EXAMPLES / "usage_report.json").read_text().replace("wrkspc_support", API_KEY))
    out = tmp_path / "usage.focus.csv"
    r = cli("usage", src, "-o", out)
    assert r.code == 0, r.err
    data = out.read_text()
    _no_piece(data + r.out + r.err, API_KEY)
    assert REDACTED in data and "wrkspc_research" in data
