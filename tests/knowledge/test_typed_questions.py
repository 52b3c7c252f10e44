"""The typed questions of issue 15's third round (first messages as residents and tourists type them:
no diacritics, "dk", "bhyt", "ko", tourist English), written before any tuning and split by
knowledge/split_questions.py into a dev part and a held-out part. Neither may leak into the entries'
paraphrases or the calibration data; floors sit below the measured figures (docs/knowledge.md)."""
from pathlib import Path

from knowledge.evaluate import evaluate_questions, load_jsonl
from knowledge.schema import load_entries

DATA = Path(__file__).resolve().parent.parent / "data"
DEV, HELD_OUT = DATA / "knowledge_dev_typed.jsonl", DATA / "knowledge_heldout_typed.jsonl"


def test_typed_sets_shape_and_topics():
    ids = {e.id for e in load_entries()}
    dev, held = load_jsonl(DEV), load_jsonl(HELD_OUT)
    assert len(dev) + len(held) >= 80 and len(held) >= len(dev + held) // 4
    assert {r["topic"] for r in dev + held if r["topic"]} <= ids
    assert sum(r["topic"] is None for r in dev + held) >= 20
    assert {r["q"].lower() for r in dev}.isdisjoint(r["q"].lower() for r in held)


def test_typed_questions_do_not_leak_into_paraphrases_or_calibration():
    from knowledge.domain import in_scope_questions, out_of_scope_questions

    paraphrases = {q.strip().lower() for e in load_entries() for q in e.vi.questions + e.en.questions}
    calibration = {t.strip().lower() for t, _ in in_scope_questions() + out_of_scope_questions()}
    rows = load_jsonl(DEV) + load_jsonl(HELD_OUT)
    assert [r["q"] for r in rows if r["q"].strip().lower() in paraphrases | calibration] == []


def test_typed_floors(engine):
    dev = evaluate_questions(engine, load_jsonl(DEV))
    assert dev["overall"]["hit@1"] >= 0.85 and dev["out_of_scope"]["declined"] >= 0.85, dev
    held = evaluate_questions(engine, load_jsonl(HELD_OUT))
    assert held["overall"]["hit@1"] >= 0.85 and held["out_of_scope"]["declined"] >= 0.75, held
