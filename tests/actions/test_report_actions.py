"""actions/report_form.py submission and actions/report_status.py lookups with a real store."""
import re

import pytest

from rasa_sdk.executor import CollectingDispatcher

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


@pytest.fixture
def postgres_store(postgres_url):
    from actions import services
    from actions.store import Store
    from bot.settings import Settings

    store = Store(postgres_url)
    services.install(services.Services(settings=Settings.from_env({}), store=store))
    yield store
    services.install(None)
    store.close()


@pytest.mark.parametrize("language,not_filed,send", [("vi", "CHƯA được gửi", "Gửi"), ("en", "NOT been filed", "Send")])
async def test_a_submit_during_a_database_outage_keeps_the_answers_and_a_retry_files_once(
        postgres_store, postgres_url, language, not_filed, send):
    from tests.conftest import database_away

    dispatcher = CollectingDispatcher()
    with database_away(postgres_url):
        events = await ActionSubmitIncidentReport().run(dispatcher, submit_tracker("tg-9", "m-1", language), {})
    [told] = dispatcher.messages
    assert not_filed in told["text"] and "1900 1075" in told["text"]
    assert [b["title"] for b in told["buttons"]][0] == send and told["buttons"][0]["payload"] == "/affirm"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    # Nothing the user answered is cleared; the form is back on its summary step, waiting for "Gửi".
    assert not {"incident_category", "incident_description", "incident_location"} & set(slots)
    assert slots["incident_confirmation"] is None and slots["requested_slot"] == "incident_confirmation"
    assert {"event": "active_loop", "name": "incident_report_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_listen"
    key = slots["incident_submit_key"]
    assert key and postgres_store.reports_of_sender("tg-9") == []

    # The database is back; "Gửi" twice (a new message each time) files exactly one report.
    codes = set()
    for message_id in ("m-2", "m-3"):
        retry = submit_tracker("tg-9", message_id, language)
        retry.slots["incident_submit_key"] = key
        dispatcher = CollectingDispatcher()
        events = await ActionSubmitIncidentReport().run(dispatcher, retry, {})
        codes |= set(re.findall(r"HUE-\d{4}-\d{6}", dispatcher.messages[0]["text"]))
        assert {e["name"]: e["value"] for e in events}["incident_submit_key"] is None
    [report] = postgres_store.reports_of_sender("tg-9")
    assert codes == {report.code} and report.location_text == "45 Lê Lợi"
    assert postgres_store.report_by_key(key).code == report.code


async def test_a_retry_after_a_submit_that_did_reach_the_database_gets_that_report(postgres_store):
    """The failed attempt may have committed before the connection broke: its key finds it."""
    dispatcher = CollectingDispatcher()
    await ActionSubmitIncidentReport().run(dispatcher, submit_tracker("tg-10", "m-1"), {})
    retry = submit_tracker("tg-10", "m-2")
    retry.slots["incident_submit_key"] = "tg-10:m-1"
    await ActionSubmitIncidentReport().run(dispatcher, retry, {})
    codes = {re.findall(r"HUE-\d{4}-\d{6}", m["text"])[0] for m in dispatcher.messages}
    assert len(codes) == 1 and len(postgres_store.reports_of_sender("tg-10")) == 1
