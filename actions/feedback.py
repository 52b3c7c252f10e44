"""Stores the 👍/👎 a user gives a knowledge answer, with the entry id (the satisfaction figure)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.replies import pick, reply_language
from actions.store import InvalidInput
from bot.settings import HOTLINE

logger = logging.getLogger(__name__)

HELPFUL_INTENTS = {"feedback_helpful": True, "feedback_not_helpful": False}


class ActionStoreFeedback(Action):
    def name(self) -> Text:
        return "action_store_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        entry_id = tracker.get_slot("knowledge_topic")
        store = services.current().store
        if intent not in HELPFUL_INTENTS or not entry_id or store is None:
            dispatcher.utter_message(text=pick(language, "Cảm ơn bạn!", "Thank you!"))
            return []
        helpful = HELPFUL_INTENTS[intent]
        try:
            await services.in_executor(store.record_feedback, tracker.sender_id,
                                       tracker.get_latest_input_channel(), entry_id, language, helpful)
        except InvalidInput as exc:  # not counted (e.g. a sender id too long to keep); still thanked
            logger.warning("feedback not recorded: %s", exc)
        if helpful:
            text = pick(language, "Cảm ơn bạn đã đánh giá!", "Thanks for the feedback!")
        else:
            text = pick(language, "Cảm ơn bạn. Chúng tôi sẽ cải thiện nội dung này. Cần hỗ trợ ngay, "
                                  f"bạn gọi tổng đài {HOTLINE}.",
                        f"Thank you, we'll improve this answer. For help now, call the hotline {HOTLINE}.")
        dispatcher.utter_message(text=text)
        return []
