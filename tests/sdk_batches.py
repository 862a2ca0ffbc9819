"""Batch objects and results built with the anthropic SDK's own types, dumped as the API sends
them (``model_dump(mode="json")``), for the `batchcalc batches` tests.

Batch A (Sonnet 4.6, created 2026-11-02 09:00, ended 09:30: 1,800 s): a1 and a2 succeeded at the
batch tier (a1 writes 2,000 tokens to the 1-hour cache, a2 reads them), a3 errored
(overloaded_error, transient), a4 expired, a5 canceled, a6 errored (invalid_request_error).
Batch B (Haiku 4.5, created 2026-11-03 10:00, ended 12:30: 9,000 s, over an hour): b1 billed at
service_tier "standard" (no batch discount), b2 at "batch".
Batch C: still in progress.
"""

from __future__ import annotations

import datetime as dt
import json

from anthropic.types import Message
from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse

UTC = dt.timezone.utc


def batch(bid, created, ended=None, status="ended", **counts):
    rc = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0, **counts}
    return MessageBatch(id=bid, type="message_batch", processing_status=status, created_at=created,
                        expires_at=created + dt.timedelta(hours=24), ended_at=ended, request_counts=rc,
                        results_url=f"https://api.anthropic.com/v1/messages/batches/{bid}/results"
                        if ended else None).model_dump(mode="json")


def succeeded(cid, model, input_tokens, output_tokens, *, write_1h=0, read=0, tier="batch"):
    message = Message.model_validate({
        "id": f"msg_{cid}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "..."}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "cache_creation_input_tokens": write_1h, "cache_read_input_tokens": read,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": write_1h},
                  "server_tool_use": None, "service_tier": tier}})
    return MessageBatchIndividualResponse.model_validate(
        {"custom_id": cid, "result": {"type": "succeeded", "message": message.model_dump(mode="json")}}
    ).model_dump(mode="json")


def errored(cid, etype, message="..."):
    return MessageBatchIndividualResponse.model_validate(
        {"custom_id": cid, "result": {"type": "errored", "error": {
            "type": "error", "error": {"type": etype, "message": message}}}}).model_dump(mode="json")


def other(cid, rtype):
    return MessageBatchIndividualResponse.model_validate(
        {"custom_id": cid, "result": {"type": rtype}}).model_dump(mode="json")


A_CREATED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
B_CREATED = dt.datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
C_CREATED = dt.datetime(2026, 11, 4, 8, 0, tzinfo=UTC)

BATCH_A = batch("msgbatch_01A", A_CREATED, A_CREATED + dt.timedelta(minutes=30),
                succeeded=2, errored=2, canceled=1, expired=1)
BATCH_B = batch("msgbatch_01B", B_CREATED, B_CREATED + dt.timedelta(hours=2, minutes=30), succeeded=2)
BATCH_C = batch("msgbatch_01C", C_CREATED, None, status="in_progress", processing=5)

# In any order, as the API returns them.
RESULTS_A = [
    errored("a3", "overloaded_error", "Overloaded"),
    succeeded("a2", "claude-sonnet-4-6", 1000, 300, read=2000),
    other("a4", "expired"),
    succeeded("a1", "claude-sonnet-4-6", 1000, 200, write_1h=2000),
    other("a5", "canceled"),
    errored("a6", "invalid_request_error", "max_tokens: 999999 > 64000"),
]
RESULTS_B = [
    succeeded("b1", "claude-haiku-4-5", 10_000, 1_000, tier="standard"),
    succeeded("b2", "claude-haiku-4-5", 10_000, 1_000),
]


def jsonl(items) -> str:
    return "".join(json.dumps(x) + "\n" for x in items)


def write(tmp_path):
    """batches.json (A, B, C) and the results of A and B named after their ids."""
    (tmp_path / "batches.json").write_text(json.dumps([BATCH_A, BATCH_B, BATCH_C], indent=1))
    (tmp_path / "msgbatch_01A.jsonl").write_text(jsonl(RESULTS_A))
    (tmp_path / "msgbatch_01B.jsonl").write_text(jsonl(RESULTS_B))
    return tmp_path / "batches.json", tmp_path / "msgbatch_01A.jsonl", tmp_path / "msgbatch_01B.jsonl"
