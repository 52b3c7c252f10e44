"""The Rasa process's check of one action-server reply: stock Rasa (`jsonschema.validate`, which
re-checks the metaschema and builds a validator per call) against bot/action_schema.py (built once).

    PYTHONPATH=. .venv-rasa/bin/python bench/action_schema.py [--calls 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import jsonschema
from rasa.core.actions.action import RemoteAction

from bot.action_schema import validate_action_result

# A knowledge answer as the action server sends it: the answer, its buttons and custom json, the
# feedback question, and the slot it sets.
REPLY = {
    "events": [{"event": "slot", "timestamp": None, "name": "knowledge_topic", "value": "tour.imperial_city"}],
    "responses": [
        {"text": "Đại Nội Huế mở cửa từ 7:00 đến 17:30 hằng ngày.\nNguồn: https://hueworldheritage.org.vn",
         "buttons": [], "elements": [], "custom": {}, "template": None, "response": None, "image": None,
         "attachment": None},
        {"text": None, "buttons": [], "elements": [], "template": None, "response": None, "image": None,
         "attachment": None, "custom": {"kind": "knowledge_answer", "entry_id": "tour.imperial_city",
                                        "score": 0.83, "language": "vi", "source_url": "https://hueworldheritage.org.vn"}},
        {"text": "Thông tin này có hữu ích không?", "elements": [], "custom": {}, "template": None,
         "response": None, "image": None, "attachment": None,
         "buttons": [{"title": "👍", "payload": "/feedback_helpful"}, {"title": "👎", "payload": "/feedback_not_helpful"}]},
    ],
}


def per_call_ms(check, calls: int) -> list:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        check()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    spec = RemoteAction.action_response_format_spec()
    validate_action_result(REPLY)  # the one-time build, outside the timing
    rows = []
    for _ in range(3):  # interleaved rounds
        rows.append(("stock jsonschema.validate", per_call_ms(lambda: jsonschema.validate(REPLY, spec), args.calls)))
        rows.append(("validator built once", per_call_ms(lambda: validate_action_result(REPLY), args.calls)))
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8}   ({args.calls} calls x 3 rounds)")
    for name in ("stock jsonschema.validate", "validator built once"):
        times = sorted(t for label, ts in rows if label == name for t in ts)
        print(f"{name:28} {statistics.median(times):8.3f} {times[int(len(times) * 0.95)]:8.3f}")


if __name__ == "__main__":
    main()
