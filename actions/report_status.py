"""Looks up field reports: by tracking code (HUE-<year>-<6 digits>) or, without a code, the reports
filed from this conversation's sender. Someone else's report shows its status only."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.replies import pick, reply_language
from actions.reports import CATEGORY_BY_CODE, find_tracking_code
from actions.store import ReportView, local_time
from bot.settings import HOTLINE

STATUS_NAMES = {
    "received": ("Đã tiếp nhận", "Received"),
    "in_progress": ("Đang xử lý", "In progress"),
    "resolved": ("Đã xử lý xong", "Resolved"),
    "rejected": ("Không xử lý", "Rejected"),
}


def describe(report: ReportView, language: str, owner: bool) -> str:
    vi_status, en_status = STATUS_NAMES.get(report.status, (report.status, report.status))
    category = CATEGORY_BY_CODE.get(report.category)
    updated = local_time(report.updated_at)
    lines = [pick(language, f"{report.code}: {vi_status} (cập nhật {updated})",
                  f"{report.code}: {en_status} (updated {updated})")]
    if owner:
        lines.append(pick(language, f"Loại: {category.vi if category else report.category}",
                          f"Type: {category.en if category else report.category}"))
        if report.location_text:
            lines.append(pick(language, f"Địa điểm: {report.location_text}", f"Place: {report.location_text}"))
        for status, note, at in report.history:
            names = STATUS_NAMES.get(status, (status, status))
            when = local_time(at, "%d/%m %H:%M") if at else ""
            lines.append(f"• {when} {pick(language, *names)}" + (f": {note}" if note else ""))
    return "\n".join(lines)


class ActionCheckReportStatus(Action):
    def name(self) -> Text:
        return "action_check_report_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        code = find_tracking_code(tracker.get_slot("report_code")) or find_tracking_code(
            (tracker.latest_message or {}).get("text"))
        store = services.current().store
        if store is None:
            dispatcher.utter_message(text=pick(
                language, f"Xin lỗi, chưa tra cứu được lúc này. Bạn gọi {HOTLINE} nhé.",
                f"Sorry, lookups are unavailable right now. Please call {HOTLINE}."))
            return []
        if code:
            report = await services.in_executor(store.report_by_code, code)
            if report is None:
                text = pick(language, f"Không tìm thấy phản ánh {code}. Bạn kiểm tra lại mã giúp tôi nhé.",
                            f"I can't find report {code}. Please check the code.")
            else:
                text = describe(report, language, owner=report.sender_id == tracker.sender_id)
            dispatcher.utter_message(text=text)
            return [SlotSet("report_code", code)]
        reports = await services.in_executor(store.reports_of_sender, tracker.sender_id)
        if not reports:
            dispatcher.utter_message(text=pick(
                language,
                "Bạn cho tôi mã phản ánh (dạng HUE-2026-000123) nhé. "
                f"Nếu không có mã, tổng đài {HOTLINE} có thể giúp tra cứu.",
                "Please give me the tracking code (like HUE-2026-000123). "
                f"Without a code, the hotline {HOTLINE} can help you look it up."))
            return []
        dispatcher.utter_message(text="\n\n".join(describe(r, language, owner=True) for r in reports))
        return []
