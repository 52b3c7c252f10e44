"""actions/language.py: the language slot mapping and the two-stage fallback's question."""
import pytest

from actions.language import ActionAskAffirmation, ActionDetectLanguage, turn_language
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize("intent, detected, current, expected", [
    ("greet", "en", "vi", "en"),
    ("greet", None, "en", "en"),          # "ok" keeps the conversation's language
    ("speak_english", "vi", "vi", "en"),  # "nói tiếng Anh đi" is Vietnamese text asking for English
    ("speak_vietnamese", "en", "en", "vi"),
    ("greet", None, None, "vi"),
    ("greet", "fr", "en", "en"),          # unsupported values never reach the slot
])
def test_turn_language(intent, detected, current, expected):
    assert turn_language(intent, detected, current) == expected


async def test_detect_language_sets_slot_only_on_change(dispatcher):
    events = await ActionDetectLanguage().run(
        dispatcher, make_tracker("hello", intent="greet", language="en", slots={"language": "vi"}), {})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}]
    same = await ActionDetectLanguage().run(
        dispatcher, make_tracker("xin chào", intent="greet", language="vi", slots={"language": "vi"}), {})
    assert same == []
    assert dispatcher.messages == []


async def test_ask_affirmation_offers_the_top_intent_in_english(dispatcher):
    tracker = make_tracker("ticket thing", slots={"language": "en"}, ranking=[
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_tourism", "confidence": 0.4},
        {"name": "ask_procedure", "confidence": 0.3}])
    await ActionAskAffirmation().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["text"] == "Did you mean: A question about visiting Hue?"
    assert [b["payload"] for b in message["buttons"]] == ["/ask_tourism", "/out_of_scope"]


async def test_ask_affirmation_in_vietnamese(dispatcher):
    tracker = make_tracker("cai do", ranking=[{"name": "report_incident", "confidence": 0.4}])
    await ActionAskAffirmation().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == "Có phải ý bạn là: Gửi phản ánh sự cố?"
    assert dispatcher.messages[0]["buttons"][0]["title"] == "Đúng vậy"


async def test_ask_affirmation_without_ranking_asks_to_rephrase(dispatcher):
    await ActionAskAffirmation().run(dispatcher, make_tracker("???"), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"
