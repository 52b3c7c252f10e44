"""Splits new knowledge questions ({"q", "lang", "topic"} JSONL lines) into a dev part and a held-out part.

A seeded, stratified random third of each (lang, in scope or not) stratum is held out; the rest goes to
the dev file. Both files are appended to, so a line already in either never moves:

    .venv/bin/python -m knowledge.split_questions new.jsonl \\
        --dev tests/data/knowledge_dev_typed.jsonl --heldout tests/data/knowledge_heldout_typed.jsonl

Write the new questions first, split them, and only then look at results (on the dev part only).
A line equal (case-insensitive) to one already in either file, or repeated, is refused.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Callable, Dict, Hashable, List, Sequence, Tuple, TypeVar

SEED = 20261201
HELDOUT_SHARE = 1 / 3


T = TypeVar("T")


def held_out(items: Sequence[T], stratum: Callable[[T], Tuple[Hashable, ...]], order: Callable[[T], str],
             seed: int = SEED) -> List[T]:
    """The items held out: round(n / 3) of every stratum, chosen by sorting the stratum with `order` and
    shuffling it with a generator seeded by the seed and the stratum. The conversation set
    (tests/conversations/split.py) is split the same way."""
    strata: Dict[Tuple[Hashable, ...], List[T]] = {}
    for item in items:
        strata.setdefault(stratum(item), []).append(item)
    held: List[T] = []
    for key in sorted(strata):
        members = sorted(strata[key], key=order)
        random.Random(":".join(str(part) for part in (seed, *key))).shuffle(members)
        held.extend(members[:round(len(members) * HELDOUT_SHARE)])
    return held


def split(rows: Sequence[dict], seed: int = SEED) -> Tuple[List[dict], List[dict]]:
    """(dev, heldout): a seeded third of every (lang, in scope or not) stratum is held out (`held_out`);
    the order inside each part follows the input."""
    held = {id(row) for row in held_out(rows, lambda row: (row["lang"], row["topic"] is not None),
                                        lambda row: row["q"], seed)}
    return [row for row in rows if id(row) not in held], [row for row in rows if id(row) in held]


def _read(path: Path) -> List[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _append(path: Path, rows: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({"q": row["q"], "lang": row["lang"], "topic": row["topic"]},
                                    ensure_ascii=False) + "\n")


def add(new: Path, dev: Path, heldout: Path, seed: int = SEED) -> Tuple[int, int]:
    rows = _read(new)
    for number, row in enumerate(rows, 1):
        if not {"q", "lang", "topic"} <= set(row) or row["lang"] not in ("vi", "vi-nodiac", "en"):
            raise SystemExit(f"{new}:{number}: need q, lang (vi | vi-nodiac | en) and topic")
    seen = {r["q"].strip().lower() for r in _read(dev) + _read(heldout)}
    repeated = []
    for row in rows:
        text = row["q"].strip().lower()
        if text in seen:
            repeated.append(row["q"])
        seen.add(text)
    if repeated:
        raise SystemExit(f"already there or repeated: {repeated}")
    dev_rows, held_rows = split(rows, seed)
    _append(dev, dev_rows)
    _append(heldout, held_rows)
    return len(dev_rows), len(held_rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.split_questions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("new", type=Path)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    n_dev, n_held = add(args.new, args.dev, args.heldout, args.seed)
    print(f"{n_dev} lines added to {args.dev}, {n_held} to {args.heldout}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
