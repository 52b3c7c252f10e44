"""Ranks knowledge entries by how often people ask about them in our data, to choose which get
`parts` first (docs/knowledge.md, "Parts").

Asks per entry = dev-set questions labelled with it (tests/data/knowledge_dev.jsonl)
               + hand-written ask_* NLU examples (nlu_data/nlu, without the generated
                 knowledge_questions.yml) and calibration in-scope questions whose answered best
                 entry it is.
Ties: more paraphrases first, then the id. Run: .venv/bin/python scripts/most_asked_entries.py [N]
"""
from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import yaml

from knowledge.engine import open_engine

ROOT = Path(__file__).resolve().parent.parent


def nlu_questions() -> list:
    questions = []
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        if path.name == "knowledge_questions.yml":
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if str(block.get("intent", "")).startswith("ask_") and block.get("intent") != "ask_followup":
                questions += [line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
    calibration = yaml.safe_load((ROOT / "knowledge/calibration/in_scope.yml").read_text(encoding="utf-8"))
    questions += [q["text"] for q in calibration["questions"]]
    return questions


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    engine = open_engine(ROOT / "var" / "knowledge-index")
    asks = collections.Counter()
    for line in (ROOT / "tests/data/knowledge_dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("topic"):
            asks[row["topic"]] += 1
    for question in nlu_questions():
        result = engine.search(question)
        if result.answered:
            asks[result.best.entry_id] += 1
    paraphrases = {e.id: len(e.vi.questions) + len(e.en.questions) for e in engine.index.entries.values()}
    ranked = sorted(engine.index.entries, key=lambda i: (-asks[i], -paraphrases[i], i))
    for rank, entry_id in enumerate(ranked[:top], 1):
        print(f"{rank:3d} {entry_id:45s} asks={asks[entry_id]:3d} paraphrases={paraphrases[entry_id]}")


if __name__ == "__main__":
    main()
