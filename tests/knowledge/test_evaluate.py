"""knowledge/evaluate.py and the CLI: the report shapes the issue asks for, computed for real."""
import json
import os
import subprocess
import sys

from bot.settings import PROJECT_ROOT
from knowledge.evaluate import evaluate_corpus, evaluate_questions


def test_eval_report_counts_declines_as_misses(engine):
    rows = [
        {"q": "thu tuc lam can cuoc", "lang": "vi-nodiac", "topic": "proc.citizen_id_card"},
        {"q": "thu tuc lam can cuoc", "lang": "vi-nodiac", "topic": "tour.visa"},  # wrong on purpose
        {"q": "imperial city opening hours", "lang": "en", "topic": "tour.imperial_city"},
        {"q": "write me a poem about the sea", "lang": "en", "topic": None},
    ]
    report = evaluate_questions(engine, rows)
    assert report["by_lang"]["vi-nodiac"]["n"] == 2
    assert report["by_lang"]["vi-nodiac"]["hit@1"] == 0.5
    assert report["by_lang"]["en"]["hit@1"] == 1.0
    assert report["overall"]["n"] == 3
    assert report["out_of_scope"] == {"declined": 1.0, "n": 1}


def test_eval_corpus_compares_three_methods(engine):
    entries = list(engine.index.entries.values())[:30]
    pairs = [(e.en.questions[0], e.en.answer) for e in entries]
    report = evaluate_corpus(pairs, encoder=engine.encoder)
    assert report["n"] == 30
    assert set(report) == {"bm25", "dense", "hybrid", "n", "language"}
    for method in ("bm25", "dense", "hybrid"):
        assert 0.3 < report[method]["hit@1"] <= 1.0
        assert report[method]["mrr@10"] >= report[method]["hit@1"]


def test_cli_search_json(engine, index_dir):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HUE_INDEX_DIR": str(index_dir),
           "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "knowledge", "search", "lam can cuoc o dau", "--json"],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout)
    assert result["hits"][0]["entry_id"] == "proc.citizen_id_card"
    assert result["language"] == "vi" and result["answered"] is True
