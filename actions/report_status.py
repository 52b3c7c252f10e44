"""Looks up a field report by its tracking code (HUE-<year>-<6 digits>).

The report store lands with the reports issue; until then the action recognises codes and says
honestly that lookups are not available yet.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import pick, reply_language
from bot.settings import HOTLINE

TRACKING_CODE_RE = re.compile(r"\bHUE-(\d{4})-(\d{6})\b", re.IGNORECASE)


def find_tracking_code(text: Optional[str]) -> Optional[str]:
    """The first tracking code in `text`, upper-cased, or None."""
    match = TRACKING_CODE_RE.search(text or "")
    return f"HUE-{match.group(1)}-{match.group(2)}" if match else None


class ActionCheckReportStatus(Action):
    def name(self) -> Text:
        return "action_check_report_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        code = find_tracking_code(tracker.get_slot("report_code")) or find_tracking_code(
            (tracker.latest_message or {}).get("text")
        )
        if code:
            text = pick(
                language,
                f"Tôi chưa tra cứu được phản ánh {code} trên kênh này. "
                f"Bạn vui lòng gọi tổng đài {HOTLINE} và đọc mã phản ánh để được hỗ trợ.",
                f"I can't look up report {code} on this channel yet. "
                f"Please call the city hotline {HOTLINE} and give the code.",
            )
        else:
            text = pick(
                language,
                "Bạn cho tôi mã phản ánh (dạng HUE-2026-000123) nhé. "
                f"Nếu không có mã, tổng đài {HOTLINE} có thể giúp tra cứu.",
                "Please give me the tracking code (like HUE-2026-000123). "
                f"Without a code, the hotline {HOTLINE} can help you look it up.",
            )
        dispatcher.utter_message(text=text)
        return [SlotSet("report_code", code)] if code else []
