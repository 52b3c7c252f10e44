"""actions/language.py and actions/replies.py: the clarification question and the reply language.

(The `language` slot itself is filled by domain.yml's slot mappings: tests/bot/test_language_slot.py.)"""
import pytest

from actions.language import ActionAskAffirmation
from actions.replies import reply_language
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize("slots, expected", [
    ({"language": "en", "language_hint": "vi"}, "en"),  # the conversation's language wins
    ({"language": None, "language_hint": "en"}, "en"),  # not shown yet: the message's leaning
    ({"language": None, "language_hint": None}, "vi"),
    ({"language": "fr"}, "vi"),
])
def test_reply_language(slots, expected):
    assert reply_language(make_tracker("x", slots=slots)) == expected


async def test_ask_affirmation_offers_two_distinct_choices_in_english(dispatcher):
    tracker = make_tracker("ticket thing", slots={"language": "en"}, ranking=[
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_tourism", "confidence": 0.4},
        {"name": "affirm", "confidence": 0.35},
        {"name": "ask_procedure", "confidence": 0.3}])
    await ActionAskAffirmation().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["text"] == "Which one did you mean?"
    assert [b["payload"] for b in message["buttons"]] == ["/ask_tourism", "/ask_procedure", "/out_of_scope"]
    assert [b["title"] for b in message["buttons"]] == ["Visiting Hue", "A procedure", "None of these"]


async def test_ask_affirmation_in_vietnamese_with_one_choice(dispatcher):
    tracker = make_tracker("cai do", ranking=[{"name": "report_incident", "confidence": 0.4},
                                              {"name": "greet", "confidence": 0.2}])
    await ActionAskAffirmation().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == "Có phải ý bạn là: Gửi phản ánh sự cố?"
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Đúng vậy", "Không phải"]


@pytest.mark.parametrize("ranking", [
    [{"name": "affirm", "confidence": 0.4}, {"name": "deny", "confidence": 0.3}],  # "Did you mean: Yes?"
    [{"name": "out_of_scope", "confidence": 0.4}],  # two buttons that did the same thing
    [{"name": "greet", "confidence": 0.4}, {"name": "thank", "confidence": 0.3}],
    [],
])
async def test_ask_affirmation_never_offers_yes_no_or_something_else(dispatcher, ranking):
    await ActionAskAffirmation().run(dispatcher, make_tracker("??", ranking=ranking), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"
