"""actions/handoff.py, knowledge_answer.py (placeholder), report_status.py and report_form.py."""
import pytest

from actions.handoff import ActionHandoffToHotline
from actions.report_form import ActionSubmitIncidentReport, ValidateIncidentReportForm
from actions.report_status import ActionCheckReportStatus, find_tracking_code
from bot.text import detect_language
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_handoff_gives_the_hotline_in_the_users_language(dispatcher, language):
    await ActionHandoffToHotline().run(dispatcher, make_tracker(slots={"language": language}), {})
    [message] = dispatcher.messages
    assert "1900 1075" in message["text"]
    assert detect_language(message["text"]) == language
    assert message["buttons"][0]["payload"] == "tel:19001075"


@pytest.mark.parametrize("text, code", [
    ("tra cứu phản ánh HUE-2026-000123", "HUE-2026-000123"),
    ("status of hue-2025-004567 please", "HUE-2025-004567"),
    ("HUE-2026-12345", None),
    ("no code here", None),
])
def test_find_tracking_code(text, code):
    assert find_tracking_code(text) == code


async def test_status_with_code_echoes_it_and_sets_slot(dispatcher):
    events = await ActionCheckReportStatus().run(
        dispatcher, make_tracker("tra cứu phản ánh HUE-2026-000123"), {})
    assert "HUE-2026-000123" in dispatcher.messages[0]["text"]
    assert events[0]["name"] == "report_code" and events[0]["value"] == "HUE-2026-000123"


async def test_status_without_code_asks_for_it(dispatcher):
    events = await ActionCheckReportStatus().run(
        dispatcher, make_tracker("what is the status of my report", slots={"language": "en"}), {})
    assert "tracking code" in dispatcher.messages[0]["text"]
    assert events == []


async def test_form_validation_rejects_too_short_and_trims_long(dispatcher):
    form = ValidateIncidentReportForm()
    tracker = make_tracker(active_loop="incident_report_form")
    assert form.validate_incident_description("a", dispatcher, tracker, {}) == {"incident_description": None}
    assert dispatcher.messages  # the user is told why
    long_text = "ổ gà " * 2000
    result = form.validate_incident_description(long_text, dispatcher, tracker, {})
    assert len(result["incident_description"]) == 4000
    assert form.validate_incident_location("12 Lê Lợi", dispatcher, tracker, {}) == {
        "incident_location": "12 Lê Lợi"}


async def test_submit_placeholder_says_the_report_was_not_sent(dispatcher):
    tracker = make_tracker(slots={"incident_description": "đèn hỏng", "incident_location": "Lê Lợi"})
    events = await ActionSubmitIncidentReport().run(dispatcher, tracker, {})
    assert "CHƯA được gửi" in dispatcher.messages[0]["text"]
    assert {e["name"] for e in events} == {"incident_description", "incident_location"}
