"""actions/handoff.py and the report form's validation."""
import pytest

from actions.handoff import ActionHandoffToHotline
from actions.report_form import ValidateIncidentReportForm
from bot.text import detect_language
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_handoff_gives_the_hotline_in_the_users_language(dispatcher, language):
    await ActionHandoffToHotline().run(dispatcher, make_tracker(slots={"language": language}), {})
    [message] = dispatcher.messages
    assert "1900 1075" in message["text"]
    assert detect_language(message["text"]) == language
    assert message["buttons"][0]["payload"] == "tel:19001075"


async def test_form_validation_rejects_too_short_and_trims_long(dispatcher):
    form = ValidateIncidentReportForm()
    tracker = make_tracker(active_loop="incident_report_form")
    assert form.validate_incident_description("a", dispatcher, tracker, {}) == {"incident_description": None}
    assert dispatcher.messages  # the user is told why
    long_text = "ổ gà " * 2000
    told = len(dispatcher.messages)
    result = form.validate_incident_description(long_text, dispatcher, tracker, {})
    assert 3990 <= len(result["incident_description"]) <= 4000
    assert result["incident_description"].endswith("gà")  # cut at a word boundary
    assert "4000" not in dispatcher.messages[told]["text"] and "giữ" in dispatcher.messages[told]["text"]
    assert form.validate_incident_location("12 Lê Lợi", dispatcher, tracker, {}) == {
        "incident_location": "12 Lê Lợi"}
