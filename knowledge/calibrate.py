"""Fits the fusion weights and the confidence model on data the evaluation never sees.

Fusion weights are chosen by leave-one-out hit@1 over the entries' own question paraphrases (each
searched with itself left out of the index). The confidence model then separates in-scope questions
(those paraphrases, and the hand-written NLU questions about procedures, services and tourism) from
out-of-scope ones (the `out_of_scope` NLU examples and knowledge/calibration/out_of_scope.yml). The dev
set in tests/data is not used here.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import yaml

from bot.nlu_data import read_examples
from bot.settings import PROJECT_ROOT
from bot.text import EN, VI, detect_language
from knowledge.search import DEFAULT_PARAMS, FEATURES, SearchEngine

logger = logging.getLogger(__name__)

NLU_DIR = PROJECT_ROOT / "nlu_data" / "nlu"
HARD_NEGATIVES = Path(__file__).resolve().parent / "calibration" / "out_of_scope.yml"
WEIGHT_GRID = (0.2, 0.4, 0.6, 0.8, 1.0, 1.5)
BETA_GRID = (2.0, 4.0, 8.0)
MIN_DECLINED = 0.97  # share of calibration out-of-scope questions the threshold must decline


IN_SCOPE_INTENTS = ("ask_procedure", "ask_city_service", "ask_tourism")
GENERATED_NLU = "knowledge_questions.yml"  # generated from the entries themselves: not independent


def nlu_questions(intents, nlu_dir: Path = NLU_DIR) -> List[Tuple[str, str]]:
    """(text, language) of the hand-written NLU examples of the given intents."""
    return [(text, detect_language(text) or VI)
            for path in sorted(nlu_dir.glob("*.yml")) if path.name != GENERATED_NLU
            for intent, texts in read_examples(path).items() if intent in intents
            for text in texts]


def out_of_scope_questions(nlu_dir: Path = NLU_DIR, hard: Path = HARD_NEGATIVES) -> List[Tuple[str, str]]:
    """(text, language): the out_of_scope NLU training examples and the hard negatives (other cities'
    sights, civic topics without an entry) in knowledge/calibration/."""
    questions = nlu_questions(("out_of_scope",), nlu_dir)
    if hard.exists():
        for item in (yaml.safe_load(hard.read_text(encoding="utf-8")) or {}).get("questions", []):
            questions.append((str(item["text"]), item.get("lang") or detect_language(item["text"]) or VI))
    return questions


@dataclass
class Question:
    """A calibration question with its per-entry raw scores, computed once."""

    text: str
    dense: np.ndarray
    bm25: np.ndarray
    exclude: Optional[int] = None   # the passage left out (leave-one-out)
    expected: Optional[int] = None  # the entry column it belongs to, when known


def _question(engine: SearchEngine, text: str, language: str, vector: np.ndarray,
              exclude: Optional[int] = None, expected: Optional[int] = None) -> Question:
    expanded = engine.synonyms.expand(text, language)
    if expanded != text:
        text, vector = expanded, None  # search embeds the expanded question, so calibrate on it too
    dense, bm25 = engine.entry_scores(text, language, exclude=exclude, vector=vector)
    return Question(text, dense, bm25, exclude, expected)


def _paraphrases(engine: SearchEngine, language: str) -> List[Question]:
    """Every question passage of a language, searched with itself left out."""
    li = engine.index.languages[language]
    return [_question(engine, p.text, language, li.faiss.reconstruct(i), exclude=i,
                      expected=int(li.passage_entry[i]))
            for i, p in enumerate(li.passages) if p.kind == "question"]


def _feature_row(engine: SearchEngine, question: Question, language: str) -> List[float]:
    _, _, features = engine.features(question.text, language, question.dense, question.bm25,
                                     exclude=question.exclude)
    return [features[name] for name in FEATURES]


def calibrate_language(engine: SearchEngine, language: str, positives: List[Tuple[str, np.ndarray]],
                       negatives: List[Tuple[str, np.ndarray]]) -> Dict:
    """Fusion weights by leave-one-out hit@1, then a logistic in-scope model and its threshold."""
    from sklearn.linear_model import LogisticRegression

    paraphrases = _paraphrases(engine, language)
    best = None
    for weight, beta in itertools.product(WEIGHT_GRID, BETA_GRID):
        engine.params[language] = {**DEFAULT_PARAMS, "bm25_weight": weight, "bm25_beta": beta}
        hits = sum(int(np.argmax(engine.rank(q.dense, q.bm25, language))) == q.expected for q in paraphrases)
        if best is None or hits > best[0]:
            best = (hits, weight, beta)
    hits, weight, beta = best
    params = {**DEFAULT_PARAMS, "bm25_weight": weight, "bm25_beta": beta}
    engine.params[language] = params

    in_scope = paraphrases + [_question(engine, text, language, vec) for text, vec in positives]
    out_of_scope = [_question(engine, text, language, vec) for text, vec in negatives]
    X = np.array([_feature_row(engine, q, language) for q in in_scope + out_of_scope])
    n_in_scope = len(in_scope)
    y = np.r_[np.ones(n_in_scope), np.zeros(len(out_of_scope))]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(X, y)
    probabilities = model.predict_proba(X)[:, 1]

    # Lowest threshold (at least 0.5) that still declines MIN_DECLINED of the out-of-scope questions.
    oos = np.sort(probabilities[n_in_scope:])
    threshold = 0.5
    if len(oos):
        threshold = max(0.5, float(oos[int(np.ceil(MIN_DECLINED * len(oos))) - 1]) + 1e-6)
    params.update(
        coef=[float(c) for c in model.coef_[0]], intercept=float(model.intercept_[0]),
        threshold=round(threshold, 6), features=list(FEATURES),
        calibration_scores={
            "loo_hit@1": round(hits / max(1, len(paraphrases)), 4),
            "in_scope_answered": round(float((probabilities[:n_in_scope] >= threshold).mean()), 4),
            "oos_declined": round(float((probabilities[n_in_scope:] < threshold).mean()), 4),
            "n_in_scope": n_in_scope, "n_out_of_scope": len(negatives),
        },
    )
    engine.params[language] = params
    return params


def calibrate(engine: SearchEngine) -> Dict:
    """Per-language parameters to store in the manifest."""
    negatives = out_of_scope_questions()
    negative_vectors = engine.encoder.encode([t for t, _ in negatives])
    positives = nlu_questions(IN_SCOPE_INTENTS)
    positive_vectors = engine.encoder.encode([t for t, _ in positives])
    result = {}
    for language in (VI, EN):
        own = [(t, v) for (t, lang), v in zip(positives, positive_vectors) if lang == language]
        # Out-of-scope questions are asked of both blocks: the engine falls back across languages.
        result[language] = calibrate_language(engine, language, own,
                                              list(zip([t for t, _ in negatives], negative_vectors)))
        logger.info("calibration %s: %s", language, result[language]["calibration_scores"])
    return result
