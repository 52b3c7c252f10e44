"""actions/report_form.py submission and actions/report_status.py lookups with a real store."""
import re

import pytest

from actions.report_form import ActionSubmitIncidentReport
from actions.report_status import ActionCheckReportStatus
from actions.store import NewReport
from tests.actions.conftest import make_tracker


def submit_tracker(sender="zalo-1", message_id="m-1", language="vi"):
    tracker = make_tracker("45 Lê Lợi", intent="inform", sender_id=sender, channel="zalo",
                           slots={"language": language, "incident_category": "street_lighting",
                                  "incident_description": "đèn đường hỏng mấy hôm",
                                  "incident_location": "45 Lê Lợi", "incident_confirmation": "confirmed"})
    tracker.latest_message["message_id"] = message_id
    return tracker


async def test_submit_stores_the_report_and_gives_a_code(installed_store, dispatcher):
    events = await ActionSubmitIncidentReport().run(dispatcher, submit_tracker(), {})
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", dispatcher.messages[0]["text"]))
    report = installed_store.report_by_code(code)
    assert report.category == "street_lighting"
    assert report.description == "đèn đường hỏng mấy hôm" and report.location_text == "45 Lê Lợi"
    assert report.channel == "zalo" and report.sender_id == "zalo-1"
    assert {e["name"] for e in events} >= {"incident_description", "incident_location", "incident_confirmation"}
    assert all(e["value"] is None for e in events if e["name"] != "report_code")


async def test_a_retried_submit_returns_the_same_code(installed_store, dispatcher):
    await ActionSubmitIncidentReport().run(dispatcher, submit_tracker(), {})
    await ActionSubmitIncidentReport().run(dispatcher, submit_tracker(), {})
    codes = [re.findall(r"HUE-\d{4}-\d{6}", m["text"])[0] for m in dispatcher.messages]
    assert codes[0] == codes[1]
    assert len(installed_store.reports_of_sender("zalo-1")) == 1


def file_report(installed_store, sender):
    report, _ = installed_store.submit_report(NewReport(
        idempotency_key=f"{sender}:x", sender_id=sender, category="waste", description="rác chưa dọn",
        location_text="kiệt 12 Phan Bội Châu", phone="+84905123456", photos=["file-id-1"]))
    return report


async def test_owner_sees_history_and_place(installed_store, dispatcher):
    report = file_report(installed_store, "owner")
    await ActionCheckReportStatus().run(
        dispatcher, make_tracker(f"tra cứu {report.code}", sender_id="owner"), {})
    text = dispatcher.messages[0]["text"]
    assert report.code in text and "Đã tiếp nhận" in text and "kiệt 12 Phan Bội Châu" in text


async def test_someone_else_sees_status_only(installed_store, dispatcher):
    report = file_report(installed_store, "owner")
    await ActionCheckReportStatus().run(
        dispatcher, make_tracker(f"status {report.code}", sender_id="stranger", slots={"language": "en"}), {})
    text = dispatcher.messages[0]["text"]
    assert report.code in text and "Received" in text
    for private in ("kiệt 12", "0905", "+84", "file-id-1", "rác chưa dọn"):
        assert private not in text


async def test_without_a_code_lists_the_senders_reports(installed_store, dispatcher):
    report = file_report(installed_store, "me")
    await ActionCheckReportStatus().run(dispatcher, make_tracker("phản ánh của tôi sao rồi", sender_id="me"), {})
    assert report.code in dispatcher.messages[0]["text"]


async def test_unknown_code_and_no_reports(installed_store, dispatcher):
    await ActionCheckReportStatus().run(dispatcher, make_tracker("tra cứu HUE-2026-999999"), {})
    await ActionCheckReportStatus().run(dispatcher, make_tracker("what about my report", slots={"language": "en"}), {})
    assert "Không tìm thấy phản ánh HUE-2026-999999" in dispatcher.messages[0]["text"]
    assert "tracking code" in dispatcher.messages[1]["text"]


def test_status_times_are_shown_in_vietnam_time_whatever_the_database_returns():
    import datetime as dt

    from actions.report_status import describe
    from actions.store import ReportView, local_time

    naive_utc = dt.datetime(2026, 11, 21, 23, 30)             # SQLite: naive UTC
    aware_utc = naive_utc.replace(tzinfo=dt.timezone.utc)       # PostgreSQL: aware
    view = ReportView(1, "HUE-2026-000001", "s", "rest", "vi", "street_lighting", "đèn hỏng", "Lê Lợi",
                      None, None, [], None, "in_progress", naive_utc, aware_utc,
                      [("received", None, naive_utc), ("in_progress", "đã giao", aware_utc)])
    text = describe(view, "vi", owner=True)
    assert "(cập nhật 22/11/2026 06:30)" in text            # UTC+7 rolls over to the next day
    assert "• 22/11 06:30 Đã tiếp nhận" in text and "• 22/11 06:30 Đang xử lý: đã giao" in text
    assert local_time(None) == "-"
