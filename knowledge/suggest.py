"""Knowledge suggestions for a hotline agent: the top entries for what a caller said, each with its
own calibrated confidence, a short answer to read out and the source to cite.

Pure computation over a SearchEngine (no web framework); the action server's hotline API calls it in
an executor.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import List, Optional

from knowledge.search import SearchEngine

SHORT_ANSWER_CHARS = 280
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    title: str
    short_answer: str
    answer: str           # the full text to copy: answer, steps and source
    source_url: str
    confidence: float     # calibrated probability that this entry answers the question


@dataclass(frozen=True)
class Suggestions:
    language: str
    answered: bool        # the best entry clears the engine's threshold (the chat bot would answer)
    confidence: float
    items: List[Suggestion]

    def as_json(self) -> dict:
        return asdict(self)


def short_answer(text: str, limit: int = SHORT_ANSWER_CHARS) -> str:
    """Whole leading sentences within `limit` characters (at least the first one, cut at a word)."""
    text = " ".join(text.split())
    taken = ""
    for sentence in _SENTENCE_END_RE.split(text):
        candidate = f"{taken} {sentence}".strip()
        if len(candidate) > limit:
            break
        taken = candidate
    if not taken:
        cut = text[:limit].rsplit(" ", 1)[0]
        taken = cut.rstrip(",;:") + "…"
    return taken


def full_answer(entry, language: str) -> str:
    block = entry.block(language)
    parts = [block.answer.strip()]
    if block.steps:
        parts.append("\n".join(f"• {step}" for step in block.steps))
    parts.append(("Nguồn: " if language == "vi" else "Source: ") + entry.source_url)
    return "\n\n".join(parts)


def suggest(engine: SearchEngine, query: str, language: Optional[str] = None, k: int = 3) -> Suggestions:
    """The top `k` entries for `query` in the language the engine searched (the query's own, or the
    other one when only that answers)."""
    result = engine.search(query, language=language, k=k)
    if not result.hits:
        return Suggestions(result.language, False, 0.0, [])
    dense, bm25, fused = result.scores  # the search's own scores: nothing is computed twice
    positions = [hit.position for hit in result.hits]
    items = []
    for rank, (hit, position) in enumerate(zip(result.hits, positions)):
        rival = positions[1] if rank == 0 and len(positions) > 1 else positions[0]
        if rank == 0:
            confidence = result.confidence
        else:
            features = engine.candidate_features(result.query, result.language, dense, bm25, fused,
                                                 position, rival, result.features["domain"])
            confidence = engine.confidence(features, result.language)
        entry = engine.index.entries[hit.entry_id]
        block = entry.block(result.language)
        items.append(Suggestion(entry.id, block.title, short_answer(block.answer),
                                full_answer(entry, result.language), entry.source_url,
                                round(float(confidence), 4)))
    # Staff read the percentage as how sure the system is: show the surest first (stable: ties keep
    # the ranking's order).
    items.sort(key=lambda item: -item.confidence)
    return Suggestions(result.language, result.answered, round(float(result.confidence), 4), items)
