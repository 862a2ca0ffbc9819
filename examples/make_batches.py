"""Generate the Message Batches examples with the anthropic SDK's own types, as saved from the API:

- examples/batches.json: two batch objects (``client.messages.batches.retrieve`` dumped as JSON);
- examples/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl: the results of examples/requests.jsonl (200
  tickets, Sonnet 4.6, ended in 36 minutes): the first request writes the 1-hour cached policy,
  the others read it; 3 overloaded_error, 1 invalid_request_error, 2 expired;
- examples/msgbatch_01JqXb4M8pRZt2wNcE7uYd3F.jsonl: 50 nightly summaries on Haiku 4.5 that took
  1 h 22 min (flagged over an hour), all succeeded.

Deterministic: re-running it rewrites the same files.

    python examples/make_batches.py
"""

import datetime as dt
import json
import random
from pathlib import Path

from anthropic.types import Message
from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse

HERE = Path(__file__).parent
UTC = dt.timezone.utc
TICKETS = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
SUMMARIES = "msgbatch_01JqXb4M8pRZt2wNcE7uYd3F"
POLICY_TOKENS = 2_310  # the cached system prompt, as the API would count it


def message(cid, model, usage):
    return Message.model_validate({
        "id": f"msg_{cid}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "{...}"}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": usage}).model_dump(mode="json", exclude_none=True)


def usage(input_tokens, output_tokens, write_1h=0, read=0):
    return {"input_tokens": input_tokens, "output_tokens": output_tokens,
            "cache_creation_input_tokens": write_1h, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": write_1h},
            "service_tier": "batch"}


def line(cid, result):
    return json.dumps(MessageBatchIndividualResponse.model_validate(
        {"custom_id": cid, "result": result}).model_dump(mode="json", exclude_none=True)) + "\n"


def batch(bid, created, minutes, counts):
    return MessageBatch(
        id=bid, type="message_batch", processing_status="ended", created_at=created,
        expires_at=created + dt.timedelta(hours=24), ended_at=created + dt.timedelta(minutes=minutes),
        request_counts={"processing": 0, **counts},
        results_url=f"https://api.anthropic.com/v1/messages/batches/{bid}/results").model_dump(mode="json")


def main():
    rng = random.Random(15)
    overloaded = {"ticket-00017", "ticket-00088", "ticket-00131"}
    expired = {"ticket-00196", "ticket-00199"}
    invalid = "ticket-00142"
    lines = []
    counts = {"succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    first = True
    for i in range(1, 201):
        cid = f"ticket-{i:05d}"
        if cid in overloaded:
            result = {"type": "errored", "error": {"type": "error", "error": {
                "type": "overloaded_error", "message": "Overloaded"}}}
            counts["errored"] += 1
        elif cid == invalid:
            result = {"type": "errored", "error": {"type": "error", "error": {
                "type": "invalid_request_error", "message": "messages.0.content: text content blocks must be non-empty"}}}
            counts["errored"] += 1
        elif cid in expired:
            result = {"type": "expired"}
            counts["expired"] += 1
        else:
            u = usage(rng.randint(60, 420), rng.randint(38, 96), write_1h=POLICY_TOKENS if first else 0,
                      read=0 if first else POLICY_TOKENS)
            first = False
            result = {"type": "succeeded", "message": message(cid, "claude-sonnet-4-6", u)}
            counts["succeeded"] += 1
        lines.append((rng.random(), line(cid, result)))
    lines.sort()  # results come back in any order
    (HERE / f"{TICKETS}.jsonl").write_text("".join(l for _, l in lines))

    summaries = [line(f"night-{i:03d}", {"type": "succeeded", "message": message(
        f"night-{i:03d}", "claude-haiku-4-5", usage(rng.randint(5_000, 18_000), rng.randint(300, 700)))})
        for i in range(1, 51)]
    (HERE / f"{SUMMARIES}.jsonl").write_text("".join(summaries))

    objects = [batch(TICKETS, dt.datetime(2026, 11, 2, 14, 5, 11, tzinfo=UTC), 36, counts),
               batch(SUMMARIES, dt.datetime(2026, 11, 3, 1, 0, 4, tzinfo=UTC), 82,
                     {"succeeded": 50, "errored": 0, "canceled": 0, "expired": 0})]
    (HERE / "batches.json").write_text(json.dumps(objects, indent=2) + "\n")


if __name__ == "__main__":
    main()
