"""The reply language's hint stays put through greetings and thanks (issue 11, item 5).

While a conversation has not shown its language clearly, replies follow `language_hint`, the leaning of
the last message that leaned ("chào ad" → vi). Vietnamese users then type "bye", "thank you", "ok";
visitors type "cám ơn": a message that is only such words (bot.text.is_social; the NLU marks it with
the SOCIAL property) sets the hint only while there is none, so the conversation does not flip.
Slot mappings cannot look at a slot's own value, so this is a small wrap of Rasa's slot extraction.
"""
from __future__ import annotations

from typing import Any, List

from bot.patching import wrap_once

SOCIAL = "language_social"  # parse-data property set by bot.nlu.LanguageDetector
HINT_SLOT = "language_hint"


def keep_hint(events: List[Any], tracker: Any) -> List[Any]:
    """`events` without the hint's SlotSet when a social message would overwrite a hint already held."""
    parse_data = getattr(tracker.latest_message, "parse_data", None) or {}
    if not parse_data.get(SOCIAL) or tracker.get_slot(HINT_SLOT) is None:
        return events
    return [event for event in events if getattr(event, "key", None) != HINT_SLOT]


def install() -> None:
    from rasa.core.actions.action import ActionExtractSlots

    def make(original):
        async def run(self, output_channel, nlg, tracker, domain, *args, **kwargs):
            events = await original(self, output_channel, nlg, tracker, domain, *args, **kwargs)
            return keep_hint(events, tracker)
        return run

    wrap_once(ActionExtractSlots, "run", make)
