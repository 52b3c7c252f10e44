"""Picking the user's language for replies built in actions."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from bot.text import EN, VI

SUPPORTED = (VI, EN)


def reply_language(tracker: Tracker) -> str:
    """The conversation's `language`; before it is known, the last message's `language_hint`
    ("hello" → en); Vietnamese by default."""
    for slot in ("language", "language_hint"):
        value = tracker.get_slot(slot)
        if value in SUPPORTED:
            return value
    return VI


def pick(language: Optional[str], vi: str, en: str) -> str:
    """The text for `language` (Vietnamese unless English)."""
    return en if language == EN else vi
