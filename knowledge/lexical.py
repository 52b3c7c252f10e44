"""Lexical search: BM25 (bm25s) over accent-folded tokens.

Vietnamese is word-segmented with pyvi ("căn_cước") and accent-folded; tokens are the syllables, the
adjacent-syllable bigrams and pyvi's longer compounds, so "thu tuc lam can cuoc" (which pyvi cannot
segment without diacritics) still matches "thủ tục làm căn cước" word for word. English is lower-cased with a small stop-word list.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import bm25s
import numpy as np

from bot.text import EN, fold_key, normalize

# Bump when tokenization or lexical scoring changes: the persisted calibration depends on it.
TOKENIZER_VERSION = 3  # 3: entry-level BM25 besides passage BM25
_WORD_RE = re.compile(r"[^\W_]+(?:_[^\W_]+)*", re.UNICODE)

EN_STOP = frozenset(
    """a an the is are was were be been am i you he she it we they me my your our their this that these
    those what where when who whom why how which can could would should will shall do does did have has
    had of in on at for from with about by as and or but if so to into there here any some please pls
    tell know want need get much many""".split()
)
# Particles and fillers of chat Vietnamese that say nothing about the topic.
VI_STOP = frozenset(
    """a ah ad oi nha nhe nhen vay z the thi la o cho toi minh em anh chi ban co khong ko k duoc dc
    gi j nao sao nhu nay do a_oi xin hoi cho_hoi vui_long giup""".split()
)


def _pyvi_tokenize(text: str) -> str:
    from pyvi import ViTokenizer  # loads its CRF model once, on first use

    return ViTokenizer.tokenize(text)


def tokenize(text: str, language: str) -> List[str]:
    """Index/query tokens for `text` in `language` ("vi" or "en")."""
    text = normalize(text)
    if language == EN:
        words = [w for w in _WORD_RE.findall(text.lower()) if w not in EN_STOP]
        return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]
    tokens: List[str] = []
    syllables: List[str] = []
    for word in _WORD_RE.findall(_pyvi_tokenize(text)):
        folded = fold_key(word)
        parts = folded.split("_")
        syllables.extend(parts)
        tokens.extend(p for p in parts if p not in VI_STOP)
        if len(parts) > 2:
            tokens.append(folded)  # pyvi compounds longer than a bigram
    # Adjacent-syllable bigrams: text typed without diacritics (which pyvi cannot segment) still
    # matches two-syllable words like "can_cuoc" and phrases like "gia_ve".
    tokens.extend(f"{a}_{b}" for a, b in zip(syllables, syllables[1:]))
    return tokens


class LexicalIndex:
    """BM25 over a fixed list of passages of one language."""

    def __init__(self, language: str, passages: Sequence[str]) -> None:
        self.language = language
        self.size = len(passages)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(p, language) or ["_empty_"] for p in passages]
        # bm25s builds its vocabulary from lists of tokens; "_empty_" keeps empty passages indexable.
        self._bm25.index(corpus, show_progress=False)
        self.corpus = corpus
        self.token_sets = [frozenset(doc) for doc in corpus]
        document_frequency: dict = {}
        for doc in self.token_sets:
            for token in doc:
                document_frequency[token] = document_frequency.get(token, 0) + 1
        n = len(corpus)
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in document_frequency.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def scores(self, query: str, tokens: Optional[List[str]] = None) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no token is known); `tokens`: the
        query already tokenized."""
        ids = self._bm25.get_tokens_ids(tokenize(query, self.language) if tokens is None else tokens)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def matched_share(self, query: str, vocabulary: frozenset) -> float:
        """IDF-weighted share of the query's tokens found in `vocabulary` (an entry's tokens).

        Unknown words weigh the most, so "vé vào Bà Nà Hills" matched only on "vé" scores low."""
        tokens = set(tokenize(query, self.language))
        if not tokens:
            return 0.0
        weights = {t: self._idf.get(t, self._unknown_idf) for t in tokens}
        return sum(w for t, w in weights.items() if t in vocabulary) / sum(weights.values())


class EntryBM25:
    """BM25 over whole entries: all of an entry's passages in one language as one document.

    Passage BM25 max-pooled per entry lets one short paraphrase that shares the question's generic
    words ("dang ky ... online tren dich vu cong") beat the entry whose every passage says the topic
    word ("khai sinh"), a word the question typed without diacritics shares with no single short
    passage. The entry-level score counts how much of the entry is about the question's words; the
    search adds it to the passage score with a weight learned per language (`knowledge.calibrate`).
    """

    def __init__(self, corpus: Sequence[Sequence[str]], passage_entry: np.ndarray, n_entries: int,
                 k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.passage_entry = np.asarray(passage_entry)
        self._passage_tf = [Counter(doc) for doc in corpus]
        entry_tf = [Counter() for _ in range(n_entries)]
        for counts, column in zip(self._passage_tf, self.passage_entry):
            entry_tf[column].update(counts)
        self._tf = entry_tf
        self._lengths = np.array([sum(c.values()) for c in entry_tf], dtype=np.float64)
        self._average = float(self._lengths.mean()) if n_entries else 1.0
        document_frequency = Counter(t for counts in entry_tf for t in counts)
        self._idf = {t: math.log(1 + (n_entries - df + 0.5) / (df + 0.5)) for t, df in document_frequency.items()}
        postings: Dict[str, List[Tuple[int, int]]] = {}
        for column, counts in enumerate(entry_tf):
            for token, f in counts.items():
                postings.setdefault(token, []).append((column, f))
        self._postings = {t: (np.array([c for c, _ in p]), np.array([f for _, f in p], dtype=np.float64))
                          for t, p in postings.items()}

    def _term(self, token: str, f: np.ndarray, length: np.ndarray) -> np.ndarray:
        norm = self.k1 * (1 - self.b + self.b * length / self._average)
        return self._idf[token] * f * (self.k1 + 1) / (f + norm)

    def scores(self, tokens: Sequence[str], exclude: Optional[int] = None) -> np.ndarray:
        """Score of every entry for the query tokens; `exclude` leaves one passage out of its entry
        (leave-one-out calibration)."""
        out = np.zeros(len(self._tf), dtype=np.float64)
        query = [t for t in dict.fromkeys(tokens) if t in self._postings]
        for token in query:
            columns, f = self._postings[token]
            out[columns] += self._term(token, f, self._lengths[columns])
        if exclude is not None:
            column, removed = int(self.passage_entry[exclude]), self._passage_tf[exclude]
            length = np.array([self._lengths[column] - sum(removed.values())])
            out[column] = sum(float(self._term(t, np.array([self._tf[column][t] - removed.get(t, 0)]), length)[0])
                              for t in query if self._tf[column].get(t, 0) > removed.get(t, 0))
        return out.astype(np.float32)
