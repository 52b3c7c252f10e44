"""The two-stage fallback's question ("did you mean …?") in the user's language.

The `language` slot itself is filled inside Rasa, from the NLU's entities (domain.yml slot mappings),
so no action runs for it."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import pick, reply_language

# The intents a clarification may offer, as their buttons read. Yes/no, greetings, "something else"
# and the like are not choices: offering them gave "Did you mean: Yes?" and two buttons that did the
# same thing. Emergencies are never clarified (bot.nlu.MessageGuard answers them).
INTENT_LABELS = {
    "ask_procedure": ("Thủ tục hành chính", "A procedure"),
    "ask_city_service": ("Dịch vụ của thành phố", "A city service"),
    "ask_tourism": ("Du lịch Huế", "Visiting Hue"),
    "report_incident": ("Gửi phản ánh sự cố", "Report a problem"),
    "check_report_status": ("Tra cứu phản ánh", "Check my report"),
    "request_human": ("Gặp nhân viên", "Talk to a person"),
    "ask_help": ("Xem tôi giúp được gì", "What I can do"),
    "bot_challenge": ("Hỏi tôi là ai", "Who I am"),
    "speak_english": ("Nói tiếng Anh", "Switch to English"),
    "speak_vietnamese": ("Nói tiếng Việt", "Switch to Vietnamese"),
}
MAX_CHOICES = 2


class ActionAskAffirmation(Action):
    """First stage of the two-stage fallback: offer the likeliest real choices instead of guessing.

    Up to two distinct intents from the NLU ranking, each a button, and "Không phải" / "None of
    these", which leads to the second stage (asking to rephrase). With nothing worth offering, it
    asks to rephrase straight away."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        choices: List[str] = []
        for item in (tracker.latest_message or {}).get("intent_ranking", []):
            name = item.get("name")
            if name in INTENT_LABELS and name not in choices:
                choices.append(name)
            if len(choices) == MAX_CHOICES:
                break
        if not choices:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        labels = [pick(language, *INTENT_LABELS[name]) for name in choices]
        if len(choices) == 1:
            text = pick(language, f"Có phải ý bạn là: {labels[0]}?", f"Did you mean: {labels[0]}?")
            buttons = [{"title": pick(language, "Đúng vậy", "Yes"), "payload": f"/{choices[0]}"}]
        else:
            text = pick(language, "Bạn muốn hỏi về việc nào?", "Which one did you mean?")
            buttons = [{"title": label, "payload": f"/{name}"} for name, label in zip(choices, labels)]
        buttons.append({"title": pick(language, "Không phải", "None of these"), "payload": "/out_of_scope"})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
