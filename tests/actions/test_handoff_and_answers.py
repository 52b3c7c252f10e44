"""actions/handoff.py and the report form's validation."""
import pytest

from actions.handoff import ActionHandoffToHotline
from bot.text import detect_language
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_handoff_gives_the_hotline_in_the_users_language(dispatcher, language):
    await ActionHandoffToHotline().run(dispatcher, make_tracker(slots={"language": language}), {})
    [message] = dispatcher.messages
    assert "1900 1075" in message["text"]
    assert detect_language(message["text"]) == language
    assert message["buttons"][0]["payload"] == "tel:19001075"
