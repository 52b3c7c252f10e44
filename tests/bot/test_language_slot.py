"""domain.yml: the `language` slot is filled inside Rasa by its slot mappings (no action-server call),
run here through Rasa's own action_extract_slots on the real domain."""
import asyncio

import pytest

pytest.importorskip("rasa")

from rasa.core.actions.action import ActionExtractSlots  # noqa: E402
from rasa.core.channels import CollectingOutputChannel  # noqa: E402
from rasa.core.nlg import TemplatedNaturalLanguageGenerator  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu import LanguageDetector  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def turn(domain, text, intent="greet", language=None, hint=None, in_form=False):
    """The slot events action_extract_slots gives for `text` after the detector ran on it."""
    message = Message(data={"text": text})
    LanguageDetector().process([message])
    events = [SlotSet("language", language), SlotSet("language_hint", hint)]
    if in_form:
        events += [ActiveLoop("incident_report_form"), SlotSet("requested_slot", "incident_location")]
    events.append(UserUttered(text, intent={"name": intent, "confidence": 0.9},
                              entities=message.get("entities") or [],
                              parse_data=message.as_dict(only_output_properties=True)))
    tracker = DialogueStateTracker.from_events("t", events, slots=domain.slots)
    result = asyncio.run(ActionExtractSlots(None).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain))
    return {e.key: e.value for e in result if isinstance(e, SlotSet)}


def test_the_action_server_is_not_called_for_the_language(domain):
    assert "action_detect_language" not in domain.user_actions
    language = next(slot for slot in domain.slots if slot.name == "language")
    assert all(mapping["type"] != "custom" for mapping in language.mappings)


@pytest.mark.parametrize("text", ["ok", "alo", "bye", "dc r thanks", "cancel", "👍", "Lê Lợi", "thanks",
                                  "HUE-2026-000123", "hello"])
@pytest.mark.parametrize("current", ["vi", "en"])
def test_short_messages_keep_the_conversation_language(domain, text, current):
    assert "language" not in turn(domain, text, language=current)


@pytest.mark.parametrize("text, current, expected", [
    ("how much is a ticket for the citadel", "vi", "en"),
    ("lam can cuoc o dau vay ad", "en", "vi"),
    ("안녕하세요 왕궁 입장료 얼마예요?", "vi", "en"),  # a language we do not serve: English
])
def test_a_full_sentence_sets_the_language(domain, text, current, expected):
    assert turn(domain, text, language=current)["language"] == expected


def test_a_first_short_message_only_leans(domain):
    assert turn(domain, "hello") == {"language_hint": "en"}


@pytest.mark.parametrize("intent, text, expected", [
    ("speak_english", "nói tiếng Anh đi", "en"),
    ("speak_vietnamese", "can we talk in vietnamese", "vi"),
])
@pytest.mark.parametrize("in_form", [False, True])
def test_the_switch_intents_win_everywhere(domain, intent, text, expected, in_form):
    assert turn(domain, text, intent=intent, language="vi" if expected == "en" else "en",
                in_form=in_form)["language"] == expected


def test_answers_inside_the_form_never_change_the_language(domain):
    assert "language" not in turn(domain, "số 12 đường Lê Lợi, phường Phú Hội", intent="inform",
                                  language="en", in_form=True)


@pytest.mark.parametrize("language", ["vi", "en", None])
@pytest.mark.parametrize("hint", ["vi", "en", None])
@pytest.mark.parametrize("kind", ["medical", "fire", "crime", "rescue", "general", None])
def test_one_emergency_reply_per_language_and_kind_with_its_number(domain, language, hint, kind):
    """Rasa picks at random among the variants whose conditions all match, so they must not overlap.
    The conversation's language decides; while it is unknown, the message's own leaning (the hint)."""
    from rasa.core.nlg.generator import ResponseVariationFilter

    slots = {"language": language, "language_hint": hint, "emergency_kind": kind}
    variants = domain.responses["utter_emergency"]
    matching = [v for v in variants if v.get("condition")
                and ResponseVariationFilter._matches_filled_slots(slots, v)]
    assert len(matching) <= 1
    [text] = [v["text"] for v in matching] or [next(v["text"] for v in variants if not v.get("condition"))]
    speaks = language or hint
    numbers = {"medical": ["115"], "fire": ["114"], "crime": ["113"],
               "rescue": ["114", "112"] if speaks else ["114"]}.get(kind, ["113", "114", "115"])
    assert all(number in text for number in numbers)
    if speaks == "en" and kind:
        assert text.startswith(("🚑 Emergency", "🔥 Emergency", "🚓 Emergency", "🆘 Emergency"))
    if speaks == "vi" and kind:
        assert "Khẩn cấp:" in text and "Emergency" not in text


@pytest.mark.parametrize("text", ["bye", "thank you", "cám ơn", "ok bye", "hello", "chao ad", "tks"])
@pytest.mark.parametrize("hint", ["vi", "en"])
def test_greetings_and_thanks_keep_the_hint_a_conversation_has(domain, text, hint):
    """"chao ad" then "bye" stays Vietnamese; "hi" then "cám ơn" stays English (issue 11, item 5)."""
    assert turn(domain, text, hint=hint).get("language_hint", hint) == hint


@pytest.mark.parametrize("text, expected", [("chao ad", "vi"), ("hello", "en"), ("cám ơn", "vi")])
def test_a_greeting_gives_the_first_hint(domain, text, expected):
    assert turn(domain, text)["language_hint"] == expected


@pytest.mark.parametrize("text, hint, expected", [("passport fee", "vi", "en"), ("ho chieu bn", "en", "vi")])
def test_a_message_that_is_not_a_greeting_still_moves_the_hint(domain, text, hint, expected):
    assert turn(domain, text, hint=hint)["language_hint"] == expected
