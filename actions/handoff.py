"""Hands the conversation to a person: the city hotline 1900 1075."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import pick, reply_language
from bot.settings import HOTLINE


def handoff_text(language: str, hotline: str = HOTLINE) -> str:
    return pick(
        language,
        f"Bạn có thể gặp nhân viên qua tổng đài {hotline} (giờ hành chính, các ngày làm việc). "
        "Khi gọi, hãy nói ngắn gọn việc bạn cần; nếu đã gửi phản ánh, đọc mã phản ánh để được tra nhanh.",
        f"You can talk to a staff member on the city hotline {hotline} (office hours, working days). "
        "Say briefly what you need; if you filed a report, have its tracking code ready.",
    )


class ActionHandoffToHotline(Action):
    def name(self) -> Text:
        return "action_handoff_to_hotline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        dispatcher.utter_message(
            text=handoff_text(language),
            buttons=[{"title": pick(language, f"Gọi {HOTLINE}", f"Call {HOTLINE}"),
                      "payload": f"tel:{HOTLINE.replace(' ', '')}"}],
        )
        return []
