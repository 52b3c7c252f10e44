"""Answer texts cut to fit a phone: a short first answer (title, gist, source), one part on request
("phí bao nhiêu?" gets the fee part), and the rest of the entry behind a "more" step.

Pure text functions over a knowledge Entry; the action adds buttons and sends them.
"""
from __future__ import annotations

import re
from typing import List, Tuple

from knowledge import aspects
from knowledge.schema import Entry

SHORT_MAX = 600   # characters of the first answer (title + gist + source)
GIST_MAX = 320
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _pick(language: str, vi: str, en: str) -> str:
    return en if language == "en" else vi


def source_line(entry: Entry, language: str) -> str:
    return _pick(language, f"Nguồn: {entry.source_url}", f"Source: {entry.source_url}")


def _paragraphs(entry: Entry, language: str) -> List[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", entry.block(language).answer) if p.strip()]


def split_gist(entry: Entry, language: str, limit: int = GIST_MAX) -> Tuple[str, str]:
    """(gist, rest): whole sentences of the first paragraph up to `limit` characters, and what is
    left of the answer (the rest of that paragraph, the other paragraphs and the steps)."""
    paragraphs = _paragraphs(entry, language)
    first = paragraphs[0] if paragraphs else ""
    sentences = _SENTENCE_END.split(first)
    gist = ""
    taken = 0
    for sentence in sentences:
        candidate = f"{gist} {sentence}".strip()
        if len(candidate) > limit:
            break
        gist, taken = candidate, taken + 1
    if not gist:  # one long sentence: cut at a word and say so
        gist = first[:limit - 2].rsplit(" ", 1)[0].rstrip(",;:") + " …"  # room for " …"
        remainder = [first]
    else:
        left = " ".join(sentences[taken:]).strip()
        remainder = [left] if left else []
    steps = entry.block(language).steps
    rest = remainder + paragraphs[1:]
    if steps:
        rest.append("\n".join(f"• {step}" for step in steps))
    return gist, "\n\n".join(rest)


def short_answer(entry: Entry, language: str) -> str:
    """Title, gist and source in at most SHORT_MAX characters."""
    title = entry.block(language).title
    source = source_line(entry, language)
    room = SHORT_MAX - len(title) - len(source) - 4
    gist, _ = split_gist(entry, language, min(GIST_MAX, max(room, 80)))
    return f"{title}\n\n{gist}\n\n{source}"


def has_more(entry: Entry, language: str) -> bool:
    return bool(rest_text(entry, language))


def rest_text(entry: Entry, language: str) -> str:
    title = entry.block(language).title
    source = source_line(entry, language)
    room = SHORT_MAX - len(title) - len(source) - 4
    return split_gist(entry, language, min(GIST_MAX, max(room, 80)))[1]


def more_answer(entry: Entry, language: str) -> str:
    """What the short answer left out, under the title, with the source."""
    rest = rest_text(entry, language) or entry.block(language).answer.strip()
    return f"{entry.block(language).title}\n\n{rest}\n\n{source_line(entry, language)}"


def part_answer(entry: Entry, aspect: str, language: str) -> str:
    """One part of the entry (a few lines) with the title and source."""
    part = entry.parts.get(aspect)
    assert part is not None, f"{entry.id} has no {aspect} part"
    title = entry.block(language).title
    return f"{title} · {aspects.label(aspect, language)}\n\n{part.text(language)}\n\n{source_line(entry, language)}"


def missing_part_answer(entry: Entry, aspect: str, language: str, hotline: str) -> str:
    """The entry has no text for this aspect: say so, give the gist, the source and the hotline."""
    title = entry.block(language).title
    gist, _ = split_gist(entry, language, 220)
    what = aspects.name(aspect, language)
    head = _pick(language, f"{title}: tôi chưa có thông tin riêng về {what}.",
                 f"{title}: I have no separate information on {what}.")
    tail = _pick(language, f"Hỏi thêm: gọi tổng đài {hotline}.", f"To ask a person: call {hotline}.")
    return f"{head}\n\n{gist}\n\n{source_line(entry, language)}\n{tail}"
