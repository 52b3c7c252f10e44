"""Tells a follower that their report's status changed. Run by Rasa when the staff endpoint triggers
the intent EXTERNAL_report_status_changed (entity report_code) in the follower's conversation."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.replies import SUPPORTED, pick
from actions.report_status import STATUS_NAMES
from actions.reports import find_tracking_code
from actions.store import ReportView, local_time

logger = logging.getLogger(__name__)


def notified_code(tracker: Tracker) -> Optional[str]:
    """The report_code entity of the triggering intent, else the slot."""
    entity = next(tracker.get_latest_entity_values("report_code"), None)
    return find_tracking_code(entity) or find_tracking_code(tracker.get_slot("report_code"))


def status_update(report: ReportView, language: str) -> str:
    """E.g. "Cập nhật phản ánh HUE-2026-000123: Đang xử lý (22/11/2026 05:03). Ghi chú: …" in vi or en."""
    status, note, at = report.history[-1] if report.history else (report.status, None, report.updated_at)
    vi_status, en_status = STATUS_NAMES.get(status, (status, status))
    text = pick(language, f"Cập nhật phản ánh {report.code}: {vi_status} ({local_time(at)}).",
                f"Update on report {report.code}: {en_status} ({local_time(at)}).")
    if note:
        text += pick(language, f"\nGhi chú: {note}", f"\nNote: {note}")
    return text


class ActionNotifyReportStatus(Action):
    def name(self) -> Text:
        return "action_notify_report_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        code = notified_code(tracker)
        store = services.current().store
        if code is None or store is None:
            logger.warning("status change notice without a report code or a store (%s)", code)
            return []
        report = await services.in_executor(store.report_by_code, code)
        if report is None:
            logger.warning("status change notice for unknown report %s", code)
            return []
        slot_language = tracker.get_slot("language")
        language = slot_language if slot_language in SUPPORTED else report.language
        dispatcher.utter_message(text=status_update(report, language))
        return []
