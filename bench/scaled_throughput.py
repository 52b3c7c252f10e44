"""Benchmark: throughput of the scaled mode (bot/scaled.py: HAProxy, N Rasa, M action servers, trackers
and ordered locks in Redis) with 20 simultaneous users, for 1 and 2 Rasa instances.

python bench/scaled_throughput.py [--users 20] [--turns 10] [--rasa 1 2] [--actions 1]

Each user is its own conversation over REST through HAProxy and sends `--turns` messages one after the
other (the next when the reply came), drawn in order from the knowledge dev-set questions (each goes
through NLU, dialogue and the knowledge search on the action server). Prints messages per second and
the client-side p50/p95 latency per configuration. Needs Redis (REDIS_URL, default the local one) and
HAProxy; the report store is a throwaway SQLite file (one action server) or DATABASE_URL.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.launcher import free_port  # noqa: E402
from bot.scaled import running_topology  # noqa: E402
from bot.settings import Settings  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def load(url: str, users: int, turns: int, questions, run: str):
    latencies, failures = [], {}

    async def user(number: int, client: httpx.AsyncClient):
        for turn in range(turns):
            text = questions[(number * turns + turn) % len(questions)]
            start = time.perf_counter()
            response = await client.post(f"{url}/webhooks/rest/webhook",
                                         json={"sender": f"bench-{run}-{number}", "message": text})
            latencies.append(time.perf_counter() - start)
            kind = (f"HTTP {response.status_code}" if response.status_code != 200 else
                    "no text" if not any("text" in r for r in response.json()) else None)
            if kind:
                failures.setdefault(kind, []).append(text)

    async with httpx.AsyncClient(timeout=300) as client:
        start = time.perf_counter()
        await asyncio.gather(*(user(n, client) for n in range(users)))
        return time.perf_counter() - start, latencies, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--rasa", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--actions", type=int, default=1)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "tests/data/knowledge_dev.jsonl").read_text().splitlines()]
    questions = [row["q"] for row in rows]
    prefix = f"huebench{uuid.uuid4().hex[:8]}"
    for instances in args.rasa:
        with tempfile.TemporaryDirectory() as var_dir:
            env = {"HUE_VAR_DIR": var_dir, "ACTION_PORT": str(free_port()), "RASA_PORT": str(free_port()),
                   "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
                   "HUE_REDIS_PREFIX": prefix, "HUE_INDEX_DIR": str(ROOT / "var" / "knowledge-index")}
            if os.environ.get("DATABASE_URL"):
                env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            settings = Settings.from_env(env)
            with running_topology(settings, args.model, instances, args.actions,
                                  log_dir=Path(var_dir) / "logs") as topology:
                asyncio.run(load(topology.rasa_url, 2, 2, questions, "warmup"))
                elapsed, latencies, failures = asyncio.run(
                    load(topology.rasa_url, args.users, args.turns, questions, uuid.uuid4().hex[:6]))
        count = len(latencies)
        print(f"{instances} Rasa + {args.actions} action server(s), {args.users} users x {args.turns} turns: "
              f"{count / elapsed:.1f} messages/s ({count} in {elapsed:.1f} s), p50 "
              f"{percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, "
              f"failed {sum(map(len, failures.values()))} {dict((k, len(v)) for k, v in failures.items())}, "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for kind, texts in failures.items():
            print(f"  {kind}: e.g. {texts[:3]}", flush=True)
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
