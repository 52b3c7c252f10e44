"""Where a knowledge turn spends the Rasa process's CPU: cProfile of an in-process Rasa agent.

PYTHONPATH=. .venv-rasa/bin/python bench/profile_turn.py [--turns 100] [--top 30] [--model models/hue-assistant.tar.gz]

The real action server runs beside it (started as bot/launcher.py starts it, on a free port, with the
built knowledge index); the agent loads the trained model with Rasa's SQL tracker store on a fresh
SQLite file, as `make run` does. The questions are the knowledge entries' own (as
bench/stock_vs_assistant.py asks them): conversations of a greeting then 4 questions. After a warm-up,
`--turns` turns run under cProfile with a CPU clock (time.process_time), so the time the process
waits for the action server or the disk is not counted: what is printed is the Rasa process's CPU.
Prints the CPU per turn of Rasa's phases (parse, slot extraction, prediction, actions, tracker
load/save), then the functions with the most own and cumulative CPU.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stock_vs_assistant import GREETINGS, knowledge_entries  # noqa: E402
from bot.launcher import ACTION_PYTHON, _stop, _wait_http_ok, free_port, server_env  # noqa: E402
from bot.settings import Settings  # noqa: E402

# (label, file suffix, function name): cumulative CPU of these, per turn.
PHASES = [
    ("whole turn (MessageProcessor.handle_message)", "rasa/core/processor.py", "handle_message"),
    ("  tracker load (SQLTrackerStore.retrieve)", "rasa/core/tracker_store.py", "retrieve"),
    ("  NLU parse (parse_message)", "rasa/core/processor.py", "parse_message"),
    ("    MessageGuard.process", "bot/nlu.py", "process"),
    ("  slot extraction (action_extract_slots)", "rasa/core/actions/action.py", "run"),
    ("  prediction (predict_next_with_tracker_if_should)", "rasa/core/processor.py",
     "predict_next_with_tracker_if_should"),
    ("  actions (_run_action)", "rasa/core/processor.py", "_run_action"),
    ("    remote action call (RemoteAction.run)", "rasa/core/actions/action.py", "run"),
    ("  tracker save (SQLTrackerStore.save)", "rasa/core/tracker_store.py", "save"),
]


def phase_rows(stats: pstats.Stats, turns: int) -> list:
    rows = []
    for label, suffix, name in PHASES:
        total = 0.0
        for (filename, line, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
            if function == name and filename.endswith(suffix):
                if "extract_slots" in label and "ActionExtractSlots" not in _owner(filename, line):
                    continue
                if "RemoteAction" in label and _owner(filename, line) != "RemoteAction":
                    continue
                if label.strip().startswith("MessageGuard") and _owner(filename, line) != "MessageGuard":
                    continue
                if "SQLTrackerStore" in label and _owner(filename, line) != "SQLTrackerStore":
                    continue  # not also the FailSafeTrackerStore around it
                total += cumulative
        rows.append((label, 1000 * total / turns))
    return rows


def _owner(filename: str, line: int) -> str:
    """The class whose body holds `line` of `filename` (by indentation; good enough for a label)."""
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()[:line]
    except OSError:
        return ""
    for text in reversed(lines):
        if text.startswith("class "):
            return text[6:].split("(")[0].split(":")[0].strip()
    return ""


async def run_turns(agent, questions, turns: int, tag: str) -> float:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    start = time.perf_counter()
    for turn in range(turns):
        conversation, step = divmod(turn, 5)
        text = GREETINGS[conversation % len(GREETINGS)] if step == 0 else questions[turn % len(questions)]
        channel = CollectingOutputChannel()
        await agent.handle_message(UserMessage(text, channel, sender_id=f"{tag}-{conversation}", input_channel="rest"))
        if not channel.messages:
            raise RuntimeError(f"no reply to {text!r}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hue-assistant.tar.gz")
    parser.add_argument("--save", type=Path, help="write the raw profile here (pstats format)")
    args = parser.parse_args()
    entries = knowledge_entries(50)
    questions = [q.strip() for e in entries for q in e["vi"]["questions"] + e.get("en", {}).get("questions", [])]
    random.Random(14).shuffle(questions)

    with tempfile.TemporaryDirectory(prefix="hue-profile-") as work:
        settings = Settings.from_env({"HUE_VAR_DIR": work, "ACTION_PORT": str(free_port()),
                                      "HUE_INDEX_DIR": str(ROOT / "var" / "knowledge-index")})
        env = server_env(settings)
        os.environ.update({k: v for k, v in env.items() if k not in ("PYTHONPATH",)})
        log = open(Path(work) / "actions.log", "wb")
        action = subprocess.Popen([str(ACTION_PYTHON), "-m", "actions.server", "--host", settings.action_host,
                                   "--port", str(settings.action_port)], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            _wait_http_ok(f"http://{settings.action_host}:{settings.action_port}/health", [action], 300)
            from rasa.core.agent import Agent
            from rasa.utils.common import configure_logging_and_warnings
            from rasa.utils.log_utils import configure_structlog

            # as `rasa run` sets them up (INFO unless LOG_LEVEL says otherwise): no debug lines to format
            configure_logging_and_warnings(None, warn_only_once=True, filter_repeated_logs=True)
            configure_structlog(None)
            from rasa.core.tracker_store import SQLTrackerStore
            from rasa.utils.endpoints import EndpointConfig

            store = SQLTrackerStore(dialect="sqlite", db=str(Path(work) / "trackers.sqlite3"))
            agent = Agent.load(str(args.model), tracker_store=store,
                               action_endpoint=EndpointConfig(settings.action_endpoint_url))
            run = uuid.uuid4().hex[:6]
            asyncio.run(run_turns(agent, questions, 20, f"warm-{run}"))
            profile = cProfile.Profile(time.process_time)
            cpu = time.process_time()
            profile.enable()
            wall = asyncio.run(run_turns(agent, questions, args.turns, f"prof-{run}"))
            profile.disable()
            cpu = time.process_time() - cpu
        finally:
            _stop([action])
            log.close()
    if args.save:
        profile.dump_stats(str(args.save))
    stats = pstats.Stats(profile)
    print(f"{args.turns} turns: wall {1000 * wall / args.turns:.1f} ms/turn, Rasa CPU {1000 * cpu / args.turns:.1f} ms/turn "
          f"(under the profiler, which inflates it)")
    for label, ms in phase_rows(stats, args.turns):
        print(f"{label:55} {ms:7.2f} ms/turn")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
