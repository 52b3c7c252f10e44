"""Fills the `language` slot each turn and asks "did you mean …?" in the user's language."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import SUPPORTED, pick, reply_language
from bot.text import EN, VI

SWITCH_INTENTS = {"speak_english": EN, "speak_vietnamese": VI}

# How each intent is offered back to the user when the NLU is unsure.
INTENT_LABELS = {
    "greet": ("Chào hỏi", "Saying hello"),
    "goodbye": ("Tạm biệt", "Saying goodbye"),
    "thank": ("Cảm ơn", "Saying thanks"),
    "bot_challenge": ("Hỏi tôi là ai", "Asking who I am"),
    "ask_help": ("Xem tôi giúp được gì", "What I can do"),
    "ask_procedure": ("Hỏi về thủ tục hành chính", "A question about an administrative procedure"),
    "ask_city_service": ("Hỏi về dịch vụ của thành phố", "A question about a city service"),
    "ask_tourism": ("Hỏi về du lịch Huế", "A question about visiting Hue"),
    "report_incident": ("Gửi phản ánh sự cố", "Reporting a problem in the city"),
    "check_report_status": ("Tra cứu phản ánh đã gửi", "Checking a report you filed"),
    "request_human": ("Gặp nhân viên tổng đài", "Talking to a person"),
    "affirm": ("Đồng ý", "Yes"),
    "deny": ("Không đồng ý", "No"),
    "out_of_scope": ("Việc khác", "Something else"),
    "speak_english": ("Nói tiếng Anh", "Switching to English"),
    "speak_vietnamese": ("Nói tiếng Việt", "Switching to Vietnamese"),
}


def turn_language(intent: Optional[str], detected: Optional[str], current: Optional[str],
                  in_form: bool = False) -> str:
    """Language for this turn: an explicit switch wins, then what the message shows, then the slot.

    Inside a form the answers are names and numbers ("Lê Lợi", "0905…") that say nothing about the
    user's language, so only an explicit switch changes it there."""
    if intent in SWITCH_INTENTS:
        return SWITCH_INTENTS[intent]
    if detected in SUPPORTED and not in_form:
        return detected
    return current if current in SUPPORTED else VI


class ActionDetectLanguage(Action):
    """Custom slot mapping run by `action_extract_slots` after every user message."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        language = turn_language(intent, latest.get("language"), tracker.get_slot("language"),
                                 in_form=bool((tracker.active_loop or {}).get("name")))
        if language == tracker.get_slot("language"):
            return []
        return [SlotSet("language", language)]


class ActionAskAffirmation(Action):
    """First stage of the two-stage fallback: confirm the likeliest intent instead of guessing."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        ranking = [
            item.get("name")
            for item in (tracker.latest_message or {}).get("intent_ranking", [])
            if item.get("name") not in (None, "nlu_fallback")
        ]
        candidate = next((name for name in ranking if name in INTENT_LABELS), None)
        if candidate is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        vi_label, en_label = INTENT_LABELS[candidate]
        dispatcher.utter_message(
            text=pick(language, f"Có phải ý bạn là: {vi_label}?", f"Did you mean: {en_label}?"),
            buttons=[
                {"title": pick(language, "Đúng vậy", "Yes"), "payload": f"/{candidate}"},
                {"title": pick(language, "Không phải", "No"), "payload": "/out_of_scope"},
            ],
        )
        return []

