"""Benchmark: knowledge query latency (encode + BM25 + FAISS + fusion) and index build time.

python bench/knowledge_latency.py [--sizes 1000 10000 100000] [--queries 300] [--threads 2]

Synthetic passages are made by recombining sentences of the real entries, so vocabulary and length
look like production. Queries are the dev-set questions (unique, so the query cache never hits),
then the same questions again to show the cached path.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge.dense import Encoder, build_faiss  # noqa: E402
from knowledge.index import KnowledgeIndex, LanguageIndex, Passage  # noqa: E402
from knowledge.schema import load_entries  # noqa: E402
from knowledge.search import SearchEngine  # noqa: E402


def synthetic_passages(n: int, language: str, seed: int = 7):
    rng = random.Random(seed)
    sentences = [s.strip() for e in load_entries() for s in
                 (e.block(language).answer.replace("\n", " ").split(". ") + e.block(language).questions)
                 if len(s.strip()) > 10]
    per_entry = 8
    return [Passage(f"syn.{i // per_entry:06d}", language, "answer",
                    " ".join(rng.sample(sentences, 3))) for i in range(n)]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--language", default="vi")
    parser.add_argument("--full", action="store_true",
                        help="also time engine.search (the whole decision) on the real index under var/")
    args = parser.parse_args()
    encoder = Encoder(threads=args.threads)
    rows = [json.loads(line) for line in (ROOT / "tests/data/knowledge_dev.jsonl").read_text().splitlines()]
    lang_rows = [r["q"] for r in rows if (r["lang"] == "en") == (args.language == "en")]
    queries = (lang_rows * (args.queries // max(1, len(lang_rows)) + 1))[: args.queries]
    queries = [f"{q} {i}" for i, q in enumerate(queries)]  # unique strings: no cache hits
    results = []
    for size in args.sizes:
        passages = synthetic_passages(size, args.language)
        start = time.perf_counter()
        vectors = encoder.encode([p.text for p in passages])  # the batch size index.build uses
        li = LanguageIndex(args.language, passages, build_faiss(vectors))
        build_s = time.perf_counter() - start
        engine = SearchEngine(KnowledgeIndex({}, {args.language: li}, {}), encoder)
        encoder.clear_cache()  # the cold pass below must really encode every query
        engine.entry_scores("warm-up question", args.language)
        cold, warm = [], []
        for q in queries:
            t = time.perf_counter()
            dense, bm25 = engine.entry_scores(q, args.language)
            engine.rank(dense, bm25, args.language)
            cold.append((time.perf_counter() - t) * 1000)
        for q in queries:
            t = time.perf_counter()
            dense, bm25 = engine.entry_scores(q, args.language)
            engine.rank(dense, bm25, args.language)
            warm.append((time.perf_counter() - t) * 1000)
        row = {"passages": size, "build_s": round(build_s, 1),
               "p50_ms": round(statistics.median(cold), 2), "p99_ms": round(percentile(cold, 99), 2),
               "cached_p50_ms": round(statistics.median(warm), 2),
               "cached_p99_ms": round(percentile(warm, 99), 2)}
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.full:
        print(json.dumps(full_search(queries, args.threads)), flush=True)
    return 0


def full_search(queries, threads: int) -> dict:
    """The bot's whole decision on the real index: synonyms, in-domain model, encode, BM25, FAISS,
    fusion, confidence and, when declined, the other language's block (engine.search)."""
    from bot.settings import Settings
    from knowledge.engine import open_engine

    engine = open_engine(Settings.from_env().knowledge_index_dir, threads=threads)
    engine.encoder.clear_cache()
    engine.search("warm-up question")
    times = []
    for q in queries:
        t = time.perf_counter()
        engine.search(q)
        times.append((time.perf_counter() - t) * 1000)
    return {"real_index_entries": len(engine.index.entries), "search_p50_ms": round(statistics.median(times), 2),
            "search_p99_ms": round(percentile(times, 99), 2)}


if __name__ == "__main__":
    sys.exit(main())
