"""Benchmark: hotline console latency, from submitting a caller utterance to the suggestions returned.

python bench/hotline_latency.py [--utterances 200] [--model models/hue-assistant.tar.gz]

Starts both real servers on free loopback ports with a throwaway var/ and one agent account, signs in,
starts a call and posts the dev-set questions (tests/data/knowledge_dev.jsonl, in file order) one at a
time to POST /webhooks/hotline/webhook, as the console does. Each answer holds the Rasa parse (intent,
entities) and the top-3 knowledge suggestions. Prints the client-side p50/p95/max and the server-side
share (`elapsed_ms` in each answer).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.launcher import free_port, running_servers  # noqa: E402
from bot.settings import Settings  # noqa: E402
from channels.hotline_auth import hash_password  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "tests/data/knowledge_dev.jsonl").read_text().splitlines()]
    questions = [row["q"] for row in rows][: args.utterances]
    with tempfile.TemporaryDirectory() as var_dir:
        settings = Settings.from_env({
            "HUE_VAR_DIR": var_dir, "ACTION_PORT": str(free_port()), "RASA_PORT": str(free_port()),
            "HOTLINE_USERS": f"{USER}:agent:{hash_password(PASSWORD)}",
            "HUE_INDEX_DIR": str(ROOT / "var" / "knowledge-index")})
        with running_servers(settings, args.model, log_dir=Path(var_dir) / "logs") as servers, \
                httpx.Client(base_url=f"{servers.rasa_url}/webhooks/hotline", timeout=60) as client:
            assert client.post("/login", json={"username": USER, "password": PASSWORD}).status_code == 200
            call_id = client.post("/calls", json={}).json()["call_id"]
            for text in ("xin chào", "làm căn cước ở đâu", "giờ mở cửa Đại Nội")[: args.warmup]:
                client.post("/webhook", json={"call_id": call_id, "text": text})
            total, server = [], []
            for text in questions:
                start = time.perf_counter()
                response = client.post("/webhook", json={"call_id": call_id, "text": text})
                total.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
                result = response.json()
                assert len(result["suggestions"]["items"]) == 3
                server.append(result["elapsed_ms"])
    report = {"utterances": len(total),
              "p50_ms": round(statistics.median(total), 1), "p95_ms": round(percentile(total, 95), 1),
              "max_ms": round(max(total), 1), "server_p50_ms": round(statistics.median(server), 1),
              "server_p95_ms": round(percentile(server, 95), 1), "target_p95_ms": 300}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
