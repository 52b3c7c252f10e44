"""Command line for the knowledge index.

python -m knowledge build [--force]
python -m knowledge search "câu hỏi" [--lang vi] [--json] [-k 5]
python -m knowledge eval --questions FILE.jsonl [--json] [--methods]
python -m knowledge eval-corpus FILE --question-col Q --answer-col A [--sep "|"] [--json]
python -m knowledge stale --days N [--today YYYY-MM-DD]
python -m knowledge eval-corpus --outside [--split dev|test] [--json]
python -m knowledge prepare-outside
python -m knowledge eval-oos [--split train|val|test] [--json]
python -m knowledge reliability [--json]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bot.settings import Settings


def _engine(args, progress: bool = False, force: bool = False):
    from knowledge.engine import open_engine

    settings = Settings.from_env()
    return open_engine(settings.knowledge_index_dir, model=args.model or settings.embedding_model,
                       progress=progress, force=force)


def cmd_build(args) -> int:
    """Builds when stale (or with --force); otherwise loads the current index and says so."""
    engine = _engine(args, progress=True, force=args.force)
    manifest = engine.index.manifest
    print(json.dumps({k: manifest[k] for k in ("model", "entries", "passages", "built_at")}, ensure_ascii=False))
    for language, params in manifest.get("calibration", {}).items():
        print(f"calibration {language}:", json.dumps(params.get("calibration_scores", {})))
    return 0


def cmd_search(args) -> int:
    engine = _engine(args)
    result = engine.search(args.question, language=args.lang, k=args.k)
    if args.json:
        print(json.dumps({
            "query": result.query, "language": result.language, "answered": result.answered,
            "confidence": round(result.confidence, 4),
            "threshold": engine.threshold(result.language),
            "hits": [{"entry_id": h.entry_id, "score": round(h.score, 4), "title": h.title,
                      "source_url": h.source_url} for h in result.hits],
        }, ensure_ascii=False, indent=2))
        return 0
    verdict = "answer" if result.answered else "decline"
    print(f"{verdict} (confidence {result.confidence:.3f}, threshold {engine.threshold(result.language):.3f}, "
          f"language {result.language})")
    for rank, hit in enumerate(result.hits, 1):
        print(f"{rank:>2}. {hit.entry_id:<32} {hit.score:6.3f}  {hit.title}  <{hit.source_url}>")
    return 0


def cmd_eval(args) -> int:
    from knowledge.evaluate import compare_methods, evaluate_questions, format_methods, format_table, load_jsonl

    engine, rows = _engine(args), load_jsonl(Path(args.questions))
    report = evaluate_questions(engine, rows)
    methods = compare_methods(engine, rows) if args.methods else None
    if args.json:
        print(json.dumps({**report, "methods": methods} if methods else report, indent=2))
    else:
        print(format_table(report))
        if methods:
            print(format_methods(methods))
    return 0


def cmd_eval_corpus(args) -> int:
    from knowledge.evaluate import evaluate_corpus, evaluate_outside, format_outside, load_corpus

    if args.outside:
        engine = _engine(args)
        report = evaluate_outside(engine.encoder, engine.index.calibration, args.split)
        print(json.dumps(report, indent=2) if args.json else format_outside(report, args.split))
        return 0
    if not (args.file and args.question_col and args.answer_col):
        print("eval-corpus: give FILE --question-col Q --answer-col A, or --outside", file=sys.stderr)
        return 2
    pairs = load_corpus(Path(args.file), args.question_col, args.answer_col, args.sep)
    engine = _engine(args)
    report = evaluate_corpus(pairs, encoder=engine.encoder, params=engine.index.calibration)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"n = {report['n']}")
        for method in ("bm25", "dense", "hybrid"):
            print(f"{method:<7} hit@1 {report[method]['hit@1']:.4f}  mrr@10 {report[method]['mrr@10']:.4f}")
    return 0


def cmd_stale(args) -> int:
    """Lists entries whose `reviewed` date is older than --days (no index needed)."""
    import datetime as dt

    from knowledge.schema import load_entries
    from knowledge.stale import format_stale, stale_entries

    today = dt.date.fromisoformat(args.today) if args.today else None
    print(format_stale(stale_entries(load_entries(), args.days, today)))
    return 0


def cmd_prepare_outside(args) -> int:
    from knowledge.outside import prepare

    for name, status in prepare().items():
        print(f"{name}: {status}")
    return 0


def cmd_eval_oos(args) -> int:
    """Share of the CLINC150 out-of-scope queries the engine declines."""
    from knowledge.outside import clinc_oos

    engine = _engine(args)
    queries = clinc_oos(args.split)
    answered = [q for q in queries if engine.search(q).answered]
    report = {"split": args.split, "n": len(queries),
              "declined": round(1 - len(answered) / max(1, len(queries)), 4), "answered_examples": answered[:10]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"CLINC150 oos_{args.split}: declined {report['declined']:.4f} of {report['n']}")
        for q in answered[:10]:
            print(f"  answered: {q}")
    return 0


def cmd_reliability(args) -> int:
    """Reliability table and ECE of the shown confidence on the held-out dev questions."""
    from knowledge.evaluate import load_jsonl, reliability, format_reliability

    engine = _engine(args)
    report = reliability(engine, load_jsonl(Path(args.questions)))
    print(json.dumps(report, indent=2) if args.json else format_reliability(report))
    return 0


def main(argv=None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="Hue knowledge index")
    parser.add_argument("--model", default=None,
                        help="sentence-transformers model name or local path (default: HUE_EMBEDDING_MODEL "
                             "or the packaged all-MiniLM-L6-v2)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build (or rebuild) the index under var/")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("search", help="rank entries for a question")
    p.add_argument("question")
    p.add_argument("--lang", choices=["vi", "en"])
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("eval", help="hit@1 / hit@3 / MRR@10 on a JSONL question set")
    p.add_argument("--questions", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--methods", action="store_true",
                   help="also rank with BM25 alone, dense alone and the hybrid (no decline), side by side")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("eval-corpus", help="BM25 vs dense vs hybrid on an external Q→A collection")
    p.add_argument("file", nargs="?")
    p.add_argument("--question-col")
    p.add_argument("--answer-col")
    p.add_argument("--sep", default=None, help="CSV separator (default ',')")
    p.add_argument("--outside", action="store_true",
                   help="every cached outside collection (knowledge/outside.py); absent ones are skipped")
    p.add_argument("--split", choices=["dev", "test"], default="test")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_corpus)
    p = sub.add_parser("stale", help="entries whose reviewed date is older than N days (id, reviewed, source)")
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--today", default=None, help="reference date YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_stale)
    p = sub.add_parser("prepare-outside", help="cache the outside Q→A collections from public snapshots")
    p.set_defaults(func=cmd_prepare_outside)
    p = sub.add_parser("eval-oos", help="share of the CLINC150 out-of-scope queries declined")
    p.add_argument("--split", choices=["train", "val", "test"], default="test")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_oos)
    p = sub.add_parser("reliability", help="reliability table and ECE of the confidence on held-out questions")
    p.add_argument("--questions", default="tests/data/knowledge_dev.jsonl")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reliability)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
