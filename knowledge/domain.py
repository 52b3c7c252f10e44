"""Is a question one the knowledge base is about at all? A small text classifier, one of the
confidence features.

Retrieval scores alone say how close the nearest entry is, not whether the question belongs to the
domain: with an English-only sentence encoder, a Vietnamese question about a procedure can score as
low as "thời tiết ở Paris". This model learns the domain from words: TF-IDF over accent-folded word
1–2-grams and character 2–5-grams, logistic regression, trained on

- in scope: every entry's title and question paraphrases (both languages), the hand-written NLU
  examples of ask_procedure / ask_city_service / ask_tourism and knowledge/calibration/in_scope.yml
  (longer questions, with the context people add);
- out of scope: the out_of_scope NLU examples, knowledge/calibration/out_of_scope.yml, the CLINC150
  oos_train queries and CLINC150 training queries of intents that are not ours (`other_requests`).

The dev set in tests/data is never used. Training takes about a second and is deterministic, so the
model is trained when the engine opens rather than persisted (nothing to unpickle). Calibration uses
out-of-fold probabilities (`out_of_fold`) so the confidence model does not learn from a feature that
has seen its own answer.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import yaml

from bot.nlu_data import read_examples
from bot.text import EN, VI, detect_language, fold_key, normalize
from knowledge.index import CALIBRATION_DIR, NLU_DIR  # what sources_hash covers: edits rebuild

HARD_NEGATIVES = CALIBRATION_DIR / "out_of_scope.yml"
IN_SCOPE_EXTRA = CALIBRATION_DIR / "in_scope.yml"
IN_SCOPE_INTENTS = ("ask_procedure", "ask_city_service", "ask_tourism")
GENERATED_NLU = "knowledge_questions.yml"  # generated from the entries themselves: not independent
FOLDS = 5
_SPACE_RE = re.compile(r"\s+")


def nlu_questions(intents, nlu_dir: Path = NLU_DIR) -> List[Tuple[str, str]]:
    """(text, language) of the hand-written NLU examples of the given intents."""
    return [(text, detect_language(text) or VI)
            for path in sorted(nlu_dir.glob("*.yml")) if path.name != GENERATED_NLU
            for intent, texts in read_examples(path).items() if intent in intents
            for text in texts]


def _calibration_file(path: Path) -> List[Tuple[str, str]]:
    """(text, language) of a knowledge/calibration/*.yml question list."""
    if not path.exists():
        return []
    return [(normalize(str(item["text"])), item.get("lang") or detect_language(item["text"]) or VI)
            for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("questions", [])]


def in_scope_questions(nlu_dir: Path = NLU_DIR, extra: Path = IN_SCOPE_EXTRA) -> List[Tuple[str, str]]:
    """(text, language): the ask_* NLU examples and knowledge/calibration/in_scope.yml."""
    return nlu_questions(IN_SCOPE_INTENTS, nlu_dir) + _calibration_file(extra)


def out_of_scope_questions(nlu_dir: Path = NLU_DIR, hard: Path = HARD_NEGATIVES) -> List[Tuple[str, str]]:
    """(text, language): the out_of_scope NLU training examples and the hard negatives (other cities'
    sights, permits no office here issues, everyday questions) in knowledge/calibration/out_of_scope.yml,
    and with the default files also the public CLINC150 oos_train queries (knowledge/outside/; its val
    split checks declining, its test split is only reported)."""
    public: List[Tuple[str, str]] = []
    if hard == HARD_NEGATIVES:
        from knowledge.outside import clinc_oos

        public = [(normalize(q), EN) for q in clinc_oos("train")]
    return nlu_questions(("out_of_scope",), nlu_dir) + _calibration_file(hard) + public


def other_requests(hard: Path = HARD_NEGATIVES) -> List[str]:
    """With the default files, the CLINC150 training queries of intents that are not ours (banking,
    recipes, smart home, car care…, knowledge/outside/clinc150_other_intents.json): out-of-scope text
    for the domain model only. They are easy to decline; among the confidence model's negatives, 1,460
    of them would set its threshold instead of the questions that are hard to decline."""
    if hard != HARD_NEGATIVES:
        return []
    from knowledge.outside import clinc_other_intents

    return [normalize(q) for q in clinc_other_intents()]


def _fold(text: str) -> str:
    return _SPACE_RE.sub(" ", fold_key(normalize(text)).replace("_", " ")).strip()


def _pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.feature_extraction.text import TfidfVectorizer

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    return make_pipeline(features, LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000))


def training_data(passages: Sequence, nlu_dir: Path = NLU_DIR, hard: Path = HARD_NEGATIVES,
                  extra: Path = IN_SCOPE_EXTRA) -> Tuple[List[str], np.ndarray]:
    """Texts and labels (1 in scope, 0 out of scope), deduplicated by folded text (first label wins)."""
    labelled: Dict[str, int] = {}
    in_scope = [p.text for p in passages if p.kind in ("title", "question")]
    in_scope += [t for t, _ in in_scope_questions(nlu_dir, extra)]
    for text in in_scope:
        labelled.setdefault(_fold(text), 1)
    for text in [t for t, _ in out_of_scope_questions(nlu_dir, hard)] + other_requests(hard):
        labelled.setdefault(_fold(text), 0)
    texts = [t for t in labelled if t]
    return texts, np.array([labelled[t] for t in texts])


class DomainModel:
    """P(in scope | question text)."""

    def __init__(self, texts: List[str], labels: np.ndarray) -> None:
        self.texts = texts
        self.labels = labels
        self.trained = len(set(labels.tolist())) == 2
        self._model = _pipeline().fit(texts, labels) if self.trained else None

    @classmethod
    def from_passages(cls, passages: Sequence, nlu_dir: Path = NLU_DIR, hard: Path = HARD_NEGATIVES,
                      extra: Path = IN_SCOPE_EXTRA) -> "DomainModel":
        return cls(*training_data(passages, nlu_dir, hard, extra))

    def probability(self, text: str) -> float:
        if not self.trained:
            return 1.0  # nothing to learn from (a bare synthetic index): neutral
        return float(self._model.predict_proba([_fold(text)])[0, 1])

    def out_of_fold(self, texts: Sequence[str], folds: int = FOLDS, seed: int = 0) -> List[float]:
        """Probabilities for `texts` from models that did not see them: a training text gets its
        out-of-fold prediction, any other text the full model's."""
        if not self.trained:
            return [1.0] * len(texts)
        from sklearn.model_selection import StratifiedKFold

        predicted = np.zeros(len(self.texts))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, held_out in splitter.split(self.texts, self.labels):
            model = _pipeline().fit([self.texts[i] for i in train], self.labels[train])
            predicted[held_out] = model.predict_proba([self.texts[i] for i in held_out])[:, 1]
        by_text = dict(zip(self.texts, predicted))
        return [float(by_text[key]) if key in by_text else self.probability(text)
                for text, key in ((t, _fold(t)) for t in texts)]
