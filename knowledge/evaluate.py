"""Evaluation of the knowledge engine on question sets nobody tuned on.

`evaluate_questions`: the bot's own decision (answer or decline) on {"q", "lang", "topic"} lines;
a declined in-scope question is a miss. `evaluate_corpus`: BM25 vs dense vs hybrid on any external
question→answer collection, indexing the answers.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from bot.text import detect_language, normalize
from knowledge.dense import Encoder, build_faiss
from knowledge.index import KnowledgeIndex, LanguageIndex, Passage
from knowledge.search import METHODS, SearchEngine

SLICES = ("vi", "vi-nodiac", "en")


def load_jsonl(path: Path) -> List[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not {"q", "lang", "topic"} <= set(row) or row["lang"] not in SLICES:
            raise ValueError(f"{path}:{number}: need q, lang (vi | vi-nodiac | en) and topic")
        rows.append(row)
    return rows


def _metrics(ranks: List[Optional[int]]) -> Dict[str, float]:
    """ranks: 1-based rank of the right entry when answered and found in the top 10, else None."""
    n = len(ranks)
    if n == 0:
        return {"hit@1": 0.0, "hit@3": 0.0, "mrr@10": 0.0, "n": 0}
    return {
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if r is not None) / n, 4),
        "n": n,
    }


def evaluate_questions(engine: SearchEngine, rows: Iterable[dict]) -> Dict:
    by_lang: Dict[str, List[Optional[int]]] = defaultdict(list)
    declined, out_of_scope = 0, 0
    for row in rows:
        result = engine.search(row["q"], k=10)
        if row["topic"] is None:
            out_of_scope += 1
            declined += not result.answered
            continue
        ids = [h.entry_id for h in result.hits]
        rank = ids.index(row["topic"]) + 1 if result.answered and row["topic"] in ids else None
        by_lang[row["lang"]].append(rank)
    all_ranks = [r for ranks in by_lang.values() for r in ranks]
    return {
        "overall": _metrics(all_ranks),
        "by_lang": {s: _metrics(by_lang.get(s, [])) for s in SLICES},
        "out_of_scope": {"declined": round(declined / out_of_scope, 4) if out_of_scope else 0.0,
                         "n": out_of_scope},
    }


def compare_methods(engine: SearchEngine, rows: Iterable[dict]) -> Dict:
    """Ranking alone (no decline) per method on the in-scope lines, searched in the question's own
    language: does the hybrid beat BM25 and dense on their own? {method: {"by_lang", "overall"}}."""
    rows = [r for r in rows if r["topic"] is not None]
    report = {}
    for method in METHODS:
        by_lang: Dict[str, List[Optional[int]]] = defaultdict(list)
        for row in rows:
            query = normalize(row["q"])
            result = engine.search_language(query, detect_language(query) or "vi", k=10, method=method)
            ids = [h.entry_id for h in result.hits]
            by_lang[row["lang"]].append(ids.index(row["topic"]) + 1 if row["topic"] in ids else None)
        keep = ("hit@1", "mrr@10", "n")
        report[method] = {
            "by_lang": {s: {k: v for k, v in _metrics(by_lang.get(s, [])).items() if k in keep} for s in SLICES},
            "overall": {k: v for k, v in _metrics([r for x in by_lang.values() for r in x]).items() if k in keep},
        }
    return report


def format_methods(report: Dict) -> str:
    lines = ["ranking alone (no decline), hit@1 / mrr@10:",
             f"{'method':<8}" + "".join(f"{name:>18}" for name in (*SLICES, "overall"))]
    for method, parts in report.items():
        cells = [parts["by_lang"][s] for s in SLICES] + [parts["overall"]]
        lines.append(f"{method:<8}" + "".join(f"{c['hit@1']:>9.4f} {c['mrr@10']:>8.4f}" for c in cells))
    return "\n".join(lines)


def format_table(report: Dict) -> str:
    lines = [f"{'slice':<10} {'hit@1':>7} {'hit@3':>7} {'mrr@10':>7} {'n':>5}"]
    for name, m in [*report["by_lang"].items(), ("overall", report["overall"])]:
        lines.append(f"{name:<10} {m['hit@1']:>7.4f} {m['hit@3']:>7.4f} {m['mrr@10']:>7.4f} {m['n']:>5}")
    oos = report["out_of_scope"]
    lines.append(f"out-of-scope declined {oos['declined']:.4f} (n={oos['n']})")
    return "\n".join(lines)


def load_corpus(path: Path, question_col: str, answer_col: str,
                sep: Optional[str] = None) -> List[Tuple[str, str]]:
    """(question, answer) pairs from a CSV (separator `sep`, default ",") or JSONL file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".jsonl", ".json"):
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        records = list(csv.DictReader(text.splitlines(), delimiter=sep or ","))
    pairs = []
    for number, record in enumerate(records, 1):
        if question_col not in record or answer_col not in record:
            raise ValueError(f"{path}: record {number} lacks {question_col!r} or {answer_col!r}")
        if str(record[question_col]).strip() and str(record[answer_col]).strip():
            pairs.append((normalize(str(record[question_col])), normalize(str(record[answer_col]))))
    return pairs


