"""The incident report form and its submission.

Minimal form until the reports issue finishes it (category buttons, GPS pin, photo, phone, confirm /
edit / cancel): description and place are asked, the category is read from what the user said, and
the report is stored exactly once with a tracking code.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.replies import pick, reply_language
from actions.reports import CATEGORY_BY_CODE, detect_category, trim_description
from actions.store import NewReport
from bot.settings import HOTLINE
from bot.text import normalize

logger = logging.getLogger(__name__)


class ValidateIncidentReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_incident_report_form"

    def validate_incident_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        language = reply_language(tracker)
        text = normalize(str(value or ""))
        if len(text) < 3:
            dispatcher.utter_message(text=pick(language, "Bạn mô tả rõ hơn một chút nhé.",
                                               "Please describe it in a few more words."))
            return {"incident_description": None}
        text, trimmed = trim_description(text)
        if trimmed:
            dispatcher.utter_message(text=pick(
                language, f"Mô tả dài quá nên tôi giữ {len(text)} ký tự đầu.",
                f"The description was too long, so I kept the first {len(text)} characters."))
        return {"incident_description": text}

    def validate_incident_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = normalize(str(value or ""))
        if len(text) < 3:
            dispatcher.utter_message(
                text=pick(reply_language(tracker), "Bạn cho tôi tên đường hoặc phường nhé.",
                          "Please give me a street or ward name."))
            return {"incident_location": None}
        return {"incident_location": text}


def report_trigger_text(tracker: Tracker) -> str:
    """The user's message that started the report ("đèn đường hỏng ở Lê Lợi"): it often names the
    category even when the later answers do not."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "report_incident":
                return event.get("text") or ""
    return ""


def idempotency_key(tracker: Tracker) -> str:
    """The conversation and the message that completed the form: a retried submit maps to it again."""
    message_id = (tracker.latest_message or {}).get("message_id") or ""
    return f"{tracker.sender_id}:{message_id}"[:128]


class ActionSubmitIncidentReport(Action):
    def name(self) -> Text:
        return "action_submit_incident_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        description = tracker.get_slot("incident_description") or ""
        location = tracker.get_slot("incident_location")
        category = detect_category(f"{report_trigger_text(tracker)} {description} {location or ''}") or "other"
        store = services.current().store
        clear = [SlotSet("incident_description", None), SlotSet("incident_location", None)]
        if store is None:
            dispatcher.utter_message(text=pick(
                language, f"Xin lỗi, hệ thống chưa lưu được phản ánh. Bạn vui lòng gọi {HOTLINE}.",
                f"Sorry, reports can't be stored right now. Please call {HOTLINE}."))
            return clear
        new = NewReport(idempotency_key=idempotency_key(tracker), sender_id=tracker.sender_id,
                        channel=tracker.get_latest_input_channel(), language=language, category=category,
                        description=description, location_text=location)
        loop = asyncio.get_running_loop()
        try:
            report, _ = await loop.run_in_executor(None, store.submit_report, new)
        except Exception:  # noqa: BLE001 - the user must hear that nothing was stored
            logger.exception("storing a report failed")
            dispatcher.utter_message(text=pick(
                language, f"Xin lỗi, chưa lưu được phản ánh do lỗi hệ thống. Bạn thử lại sau hoặc gọi {HOTLINE}.",
                f"Sorry, the report could not be stored because of a system error. Try again later or "
                f"call {HOTLINE}."))
            return clear
        name = CATEGORY_BY_CODE[category]
        dispatcher.utter_message(text=pick(
            language,
            f"Đã tiếp nhận phản ánh ({name.vi}) tại \"{location}\". Mã phản ánh của bạn: {report.code}. "
            "Phản ánh được chuyển tới đơn vị phụ trách; bạn nhắn \"tra cứu " + report.code + "\" để theo "
            f"dõi, hoặc gọi {HOTLINE}.",
            f"Report received ({name.en}) at \"{location}\". Your tracking code: {report.code}. It goes to "
            f"the department in charge; send \"status {report.code}\" to follow it, or call {HOTLINE}."))
        return clear
