"""Answers questions about procedures, city services and tourism.

Until the knowledge index lands (issue 3) it says plainly that it cannot answer yet and offers the
hotline; the routing to it from ask_procedure / ask_city_service / ask_tourism is already real.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import pick, reply_language
from bot.settings import HOTLINE


class ActionAnswerFromKnowledge(Action):
    def name(self) -> Text:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        dispatcher.utter_message(
            text=pick(
                language,
                "Xin lỗi, tôi chưa trả lời được câu hỏi này: kho kiến thức đang được xây dựng. "
                f"Bạn vui lòng gọi tổng đài {HOTLINE} để được hướng dẫn.",
                "Sorry, I can't answer that yet: my knowledge base is still being built. "
                f"Please call the city hotline {HOTLINE} for help.",
            )
        )
        return []
