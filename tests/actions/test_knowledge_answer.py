"""actions/knowledge_answer.py with the real engine: answers, sources, related topics, declines,
follow-ups and the custom json contract."""
import pytest

from actions import services
from actions.knowledge_answer import ActionAnswerFromKnowledge, is_follow_up, latest_question
from bot.settings import Settings
from bot.text import detect_language
from tests.actions.conftest import make_tracker


@pytest.fixture(autouse=True)
def installed(knowledge_engine):
    services.install(services.Services(settings=Settings.from_env({}), knowledge=knowledge_engine))
    yield
    services.install(None)


def json_messages(dispatcher):
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


async def test_answers_in_vietnamese_with_source_and_related_topics(dispatcher):
    tracker = make_tracker("lam can cuoc o dau", slots={"language": "vi"}, channel="telegram")
    events = await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    answer = dispatcher.messages[0]
    assert "Nguồn: http" in answer["text"]
    assert detect_language(answer["text"]) == "vi"
    assert 1 <= len(answer["buttons"]) <= 3
    assert json_messages(dispatcher) == []  # the json contract is for rest and hotline only
    assert events == [{"event": "slot", "timestamp": None, "name": "knowledge_topic",
                       "value": "proc.citizen_id_card"}]


async def test_rest_channel_gets_the_json_contract(dispatcher):
    tracker = make_tracker("imperial city opening hours", slots={"language": "en"}, channel="rest")
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    [contract] = json_messages(dispatcher)
    assert contract["kind"] == "knowledge_answer"
    assert contract["entry_id"] == "tour.imperial_city"
    assert contract["language"] == "en"
    assert contract["source_url"].startswith("http")
    assert 0 < contract["score"] <= 1
    assert "Source: http" in dispatcher.messages[0]["text"]


async def test_out_of_scope_is_declined_with_topics_and_hotline(dispatcher):
    tracker = make_tracker("write me a poem about the sea", slots={"language": "en"}, channel="hotline")
    events = await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    decline = dispatcher.messages[0]
    assert "1900 1075" in decline["text"]
    assert len(decline["buttons"]) == 3
    [contract] = json_messages(dispatcher)
    assert contract["kind"] == "knowledge_decline"
    assert set(contract) == {"kind", "best_entry_id", "best_score"}
    assert events[0]["name"] == "knowledge_topic" and events[0]["value"] is None


@pytest.mark.parametrize("language, follow_up", [("vi", "còn giá vé?"), ("en", "and the ticket price?")])
async def test_follow_up_stays_on_the_topic(dispatcher, language, follow_up):
    tracker = make_tracker(follow_up, slots={"language": language, "knowledge_topic": "tour.imperial_city"},
                           channel="rest")
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    [contract] = json_messages(dispatcher)
    assert contract["kind"] == "knowledge_answer"
    assert contract["entry_id"] in {"tour.imperial_city", "tour.monument_tickets"}


def test_follow_up_detection():
    assert is_follow_up("còn giá vé?") and is_follow_up("and the ticket price?")
    assert not is_follow_up("thủ tục đăng ký khai sinh cho con cần gì")


def test_latest_question_skips_button_payloads():
    tracker = make_tracker("/ask_tourism")
    assert latest_question(tracker) == ""
