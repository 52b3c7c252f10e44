"""Hybrid knowledge search: dense (FAISS) + BM25, fused per entry, with a calibrated confidence.

Passage scores are max-pooled per entry. The lexical score of an entry is the weighted mean of its best
passage's BM25 and (weight `e`) the BM25 of the whole entry as one document
(`knowledge.lexical.EntryBM25`). The fused score
is `a * dense + w * lexical/(lexical + beta)`, with the weights learned per language at build time
(`knowledge.calibrate`): `a` measures how informative the configured encoder is in that language (0
turns dense off for ranking); the
confidence is a logistic model over the top candidate's retrieval features and the question's
in-domain probability (`knowledge.domain`), fitted by `knowledge.calibrate` on the entries' own
paraphrases (leave-one-out) and out-of-scope questions, and stored in the manifest.
Below `threshold` the engine declines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from bot.text import EN, VI, detect_language, normalize
from knowledge.dense import Encoder, search_faiss
from knowledge.domain import DomainModel
from knowledge.index import KnowledgeIndex, LanguageIndex
from knowledge.lexical import tokenize
from knowledge.synonyms import Synonyms

DENSE_CANDIDATES = 200
# Defaults used before calibration has run (and as its starting point).
DEFAULT_PARAMS = {"dense_weight": 1.0, "bm25_weight": 0.6, "bm25_beta": 4.0, "entry_weight": 0.0, "coef": [6.0, 3.0, 4.0, 3.0, 4.0],
                  "intercept": -8.5, "threshold": 0.5}
LANGUAGE_KEYS = ("vi", "en")
FEATURES = ("dense", "bm25", "margin", "matched", "domain")
METHODS = ("hybrid", "dense", "bm25")


@dataclass
class Hit:
    entry_id: str
    score: float          # fused score (ranking)
    dense: float
    bm25: float
    title: str
    source_url: str
    position: int = -1    # the entry's row in the language's score arrays


@dataclass
class SearchResult:
    query: str
    language: str
    hits: List[Hit]
    confidence: float
    answered: bool
    features: Dict[str, float] = field(default_factory=dict)
    # (dense, bm25, fused) per entry, so callers can score other candidates without searching again.
    scores: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default=None, repr=False)

    @property
    def best(self) -> Optional[Hit]:
        return self.hits[0] if self.hits else None


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 40.0), -40.0)))


class SearchEngine:
    """Ranks entries for a question; pure computation over a loaded KnowledgeIndex."""

    def __init__(self, index: KnowledgeIndex, encoder: Encoder, params: Optional[dict] = None,
                 synonyms: Optional[Synonyms] = None, domain: Optional[DomainModel] = None) -> None:
        self.index = index
        self.encoder = encoder
        self.synonyms = synonyms if synonyms is not None else Synonyms.load()
        self._domain = domain
        given = params or index.calibration or {}
        # Per-language parameters: Vietnamese and English scores live on different scales.
        self.params = {lang: {**DEFAULT_PARAMS, **given.get(lang, {})} for lang in LANGUAGE_KEYS}

    @property
    def domain(self) -> DomainModel:
        """The in-domain classifier, trained on first use from the index's titles and paraphrases
        (open_engine trains it at start-up)."""
        if self._domain is None:
            passages = [p for li in self.index.languages.values() for p in li.passages]
            self._domain = DomainModel.from_passages(passages)
        return self._domain

    def threshold(self, language: str) -> float:
        return float(self.params[language]["threshold"])

    def entry_scores(self, query: str, language: str, exclude: Optional[int] = None,
                     vector: Optional[np.ndarray] = None):
        """Per-entry dense and raw lexical score arrays for one language (the lexical one combines
        passage and entry BM25 with the language's `entry_weight`).

        `exclude` drops one passage (leave-one-out calibration)."""
        dense = self.dense_scores(query, language, exclude, vector)
        passage, entry = self.lexical_scores(query, language, exclude)
        return dense, self.combine_lexical(passage, entry, language)

    def dense_scores(self, query: str, language: str, exclude: Optional[int] = None,
                     vector: Optional[np.ndarray] = None) -> np.ndarray:
        """Per entry, the best passage's cosine similarity."""
        li: LanguageIndex = self.index.languages[language]
        qv = self.encoder.encode_query(query) if vector is None else vector
        k = min(DENSE_CANDIDATES, len(li.passages))
        sims, ids = search_faiss(li.faiss, qv[None, :], k)
        sims, ids = sims[0], ids[0]
        keep = (ids >= 0) & (ids != (-2 if exclude is None else exclude))
        sims, ids = sims[keep], ids[keep]
        floor = float(sims.min()) if len(sims) else 0.0
        dense = np.full(len(li.entry_ids), floor, dtype=np.float32)
        np.maximum.at(dense, li.passage_entry[ids], sims)
        return dense

    def lexical_scores(self, query: str, language: str,
                       exclude: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Per entry, (the best passage's BM25, the whole entry's BM25), independent of the tuned
        weights so calibration computes them once per question."""
        li: LanguageIndex = self.index.languages[language]
        tokens = tokenize(query, language)
        raw = li.lexical.scores(query, tokens)
        if exclude is not None:
            raw[exclude] = 0.0
        passage = np.zeros(len(li.entry_ids), dtype=np.float32)
        np.maximum.at(passage, li.passage_entry, raw)
        return passage, li.entry_lexical.scores(tokens, exclude)

    def combine_lexical(self, passage: np.ndarray, entry: np.ndarray, language: str) -> np.ndarray:
        """(passage + e · entry) / (1 + e): a weighted mean, so the score keeps the scale that the
        saturation β and the confidence model's BM25 feature were fitted on."""
        weight = float(self.params[language]["entry_weight"])
        return (passage + weight * entry) / (1.0 + weight)

    def saturate(self, bm25: np.ndarray, language: str) -> np.ndarray:
        """Raw lexical score to [0, 1): bm25 / (bm25 + beta)."""
        return bm25 / (bm25 + float(self.params[language]["bm25_beta"]))

    def rank(self, dense: np.ndarray, bm25: np.ndarray, language: str, method: str = "hybrid") -> np.ndarray:
        """Ranking scores per entry from `entry_scores`' arrays."""
        if method == "dense":
            return dense
        saturated = self.saturate(bm25, language)
        if method == "bm25":
            return saturated
        params = self.params[language]
        return float(params["dense_weight"]) * dense + float(params["bm25_weight"]) * saturated

    def features(self, query: str, language: str, dense: np.ndarray, bm25: np.ndarray, domain: float,
                 method: str = "hybrid", exclude: Optional[int] = None):
        """(entries best first, ranking scores, confidence features of the best entry).

        The one place the confidence features are computed, for search and for calibration alike.
        `domain` is the question's in-domain probability (calibration passes out-of-fold values)."""
        fused = self.rank(dense, bm25, language, method)
        order = np.argsort(-fused, kind="stable")
        features = self.candidate_features(query, language, dense, bm25, fused, order[0], order[1],
                                           domain, exclude)
        return order, fused, features

    def candidate_features(self, query: str, language: str, dense: np.ndarray, bm25: np.ndarray,
                           fused: np.ndarray, position: int, rival: int, domain: float,
                           exclude: Optional[int] = None) -> Dict[str, float]:
        """Confidence features of the entry at `position` against its strongest `rival` (for the best
        entry the runner-up; for any other, the best): what `confidence` turns into a probability."""
        li = self.index.languages[language]
        return {"dense": float(dense[position]), "bm25": float(self.saturate(bm25[position], language)),
                "margin": float(fused[position] - fused[rival]),
                "matched": li.lexical.matched_share(query, li.entry_vocabulary(position, exclude)),
                "domain": float(domain)}

    def confidence(self, features: Dict[str, float], language: str) -> float:
        params = self.params[language]
        total = sum(c * features[name] for c, name in zip(params["coef"], FEATURES))
        return _sigmoid(total + float(params["intercept"]))

    def search_language(self, query: str, language: str, k: int = 5, method: str = "hybrid",
                        domain: Optional[float] = None) -> SearchResult:
        li = self.index.languages[language]
        domain = self.domain.probability(query) if domain is None else domain  # on the words typed
        query = self.synonyms.expand(query, language)
        dense, bm25 = self.entry_scores(query, language)
        order, fused, features = self.features(query, language, dense, bm25, domain, method)
        confidence = self.confidence(features, language)
        saturated = self.saturate(bm25, language)
        hits = []
        for position in order[:k]:
            entry = self.index.entries[li.entry_ids[position]]
            hits.append(Hit(entry.id, float(fused[position]), float(dense[position]),
                            float(saturated[position]), entry.block(language).title, entry.source_url,
                            int(position)))
        return SearchResult(query, language, hits, confidence, confidence >= self.threshold(language),
                            features, (dense, bm25, fused))

    def search(self, query: str, language: Optional[str] = None, k: int = 5,
               method: str = "hybrid") -> SearchResult:
        """Search in the query's language; if that declines, try the other language's block."""
        query = normalize(query)
        language = language if language in (VI, EN) else (detect_language(query) or VI)
        result = self.search_language(query, language, k, method)
        if not result.answered:
            other = EN if language == VI else VI
            alternative = self.search_language(query, other, k, method, result.features.get("domain"))
            if alternative.answered:
                return alternative
        return result
