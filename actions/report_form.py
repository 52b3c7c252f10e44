"""The incident report form (minimal until the reports issue fills it out)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import pick, reply_language
from bot.settings import HOTLINE
from bot.text import normalize

MAX_DESCRIPTION_CHARS = 4000


class ValidateIncidentReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_incident_report_form"

    def validate_incident_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = normalize(str(value or ""))
        if len(text) < 3:
            dispatcher.utter_message(
                text=pick(reply_language(tracker), "Bạn mô tả rõ hơn một chút nhé.",
                          "Please describe it in a few more words.")
            )
            return {"incident_description": None}
        return {"incident_description": text[:MAX_DESCRIPTION_CHARS]}

    def validate_incident_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = normalize(str(value or ""))
        if len(text) < 3:
            dispatcher.utter_message(
                text=pick(reply_language(tracker), "Bạn cho tôi tên đường hoặc phường nhé.",
                          "Please give me a street or ward name.")
            )
            return {"incident_location": None}
        return {"incident_location": text}


class ActionSubmitIncidentReport(Action):
    """Until the report store exists, tells the user where to file instead of pretending to store."""

    def name(self) -> Text:
        return "action_submit_incident_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        description = tracker.get_slot("incident_description")
        location = tracker.get_slot("incident_location")
        dispatcher.utter_message(
            text=pick(
                language,
                f"Tôi đã ghi lại: \"{description}\" tại \"{location}\". Việc lưu và chuyển phản ánh "
                "từ kênh này chưa hoạt động, nên phản ánh CHƯA được gửi đi. Bạn vui lòng gửi qua mục "
                f"Phản ánh hiện trường trên ứng dụng Hue-S hoặc gọi {HOTLINE}.",
                f"I noted: \"{description}\" at \"{location}\". Filing reports from this channel is not "
                "working yet, so this report has NOT been sent. Please use the field report feature of "
                f"the Hue-S app or call {HOTLINE}.",
            )
        )
        return [SlotSet("incident_description", None), SlotSet("incident_location", None)]
