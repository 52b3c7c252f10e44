"""Scores follow-up resolution on a list of follow-ups (tests/data/followups_*.jsonl): is the answer
about the expected entry, and (for follow-ups that stay) about the expected aspect?

    .venv/bin/python -m knowledge.followup_eval tests/data/followups_dev.jsonl [--grid]

--grid prints the score for each (confidence, margin) pair: use it on the dev list only.

--conversations FILE plays the `entry:` turns of a conversation set (tests/conversations/dev.yml) through
the resolution alone, no NLU: each turn is resolved with the entry the previous turn resolved to, as the
`knowledge_topic` slot would hold it. --show prints the misses (dev set only).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List

from knowledge.followup import SWITCH_CONFIDENCE, SWITCH_MARGIN, resolve


def load(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(engine, rows: List[dict], min_confidence: float = SWITCH_CONFIDENCE,
          min_margin: float = SWITCH_MARGIN, show: bool = False) -> Dict[str, float]:
    topic_ok = aspect_ok = stays = switches = stays_ok = switches_ok = 0
    for row in rows:
        found = resolve(engine, row["q"], row["lang"], row["topic"], min_confidence, min_margin)
        right_topic = found.entry_id == row["expect"]
        right_aspect = row["aspect"] is None or found.aspect == row["aspect"]
        topic_ok += right_topic
        aspect_ok += right_topic and right_aspect
        if row["expect"] == row["topic"]:
            stays += 1
            stays_ok += right_topic
        else:
            switches += 1
            switches_ok += right_topic
        if show and not (right_topic and right_aspect):
            print(f"  MISS {row['q']!r} ({row['topic']}) -> {found.entry_id} {found.aspect}; "
                  f"expected {row['expect']} {row['aspect']}")
    n = len(rows)
    return {"n": n, "topic": round(topic_ok / n, 4), "topic_and_aspect": round(aspect_ok / n, 4),
            "stays": round(stays_ok / max(stays, 1), 4), "switches": round(switches_ok / max(switches, 1), 4)}


def score_conversations(engine, path: Path, show: bool = False) -> Dict[str, float]:
    """Follow-up turns (every `entry:` turn after the first answer) resolved to an expected entry."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    turns = right = 0
    for conversation in data.get("conversations") or []:
        language = "en" if conversation["lang"] == "en" else "vi"
        previous = None
        for turn in conversation["turns"]:
            expected = (turn.get("expect") or {}).get("entry")
            if expected is None:  # "ok", "thanks": not a knowledge question, the topic stays
                continue
            found = resolve(engine, turn["user"], language, previous)
            expected = expected if isinstance(expected, list) else [expected]
            if previous is not None:
                turns += 1
                right += found.entry_id in expected
                if show and found.entry_id not in expected:
                    print(f"  MISS {conversation['id']} {turn['user']!r} ({previous}) -> {found.entry_id} "
                          f"{found.aspect}; expected {expected}")
            previous = found.entry_id  # a decline clears the topic, as the action does
    return {"followup_turns": turns, "right": right, "share": round(right / max(turns, 1), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, nargs="?")
    parser.add_argument("--conversations", type=Path, help="a conversation set (dev.yml): its entry turns")
    parser.add_argument("--index", type=Path, default=Path("var/knowledge-index"))
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--show", action="store_true", help="print each miss (dev list only)")
    args = parser.parse_args()
    from knowledge.engine import open_engine

    engine = open_engine(args.index)
    if args.conversations:
        print(json.dumps(score_conversations(engine, args.conversations, show=args.show)))
        return
    rows = load(args.questions)
    if args.grid:
        for confidence in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            for margin in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
                print(confidence, margin, json.dumps(score(engine, rows, confidence, margin)))
        return
    print(json.dumps(score(engine, rows, show=args.show)))


if __name__ == "__main__":
    main()
