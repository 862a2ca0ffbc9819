"""The catalogue: coverage, spellings, the batch-is-half rule, user layers, validation errors."""

import datetime as dt
import typing
from decimal import Decimal as D

import pytest

from calculator.errors import CatalogueError, UnpricedModelError
from pricing import TOKEN_TYPES, load_catalogue

TODAY = dt.date(2026, 11, 21)


def all_rate_sets(catalogue):
    for m in catalogue.models:
        for card in m.rate_cards:
            yield m.id, card.status, card.standard, card.batch
            for tier in card.long_context:
                yield m.id, card.status, tier.standard, tier.batch


def test_batch_is_exactly_half_of_standard_for_every_confirmed_card(catalogue):
    checked = 0
    for model, status, std, batch in all_rate_sets(catalogue):
        if status != "confirmed":
            continue
        for t in TOKEN_TYPES:
            assert batch.get(t) * 2 == std.get(t), (model, t)
            checked += 1
    assert checked > 100


def test_batch_cache_read_is_5_percent_of_standard_input_where_read_is_the_usual_tenth(catalogue):
    usual = 0
    for model, status, std, batch in all_rate_sets(catalogue):
        if std.cache_read == std.input * D("0.1"):
            assert batch.cache_read == std.input * D("0.05"), model
            assert batch.cache_write_5m == std.input * D("0.625"), model
            assert batch.cache_write_1h == std.input, model
            usual += 1
    assert usual > 20
    # The documented exception: Opus 5.5 reads at 0.05x input, so batch reads at 0.025x.
    c = catalogue.rate_card("claude-opus-5-5", TODAY)
    assert (c.standard.cache_read, c.batch.cache_read) == (D("0.20"), D("0.10"))


def test_every_sdk_model_is_priced_or_explicitly_unpriced(catalogue):
    anthropic_types = pytest.importorskip("anthropic.types")
    ids = [a for a in typing.get_args(anthropic_types.Model) if isinstance(a, str)]
    if not ids:  # newer SDKs: Model = Union[Literal[...], str]
        ids = [x for arg in typing.get_args(anthropic_types.Model) for x in typing.get_args(arg)]
    assert len(ids) > 10
    for model_id in ids:
        try:
            card = catalogue.rate_card(model_id, TODAY)
            assert card.standard.input > 0
        except UnpricedModelError as exc:
            assert exc.reason


@pytest.mark.parametrize("spelling", [
    "claude-haiku-4-5", "claude-haiku-4-5-20251001", "anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0", "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "claude-haiku-4-5@20251001", "Claude Haiku 4.5", "CLAUDE-HAIKU-4-5",
])
def test_every_spelling_resolves_to_one_entry(catalogue, spelling):
    assert catalogue.model(spelling).id == "claude-haiku-4-5-20251001"


def test_versions_and_metadata(catalogue):
    assert catalogue.version == "2026-11-21"
    m = catalogue.model("claude-sonnet-4-6")
    assert catalogue.min_cacheable("claude-sonnet-4-6", dt.date(2026, 3, 1)) == 2048
    assert catalogue.min_cacheable("claude-sonnet-4-6", TODAY) == 1024
    assert m.tokenizer != catalogue.model("claude-opus-4-7").tokenizer


def test_user_layer_overrides_from_its_date_only(tmp_path):
    f = tmp_path / "negotiated.yaml"
    f.write_text("""
models:
  - id: claude-sonnet-4-6
    rate_cards:
      - effective_from: 2026-10-01
        source: contract 2026-Q4
        checked: 2026-10-01
        status: confirmed
        standard: {input: 2.7, output: 13.5, cache_write_5m: 3.375, cache_write_1h: 5.4, cache_read: 0.27}
        batch: {input: 1.35, output: 6.75, cache_write_5m: 1.6875, cache_write_1h: 2.7, cache_read: 0.135}
""")
    cat = load_catalogue(f)
    assert cat.rate_card("claude-sonnet-4-6", dt.date(2026, 10, 1)).standard.input == D("2.7")
    assert cat.rate_card("claude-sonnet-4-6", dt.date(2026, 9, 30)).standard.input == D("3")
    assert cat.version.endswith("+custom")


def test_user_layer_can_add_a_model(tmp_path):
    f = tmp_path / "extra.yaml"
    f.write_text("""
models:
  - id: claude-internal-test
    display_name: Internal Test
    family: haiku
    min_cacheable_tokens: 1024
    tokenizer: claude-2026
    tool_use_overhead_tokens: 0
    rate_cards:
      - effective_from: 2026-01-01
        source: internal
        checked: 2026-01-01
        status: unconfirmed
        standard: {input: 1, output: 2, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1}
        batch: {input: 0.5, output: 1, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05}
""")
    assert load_catalogue(f).rate_card("claude-internal-test", TODAY).standard.output == D("2")


def test_invalid_price_file_names_the_file_and_the_key(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("""
models:
  - id: claude-sonnet-4-6
    rate_cards:
      - effective_from: 2026-10-01
        source: x
        checked: 2026-10-01
        status: confirmed
        standard: {input: 2.7, output: 13.5, cache_write_5m: 3.375, cache_write_1h: 5.4, cache_read: 0.27}
        batch: {inptu: 1.35, output: 6.75, cache_write_5m: 1.6875, cache_write_1h: 2.7, cache_read: 0.135}
""")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(f)
    msg = str(exc.value)
    assert str(f) in msg and "rate_cards[0].batch" in msg and "inptu" in msg


def test_price_yaml_is_loaded_safely(tmp_path):
    f = tmp_path / "evil.yaml"
    f.write_text("models: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(f)