def evaluate_corpus(pairs: List[Tuple[str, str]], model: Optional[str] = None,
                    encoder: Optional[Encoder] = None, answers: Optional[List[str]] = None,
                    params: Optional[dict] = None, language: Optional[str] = None) -> Dict:
    """Index the distinct answers (`answers`, default those of `pairs`); ask every question; hit@1
    and MRR@10 per method. `params`: per-language fusion parameters (the built index's calibration,
    so the hybrid measured is the one the bot runs); default the uncalibrated defaults."""
    encoder = encoder or Encoder(model)
    pairs = [(normalize(q), normalize(a)) for q, a in pairs]
    answers = sorted({normalize(a) for a in answers} | {a for _, a in pairs}) if answers else \
        sorted({a for _, a in pairs})
    column = {a: i for i, a in enumerate(answers)}
    if language is None:
        votes = [detect_language(a) for a in answers[:200]]
        language = "en" if votes.count("en") > votes.count("vi") else "vi"
    passages = [Passage(f"a{i:07d}", language, "answer", a) for i, a in enumerate(answers)]
    li = LanguageIndex(language, passages, build_faiss(encoder.encode(answers)))
    engine = SearchEngine(KnowledgeIndex({}, {language: li}, {"calibration": params or {}}), encoder)
    ranks: Dict[str, List[Optional[int]]] = {m: [] for m in METHODS}
    for question, answer in pairs:
        dense, bm25 = engine.entry_scores(question, language)
        expected = li.entry_ids.index(f"a{column[answer]:07d}")
        for method in METHODS:
            order = np.argsort(-engine.rank(dense, bm25, language, method), kind="stable")[:10]
            found = np.nonzero(order == expected)[0]
            ranks[method].append(int(found[0]) + 1 if len(found) else None)
    report = {m: {k: v for k, v in _metrics(r).items() if k in ("hit@1", "mrr@10")}
              for m, r in ranks.items()}
    report["n"] = len(pairs)
    report["language"] = language
    return report


def evaluate_outside(encoder: Encoder, params: Optional[dict], split: str = "test") -> Dict:
    """evaluate_corpus on every cached outside collection (knowledge.outside); absent ones are
    reported as skipped, with the command that prepares them."""
    from knowledge.outside import COLLECTIONS, load_split

    report = {}
    for name, (language, _, description) in COLLECTIONS.items():
        loaded = load_split(name, split)
        if loaded is None:
            report[name] = {"skipped": f"{description}: not in the local cache "
                                       f"(python -m knowledge prepare-outside)"}
            continue
        pairs, answers = loaded
        report[name] = evaluate_corpus(pairs, encoder=encoder, answers=answers, params=params,
                                       language=language)
    return report


def format_outside(report: Dict, split: str) -> str:
    lines = [f"outside collections ({split} split), hit@1 / mrr@10:",
             f"{'collection':<12}{'n':>5}" + "".join(f"{m:>16}" for m in ("bm25", "dense", "hybrid"))]
    for name, r in report.items():
        if "skipped" in r:
            lines.append(f"{name:<12} skipped: {r['skipped']}")
            continue
        lines.append(f"{name:<12}{r['n']:>5}" + "".join(
            f"{r[m]['hit@1']:>8.4f}{r[m]['mrr@10']:>8.4f}" for m in ("bm25", "dense", "hybrid")))
    return "\n".join(lines)


def reliability(engine: SearchEngine, rows: Iterable[dict], bins: int = 10) -> Dict:
    """Confidence shown for the best entry against whether it is the right one, on held-out questions
    (an out-of-scope question's best entry is never right): a reliability table and the expected
    calibration error, ECE = Σ n_bin / n · |accuracy_bin − mean confidence_bin|."""
    pairs = []
    for row in rows:
        result = engine.search(row["q"], k=1)
        right = row["topic"] is not None and result.best is not None and result.best.entry_id == row["topic"]
        pairs.append((float(result.confidence), float(right)))
    table, ece, n = [], 0.0, len(pairs)
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, r) for c, r in pairs if low <= c < high or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        confidence = sum(c for c, _ in inside) / len(inside)
        accuracy = sum(r for _, r in inside) / len(inside)
        ece += len(inside) / n * abs(accuracy - confidence)
        table.append({"bin": f"{low:.1f}-{high:.1f}", "n": len(inside), "confidence": round(confidence, 4),
                      "accuracy": round(accuracy, 4)})
    return {"n": n, "ece": round(ece, 4), "bins": table}


def format_reliability(report: Dict) -> str:
    lines = [f"{'bin':<9} {'n':>5} {'confidence':>10} {'accuracy':>9}"]
    lines += [f"{b['bin']:<9} {b['n']:>5} {b['confidence']:>10.4f} {b['accuracy']:>9.4f}" for b in report["bins"]]
    lines.append(f"ECE {report['ece']:.4f} (n={report['n']})")
    return "\n".join(lines)
