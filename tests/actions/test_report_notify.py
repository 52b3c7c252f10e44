"""actions/report_notify.py: what a follower is told when staff change a report's status."""
import pytest

from actions.report_notify import ActionNotifyReportStatus
from actions.store import NewReport
from tests.actions.conftest import make_tracker


pytestmark = pytest.mark.usefixtures("installed_store")  # the actions find `store` through services


def filed(store, language="vi"):
    report, _ = store.submit_report(NewReport(
        idempotency_key="n-1", sender_id="reporter", channel="telegram", language=language,
        category="street_lighting", description="đèn hỏng", phone="+84905123456"))
    return report


def triggered(code, language=None, slot_code=None):
    """The tracker as Rasa sends it after trigger_intent: an external user event with the entity."""
    tracker = make_tracker("EXTERNAL: EXTERNAL_report_status_changed", intent="EXTERNAL_report_status_changed",
                           sender_id="reporter", slots={"language": language, "report_code": slot_code})
    if code:
        tracker.latest_message["entities"] = [{"entity": "report_code", "value": code}]
    return tracker


async def test_vietnamese_follower_hears_status_note_and_date(store, dispatcher):
    report = filed(store)
    store.change_status(report.code, "in_progress", "Đã giao Công ty Chiếu sáng")
    events = await ActionNotifyReportStatus().run(dispatcher, triggered(report.code, "vi"), {})
    [message] = dispatcher.messages
    assert message["text"].startswith(f"Cập nhật phản ánh {report.code}: Đang xử lý (")
    assert "Ghi chú: Đã giao Công ty Chiếu sáng" in message["text"]
    assert events == []


async def test_english_follower_and_a_change_without_note(store, dispatcher):
    report = filed(store)
    store.change_status(report.code, "resolved")
    await ActionNotifyReportStatus().run(dispatcher, triggered(report.code, "en"), {})
    text = dispatcher.messages[0]["text"]
    assert text.startswith(f"Update on report {report.code}: Resolved (") and "Note" not in text
    assert "+84" not in text and "0905" not in text


async def test_without_a_language_slot_the_reports_language_is_used(store, dispatcher):
    report = filed(store, language="en")
    store.change_status(report.code, "rejected", "Duplicate of another report")
    await ActionNotifyReportStatus().run(dispatcher, triggered(report.code, language=None), {})
    assert dispatcher.messages[0]["text"].startswith(f"Update on report {report.code}: Rejected")


async def test_the_slot_is_used_when_the_entity_is_missing(store, dispatcher):
    report = filed(store)
    store.change_status(report.code, "in_progress")
    await ActionNotifyReportStatus().run(dispatcher, triggered(None, "vi", slot_code=report.code), {})
    assert report.code in dispatcher.messages[0]["text"]


async def test_the_date_is_vietnam_time(store, dispatcher):
    import datetime as dt
    import re

    report = filed(store)
    store.change_status(report.code, "in_progress")
    await ActionNotifyReportStatus().run(dispatcher, triggered(report.code, "vi"), {})
    shown = re.search(r"\((\d\d/\d\d/\d{4} \d\d:\d\d)\)", dispatcher.messages[0]["text"]).group(1)
    vietnam_now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
    assert abs(dt.datetime.strptime(shown, "%d/%m/%Y %H:%M") - vietnam_now) < dt.timedelta(minutes=5)


async def test_unknown_or_missing_code_says_nothing(store, dispatcher):
    assert await ActionNotifyReportStatus().run(dispatcher, triggered("HUE-2026-999999", "vi"), {}) == []
    assert await ActionNotifyReportStatus().run(dispatcher, triggered(None, "vi"), {}) == []
    assert dispatcher.messages == []
