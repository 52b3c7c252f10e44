"""Which entry a message is about, given the entry answered last: a short follow-up ("bao lâu thì
có?", "can I pay by card") stays on it; a message that names a new topic switches.

"Names a new topic" is decided by the search itself: the message's words without aspect phrases and
filler, searched alone, must be answered with another entry, with confidence at least SWITCH_CONFIDENCE and a fused-score lead over the previous entry of at
least SWITCH_MARGIN of the best score. The two numbers were chosen on tests/data/followups_dev.jsonl (see
docs/knowledge.md); tests/data/followups_heldout.jsonl checks them and is never tuned on.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Optional

from bot.text import fold_key, normalize
from knowledge.aspects import NEW_TOPIC_OPENER, asks_more, detect_aspect, refers_back, topic_words
from knowledge.search import SearchEngine, SearchResult

MORE = "more"  # the aspect of a "more" step (the rest of the entry)
SWITCH_CONFIDENCE = 0.5
SWITCH_MARGIN = 0.6  # of the best fused score: the top of the dev plateau 0.2–0.6 (docs/knowledge.md)
_FOLLOW_UP_RE = re.compile(r"^(con|the con|vay con|the thi|and|what about|how about|also)\b")
# "ok.", "thanks,", "cảm ơn." before the next question: said to the last answer, not part of the question.
_COURTESY = re.compile(r"^\s*(ok(ay|e)?|thanks?( you)?|thx|tks|c[aả]m [oơ]n( b[aạ]n| em| nh[eé]| nha)?|"
                       r"d[aạ]|v[aâ]ng)\s*[,.!:;-]+\s*", re.IGNORECASE)


def strip_courtesy(text: str) -> str:
    """ "thanks. whats the weather like in november" → the question alone."""
    rest = _COURTESY.sub("", text, count=1)
    return rest if len(rest.split()) >= 2 else text


def is_follow_up(text: str) -> bool:
    """"còn giá vé?", "and the ticket price?": short or opening with a follow-up word."""
    key = fold_key(text)
    return bool(_FOLLOW_UP_RE.match(key)) or len(key.split()) <= 3


@dataclass
class Resolution:
    """The entry to answer (None: decline), the aspect asked about, and the search behind it."""
    entry_id: Optional[str]
    aspect: Optional[str]
    result: SearchResult
    confidence: float
    follow_up: bool = False   # answered about the previous entry
    switched: bool = False    # a follow-up-looking message that named a new topic
    needs_topic: bool = False  # "how much?" with no topic remembered: ask which one, never guess


def entry_confidence(engine: SearchEngine, result: SearchResult, entry_id: str) -> float:
    """The calibrated confidence that `result`'s question is about `entry_id` (any entry, not only
    the best one)."""
    li = engine.index.languages[result.language]
    if result.scores is None or entry_id not in li.entry_ids:
        return 0.0
    position = li.entry_ids.index(entry_id)
    dense, bm25, fused = result.scores
    best = result.hits[0].position
    rival = best if best != position else (result.hits[1].position if len(result.hits) > 1 else position)
    features = engine.candidate_features(result.query, result.language, dense, bm25, fused, position, rival,
                                         result.features.get("domain", 1.0))
    return engine.confidence(features, result.language)


TIE_SHARE = 0.05  # fused scores within 5 % of the best are a tie


def lead_over(engine: SearchEngine, result: SearchResult, entry_id: str) -> float:
    """How far the best entry's fused score is ahead of `entry_id`'s for this question, as a share of
    the best score: the fused scale depends on each language's learned dense weight (and so on the
    encoder), a relative lead does not."""
    li = engine.index.languages[result.language]
    if result.scores is None or not result.hits or entry_id not in li.entry_ids:
        return 1.0
    fused = result.scores[2]
    best = float(fused[result.hits[0].position])
    return (best - float(fused[li.entry_ids.index(entry_id)])) / best if best > 0 else 0.0


TopicSearch = Callable[[str], Optional[SearchResult]]


def topic_search(engine: SearchEngine, question: str) -> TopicSearch:
    """language → the message's words without aspect phrases and filler ("hộ chiếu", "thien mu
    pagoda"; none in "bao lâu thì có?") searched alone, or None when none are left; each language
    searched at most once per message."""
    @functools.lru_cache(maxsize=None)
    def search(language: str) -> Optional[SearchResult]:
        words = topic_words(question, language)
        return engine.search(" ".join(words), language=language) if words else None
    return search


def new_topic_search(engine: SearchEngine, result: SearchResult, previous: str, question: str,
                     alone: TopicSearch, min_confidence: float = SWITCH_CONFIDENCE,
                     min_margin: float = SWITCH_MARGIN) -> Optional[SearchResult]:
    """The message names another topic: its topic words (`alone`) are, searched alone, answered with
    another entry confidently and well ahead of the remembered one. That search, else None."""
    if not result.answered or result.best is None or result.best.entry_id == previous or refers_back(question):
        return None
    found = alone(result.language)
    if (found is not None and found.answered and found.best is not None and found.best.entry_id != previous
            and found.confidence >= min_confidence and lead_over(engine, found, previous) >= min_margin):
        return found
    return None


def _switch(engine: SearchEngine, plain: SearchResult, alone: SearchResult, previous: str,
            aspect: Optional[str]) -> Resolution:
    """The new topic: the whole message's best entry, unless the topic words alone find another one
    more confidently ("ok and what time does dong ba market open": the words "dong ba market")."""
    plain_named = plain.answered and plain.best is not None and plain.best.entry_id != previous
    # Topic words alone are often a near tie ("hộ chiếu": passport, lost passport, ...); a near tie
    # with the whole message's best entry is no reason to leave it.
    best = plain if (plain_named and (plain.confidence >= alone.confidence
                                      or lead_over(engine, alone, plain.best.entry_id) < TIE_SHARE)) else alone
    return Resolution(best.best.entry_id, aspect, best, best.confidence, switched=True)


def opens_new_topic(engine: SearchEngine, question: str, language: str, previous: str,
                    alone: TopicSearch) -> Optional[SearchResult]:
    """ "còn tiền điện thì sao", "thế còn lăng Khải Định", "what about the train": an opener followed by
    words of its own that are, searched alone, answered with another entry. That search, else None."""
    if not NEW_TOPIC_OPENER.match(fold_key(question)) or refers_back(question):
        return None
    found = alone(language)
    if found is None or not (found.answered and found.best is not None and found.best.entry_id != previous):
        return None
    # "what about children?" after the Imperial City is about its tickets: the words must belong more to
    # the new entry than to the remembered one.
    # Words both entries hold ("trước bạ" after vehicle registration) name the one they rank well ahead.
    previous_share, new_share = matched_share(engine, found, previous), matched_share(engine, found, found.best.entry_id)
    if previous_share > new_share or (previous_share == new_share and lead_over(engine, found, previous) < TIE_SHARE):
        return None
    return found


def matched_share(engine: SearchEngine, result: SearchResult, entry_id: str) -> float:
    """The IDF-weighted share of the question's words that the entry's text contains."""
    li = engine.index.languages[result.language]
    if entry_id not in li.entry_ids:
        return 0.0
    return li.lexical.matched_share(result.query, li.entry_vocabulary(li.entry_ids.index(entry_id)))


def resolve(engine: SearchEngine, question: str, language: str, previous: Optional[str],
            min_confidence: float = SWITCH_CONFIDENCE, min_margin: float = SWITCH_MARGIN) -> Resolution:
    question = strip_courtesy(normalize(question))
    aspect = detect_aspect(question)
    plain = engine.search(question, language=language)
    if previous in engine.index.entries and asks_more(question):  # "Xem thêm" / "More" typed
        return Resolution(previous, MORE, plain, 1.0, follow_up=True)
    if previous in engine.index.entries and (aspect or is_follow_up(question)):
        searched = topic_search(engine, question)
        alone = new_topic_search(engine, plain, previous, question, searched, min_confidence, min_margin)
        if alone is None:  # "còn lệ phí trước bạ thì sao": an opener names the new topic, aspect or not
            alone = opens_new_topic(engine, question, language, previous, searched)
        if alone is not None:
            return _switch(engine, plain, alone, previous, aspect)
        title = engine.index.entries[previous].block(language).title
        context = engine.search(f"{question} {title}", language=language)
        if aspect:
            return Resolution(previous, aspect, context, entry_confidence(engine, context, previous),
                              follow_up=True)
        if context.answered:  # "còn giá vé?" after the Imperial City may be the tickets entry
            best = context.best.entry_id
            return Resolution(best, None, context, context.confidence, follow_up=best == previous)
    if (aspect or asks_more(question)) and not topic_words(question, language):
        # "does it cost anything?" with nothing remembered (a first message, or after a decline):
        # any entry the search finds would be a guess.
        return Resolution(None, aspect, plain, plain.confidence, needs_topic=True)
    if not plain.answered:
        return Resolution(None, aspect, plain, plain.confidence)
    return Resolution(plain.best.entry_id, aspect, plain, plain.confidence)
