"""Picking the user's language for replies built in actions."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from bot.text import EN, VI

SUPPORTED = (VI, EN)


def reply_language(tracker: Tracker) -> str:
    """The `language` slot, defaulting to Vietnamese."""
    value = tracker.get_slot("language")
    return value if value in SUPPORTED else VI


def pick(language: Optional[str], vi: str, en: str) -> str:
    """The text for `language` (Vietnamese unless English)."""
    return en if language == EN else vi
