"""Lexical search: BM25 (bm25s) over accent-folded tokens.

Vietnamese is word-segmented with pyvi ("căn_cước") and accent-folded; tokens are the syllables, the
adjacent-syllable bigrams and pyvi's longer compounds, so "thu tuc lam can cuoc" (which pyvi cannot
segment without diacritics) still matches "thủ tục làm căn cước" word for word. English is lower-cased with a small stop-word list.
"""
from __future__ import annotations

import math
import re
from typing import List, Sequence

import bm25s
import numpy as np

from bot.text import EN, fold_key, normalize

# Bump when tokenization changes: the persisted calibration depends on it.
TOKENIZER_VERSION = 2
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
        self.token_sets = [frozenset(doc) for doc in corpus]
        document_frequency: dict = {}
        for doc in self.token_sets:
            for token in doc:
                document_frequency[token] = document_frequency.get(token, 0) + 1
        n = len(corpus)
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in document_frequency.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no token is known)."""
        ids = self._bm25.get_tokens_ids(tokenize(query, self.language))
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
