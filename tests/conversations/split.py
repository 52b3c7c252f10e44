"""Splits the conversation set into dev.yml and heldout.yml: a seeded, stratified random third is held out.

Every (category, lang) stratum is sorted by id, shuffled with its own seeded generator, and its first
round(n / 3) conversations go to the held-out file. New conversations are split the same way among
themselves and appended (--add), so a conversation already in dev.yml never moves to the held-out file:

    .venv-rasa/bin/python -m tests.conversations.split pool/*.yml        # split a whole pool (once)
    .venv-rasa/bin/python -m tests.conversations.split --add new.yml     # add new conversations
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import List, Sequence, Tuple

import yaml

from knowledge.split_questions import SEED, held_out

HERE = Path(__file__).resolve().parent
DEV, HELDOUT = HERE / "dev.yml", HERE / "heldout.yml"

DEV_HEADER = """\
# Conversation tests, DEV set (issue 11). Tune the dialogue against these freely.
# Each conversation is a chat: `user:` lines as people type them, and after each a few observable checks
# (`expect:`). The format and the checks are described in tests/conversations/README.md.
# Split from the whole set by tests/conversations/split.py (seed %d); the other third is held out.
""" % SEED

HELDOUT_HEADER = """\
# Conversation tests, HELD-OUT set (issue 11).
# NEVER TUNE ON INDIVIDUAL FAILURES HERE: do not read these conversations to fix the bot, do not copy
# their messages into NLU data, rules, stories or keyword lists. Use dev.yml for that. This file only
# measures; its pass rates are reported (python -m tests.conversations.run --set heldout).
# Split from the whole set by tests/conversations/split.py (seed %d).
""" % SEED


def load_raw(paths: Sequence[Path]) -> List[dict]:
    conversations: List[dict] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        conversations.extend(data.get("conversations") or [])
    ids = [c["id"] for c in conversations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SystemExit(f"duplicate conversation ids: {duplicates}")
    return conversations


def split(conversations: Sequence[dict], seed: int = SEED) -> Tuple[List[dict], List[dict]]:
    """(dev, heldout): a seeded random third of each (category, lang) stratum is held out (the same
    split as the knowledge questions', knowledge.split_questions.held_out); both sorted by stratum, then id."""
    def stratum(conversation: dict) -> Tuple[str, str]:
        return conversation["category"], conversation["lang"]

    held = {id(c) for c in held_out(conversations, stratum, lambda c: c["id"], seed)}
    order = {key: n for n, key in enumerate(sorted({stratum(c) for c in conversations}))}

    def by_stratum(c: dict):
        return order[stratum(c)], c["id"]
    return (sorted((c for c in conversations if id(c) not in held), key=by_stratum),
            sorted((c for c in conversations if id(c) in held), key=by_stratum))


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if re.fullmatch(r"[a-z][a-z0-9_.]*", text) and text not in ("true", "false", "null", "yes", "no"):
        return text
    return json.dumps(text, ensure_ascii=False)


def dump(header: str, conversations: Sequence[dict]) -> str:
    """The set as a chat-like YAML: one line per user message and one per expectation."""
    lines = [header.rstrip("\n"), "conversations:"]
    for conversation in conversations:
        lines.append(f"  - id: {conversation['id']}")
        for key in ("lang", "category"):
            lines.append(f"    {key}: {conversation[key]}")
        for key, value in conversation.items():
            if key not in ("id", "lang", "category", "turns"):
                lines.append(f"    {key}: {_scalar(value)}")
        lines.append("    turns:")
        for turn in conversation["turns"]:
            lines.append(f"      - user: {json.dumps(turn['user'], ensure_ascii=False)}")
            for key, value in turn.items():
                if key != "user":
                    lines.append(f"        {key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", nargs="*", type=Path, help="YAML files with `conversations:` (default: dev + heldout)")
    parser.add_argument("--add", nargs="+", type=Path, default=[], help="new conversations to split and append")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(list(argv) or None)
    if args.add:
        old_dev, old_heldout = load_raw([DEV]), load_raw([HELDOUT])
        new_dev, new_heldout = split(load_raw(args.add), args.seed)
        dev, heldout = old_dev + new_dev, old_heldout + new_heldout
        all_ids = [c["id"] for c in dev + heldout]
        if len(set(all_ids)) != len(all_ids):
            raise SystemExit("a new conversation repeats an existing id")
    else:
        dev, heldout = split(load_raw(args.pool or [DEV, HELDOUT]), args.seed)
    DEV.write_text(dump(DEV_HEADER, dev), encoding="utf-8")
    HELDOUT.write_text(dump(HELDOUT_HEADER, heldout), encoding="utf-8")
    print(f"{len(dev)} dev, {len(heldout)} held-out conversations (seed {args.seed})")


if __name__ == "__main__":
    main()
