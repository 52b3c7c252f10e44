"""Benchmark: the assistant beside a stock Rasa 3.6 FAQ bot built from the same knowledge entries.

PYTHONPATH=. .venv-rasa/bin/python bench/stock_vs_assistant.py [--rounds 3] [--entries 50] [--seconds 30]

The stock bot is built here, under var/bench-stock/ (retrained only when its inputs change): the
`rasa init` pipeline and policies with few epochs, one intent per knowledge entry (its vi and en
questions), the entry's vi answer as the response, a greeting, one rule per intent, no custom
actions. Its trackers are kept like the assistant's by default (Rasa's SQL tracker store on a SQLite
file; `--stock-trackers memory` for Rasa's default). The assistant is started by bot/launcher.py
as `make run` starts it (both servers, the trained model, the knowledge index), on free ports.

Both run side by side and are measured interleaved (the order alternates every round), over REST:
- one user: 10 conversations of a greeting then 4 knowledge questions, one message at a time;
- 20 users: each its own conversations (10 turns, then a new one) for `--seconds` s: turns/s,
  p50/p95, and the Rasa process's CPU per turn (utime + stime from /proc);
- one conversation of 150 knowledge questions: p50 of turns 1–10 against turns 141–150, and the
  Rasa process's mean CPU per turn over the same windows (steadier than wall time on a shared box).
Prints the medians over the rounds and the assistant/stock ratios; the raw numbers go to
var/bench-stock/results-<time>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.launcher import RASA_BIN, _stop, _wait_http_ok, free_port, running_servers  # noqa: E402
from bot.settings import Settings  # noqa: E402

STOCK_DIR = ROOT / "var" / "bench-stock"
GREETINGS = ["xin chào", "hello", "chào bạn", "hi there", "chao ban"]
# `rasa init`'s config.yml (Rasa 3.6) with the epochs lowered so it trains in a few minutes.
STOCK_CONFIG = {
    "recipe": "default.v1", "language": "en", "assistant_id": "stock-faq-baseline",
    "pipeline": [
        {"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 30, "constrain_similarities": True},
        {"name": "EntitySynonymMapper"},
        {"name": "ResponseSelector", "epochs": 10, "constrain_similarities": True},
        {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
    ],
    "policies": [
        {"name": "MemoizationPolicy"}, {"name": "RulePolicy"},
        {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 10},
        {"name": "TEDPolicy", "max_history": 5, "epochs": 10, "constrain_similarities": True},
    ],
}


def knowledge_entries(count: int) -> List[dict]:
    """`count` entries spread over the source files (every k-th entry by id), with their questions."""
    entries = []
    for path in sorted((ROOT / "knowledge" / "sources").glob("*.yml")):
        entries += yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    entries.sort(key=lambda e: e["id"])
    step = max(1, len(entries) // count) if count else 1
    chosen = entries[::step][:count] if count else entries
    return [e for e in chosen if e.get("vi", {}).get("questions") and e.get("vi", {}).get("answer")]


def intent_name(entry_id: str) -> str:
    return "faq_" + entry_id.replace(".", "_").replace("-", "_")


def write_stock_project(entries: List[dict], directory: Path) -> str:
    """The stock bot's config, domain and data; returns a hash of them (retrain when it changes)."""
    directory.mkdir(parents=True, exist_ok=True)
    nlu = [{"intent": "greet", "examples": "".join(f"- {g}\n" for g in GREETINGS + ["hey", "good morning"])}]
    responses = {"utter_greet": [{"text": "Xin chào! Tôi có thể giúp gì cho bạn?"}],
                 "utter_default": [{"text": "Xin lỗi, tôi chưa hiểu. Bạn hỏi cách khác được không?"}]}
    rules = [{"rule": "greet", "steps": [{"intent": "greet"}, {"action": "utter_greet"}]},
             # the FallbackClassifier's intent gets a reply too (no message goes unanswered)
             {"rule": "fallback", "steps": [{"intent": "nlu_fallback"}, {"action": "utter_default"}]}]
    for entry in entries:
        name = intent_name(entry["id"])
        questions = entry["vi"]["questions"] + entry.get("en", {}).get("questions", [])
        nlu.append({"intent": name, "examples": "".join(f"- {q.strip()}\n" for q in questions)})
        responses[f"utter_{name}"] = [{"text": entry["vi"]["answer"].strip()}]
        rules.append({"rule": name, "steps": [{"intent": name}, {"action": f"utter_{name}"}]})
    domain = {"version": "3.1", "intents": ["greet"] + [intent_name(e["id"]) for e in entries],
              "responses": responses,
              "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}}
    files = {
        "config.yml": STOCK_CONFIG, "domain.yml": domain,
        "data/nlu.yml": {"version": "3.1", "nlu": nlu}, "data/rules.yml": {"version": "3.1", "rules": rules},
    }
    digest = hashlib.sha256()
    for name, content in files.items():
        text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def stock_model(entries: List[dict]) -> Path:
    """Trains the stock bot once per content (a few minutes); the model stays under var/bench-stock/."""
    digest = write_stock_project(entries, STOCK_DIR / "project")
    model = STOCK_DIR / f"stock-{digest}.tar.gz"
    if model.exists():
        return model
    print(f"training the stock bot ({len(entries)} FAQ intents)...", flush=True)
    start = time.monotonic()
    project = STOCK_DIR / "project"
    subprocess.run([str(RASA_BIN), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
                    "--out", str(STOCK_DIR), "--fixed-model-name", f"stock-{digest}"],
                   cwd=project, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
                   stdout=subprocess.DEVNULL)
    print(f"stock bot trained in {time.monotonic() - start:.0f} s", flush=True)
    return model


@contextmanager
def running_stock(model: Path, work: Path, trackers: str) -> Iterator[dict]:
    """`rasa run` of the stock model with the REST channel (as `rasa init` configures it)."""
    port = free_port()
    (work / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    endpoints = ("tracker_store:\n  type: SQL\n  dialect: sqlite\n"
                 f"  db: {json.dumps(str(work / 'stock_trackers.sqlite3'))}\n" if trackers == "sqlite" else "")
    (work / "endpoints.yml").write_text(endpoints or "{}\n", encoding="utf-8")
    log = open(work / "stock-rasa.log", "wb")
    process = subprocess.Popen(
        [str(RASA_BIN), "run", "--model", str(model), "--endpoints", "endpoints.yml", "--credentials",
         "credentials.yml", "--interface", "127.0.0.1", "--port", str(port), "--enable-api"],
        cwd=work, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    try:
        _wait_http_ok(f"http://127.0.0.1:{port}/", [process], 600)
        yield {"url": f"http://127.0.0.1:{port}/webhooks/rest/webhook", "pid": process.pid}
    finally:
        _stop([process])
        log.close()


@contextmanager
def running_assistant(model: Path, work: Path) -> Iterator[dict]:
    settings = Settings.from_env({
        "HUE_VAR_DIR": str(work), "ACTION_PORT": str(free_port()), "RASA_PORT": str(free_port()),
        "HUE_INDEX_DIR": str(ROOT / "var" / "knowledge-index")})
    with running_servers(settings, model, log_dir=work / "logs", startup_timeout=600) as servers:
        yield {"url": servers.rest_url, "pid": servers.processes[1].pid, "action_pid": servers.processes[0].pid}


def cpu_seconds(pid: Optional[int]) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


EMPTY: Dict[str, int] = {}


def pct(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] * 1000 if values else float("nan")


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    response = await client.post(url, json={"sender": sender, "message": text})
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]} for {text!r}")
    if not any("text" in m for m in response.json()):
        EMPTY[url] = EMPTY.get(url, 0) + 1  # counted and printed: a turn without a text reply
    return elapsed


async def one_user(url: str, questions: List[str], tag: str) -> Dict[str, float]:
    greet, asked = [], []
    async with httpx.AsyncClient(timeout=120) as client:
        for conversation in range(10):
            sender = f"{tag}-one-{conversation}"
            greet.append(await say(client, url, sender, GREETINGS[conversation % len(GREETINGS)]))
            for turn in range(4):
                asked.append(await say(client, url, sender, questions[(conversation * 4 + turn) % len(questions)]))
    return {"question_p50": pct(asked, 50), "question_p95": pct(asked, 95), "greeting_p50": pct(greet, 50)}


async def many_users(url: str, questions: List[str], tag: str, users: int, seconds: float,
                     pid: Optional[int], action_pid: Optional[int]) -> Dict[str, float]:
    latencies: List[float] = []
    deadline = time.perf_counter() + seconds

    async def user(number: int, client: httpx.AsyncClient) -> None:
        turn = 0
        while time.perf_counter() < deadline:
            sender = f"{tag}-many-{number}-{turn // 10}"
            latencies.append(await say(client, url, sender, questions[(number * 7 + turn) % len(questions)]))
            turn += 1

    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        cpu, action_cpu = cpu_seconds(pid), cpu_seconds(action_pid)
        start = time.perf_counter()
        await asyncio.gather(*(user(n, client) for n in range(users)))
        wall = time.perf_counter() - start
        cpu, action_cpu = cpu_seconds(pid) - cpu, cpu_seconds(action_pid) - action_cpu
    turns = len(latencies)
    return {"turns_per_s": turns / wall, "p50": pct(latencies, 50), "p95": pct(latencies, 95),
            "rasa_cpu_ms_per_turn": 1000 * cpu / turns, "action_cpu_ms_per_turn": 1000 * action_cpu / turns,
            "turns": turns}


async def long_conversation(url: str, questions: List[str], tag: str, turns: int = 150,
                            pid: Optional[int] = None) -> Dict[str, float]:
    """Latency of turns 1-10 and of the last 10, and the Rasa process's mean CPU over each window
    (CPU time barely depends on what else the machine runs; wall time on a shared box does)."""
    latencies, cpu = [], []
    async with httpx.AsyncClient(timeout=120) as client:
        for turn in range(turns):
            before = cpu_seconds(pid)
            latencies.append(await say(client, url, f"{tag}-long", questions[turn % len(questions)]))
            cpu.append(cpu_seconds(pid) - before)
    first_cpu, last_cpu = 1000 * statistics.mean(cpu[:10]), 1000 * statistics.mean(cpu[-10:])
    return {"first10_p50": pct(latencies[:10], 50), "last10_p50": pct(latencies[-10:], 50),
            "growth": pct(latencies[-10:], 50) / pct(latencies[:10], 50),
            "first10_cpu": first_cpu, "last10_cpu": last_cpu, "cpu_growth": last_cpu / first_cpu if first_cpu else 0.0}


ROWS = [  # (scenario, figure, label, ratio meaning)
    ("one", "question_p50", "one user, knowledge question p50 (ms)"),
    ("one", "question_p95", "one user, knowledge question p95 (ms)"),
    ("one", "greeting_p50", "one user, greeting p50 (ms)"),
    ("many", "turns_per_s", "20 users, turns/s"),
    ("many", "p50", "20 users, p50 (ms)"),
    ("many", "p95", "20 users, p95 (ms)"),
    ("many", "rasa_cpu_ms_per_turn", "Rasa CPU per turn (ms)"),
    ("many", "action_cpu_ms_per_turn", "action server CPU per turn (ms)"),
    ("long", "first10_p50", "150 turns, turns 1-10 p50 (ms)"),
    ("long", "last10_p50", "150 turns, turns 141-150 p50 (ms)"),
    ("long", "growth", "150 turns, turn 150 / turn 1"),
    ("long", "first10_cpu", "150 turns, Rasa CPU turns 1-10 (ms)"),
    ("long", "last10_cpu", "150 turns, Rasa CPU turns 141-150 (ms)"),
    ("long", "cpu_growth", "150 turns, Rasa CPU turn 150 / turn 1"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--entries", type=int, default=50, help="knowledge entries in the stock bot (0: all)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--turns", type=int, default=150)
    parser.add_argument("--stock-trackers", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args()
    entries = knowledge_entries(args.entries)
    questions = [q.strip() for e in entries for q in e["vi"]["questions"] + e.get("en", {}).get("questions", [])]
    random.Random(14).shuffle(questions)
    stock = stock_model(entries)
    print(f"load average before: {os.getloadavg()}", flush=True)
    results: Dict[str, List[dict]] = {"assistant": [], "stock": []}
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hue-bench-")))
        (work / "stock").mkdir()
        (work / "assistant").mkdir()
        bots = {"assistant": stack.enter_context(running_assistant(args.model, work / "assistant")),
                "stock": stack.enter_context(running_stock(stock, work / "stock", args.stock_trackers))}
        run = uuid.uuid4().hex[:6]
        for name, bot in bots.items():  # warm-up: models loaded, first-call costs paid
            asyncio.run(one_user(bot["url"], questions, f"warm-{run}-{name}"))
        for number in range(args.rounds):
            order = ["assistant", "stock"] if number % 2 == 0 else ["stock", "assistant"]
            row: Dict[str, dict] = {name: {} for name in bots}
            for scenario in ("one", "many", "long"):
                for name in order:
                    bot, tag = bots[name], f"{run}-r{number}-{name}"
                    if scenario == "one":
                        row[name]["one"] = asyncio.run(one_user(bot["url"], questions, tag))
                    elif scenario == "many":
                        row[name]["many"] = asyncio.run(many_users(
                            bot["url"], questions, tag, args.users, args.seconds, bot["pid"], bot.get("action_pid")))
                    else:
                        row[name]["long"] = asyncio.run(long_conversation(bot["url"], questions, tag, args.turns,
                                                                          bot["pid"]))
            for name in bots:
                results[name].append(row[name])
            print(f"round {number + 1}/{args.rounds} done, load average {os.getloadavg()}", flush=True)
        empty = {name: EMPTY.get(bot["url"], 0) for name, bot in bots.items()}
    load = os.getloadavg()
    print(f"\nturns without a text reply: {empty}")
    print(f"median of {args.rounds} interleaved rounds; load average after: {load}")
    print(f"{'figure':42} {'assistant':>10} {'stock':>10} {'ratio':>7}")
    summary = {}
    for scenario, figure, label in ROWS:
        values = {name: statistics.median(r[scenario][figure] for r in results[name]) for name in results}
        ratio = values["assistant"] / values["stock"] if values["stock"] else float("nan")
        summary[label] = {**values, "ratio": ratio}
        print(f"{label:42} {values['assistant']:10.1f} {values['stock']:10.1f} {ratio:6.2f}x")
    out = STOCK_DIR / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "load_after": load, "empty": empty,
                               "summary": summary, "rounds": results}, indent=1), encoding="utf-8")
    print(f"\nraw numbers: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
