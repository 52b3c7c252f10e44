"""actions/knowledge_answer.py with the real engine: short answers with part buttons, follow-ups about
the remembered topic, topic switches, the "more" step, declines, and the custom json contract."""
import json

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


def topic_event(events, before=None):
    """The topic after the turn: the slot event's value; no event means it stayed `before`."""
    changes = [e["value"] for e in events if e.get("name") == "knowledge_topic"]
    assert len(changes) <= 1 and changes != [before]  # set once, and only when it changes
    return changes[0] if changes else before


async def ask(dispatcher, text, language="vi", topic=None, channel="rest", entities=None):
    slots = {"language": language, "knowledge_topic": topic}
    tracker = make_tracker(text, slots=slots, channel=channel, entities=entities)
    events = await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    return events, dispatcher.messages[0], (json_messages(dispatcher) or [None])[0]


def tap(payload):
    """What Rasa makes of a tapped button's payload: the text and its entities."""
    return payload, json.loads("{" + payload.split("{", 1)[1])


async def test_first_answer_is_short_with_source_and_part_buttons(dispatcher):
    events, answer, contract = await ask(dispatcher, "thu tuc lam can cuoc cong dan", channel="telegram")
    assert topic_event(events) == "proc.citizen_id_card"
    assert "Nguồn: http" in answer["text"] and detect_language(answer["text"]) == "vi"
    assert len(answer["text"]) <= 600
    titles = [b["title"] for b in answer["buttons"]]
    assert titles[:3] == ["Phí, giá", "Thời gian", "Ở đâu"] and "Xem thêm" in titles
    assert len(titles) <= 5 and all(len(t) <= 25 for t in titles)
    assert contract is None  # the json contract is for rest and hotline only


async def test_rest_channel_gets_the_json_contract(dispatcher):
    _, answer, contract = await ask(dispatcher, "imperial city opening hours", language="en")
    assert contract["kind"] == "knowledge_answer" and contract["entry_id"] == "tour.imperial_city"
    assert contract["language"] == "en" and contract["source_url"].startswith("http")
    assert 0 < contract["score"] <= 1
    assert contract["aspect"] == "hours"  # asked with the aspect: the hours part, not the whole entry
    assert "7:00–17:30" in answer["text"] and "Source: http" in answer["text"]


@pytest.mark.parametrize("topic, text, language, part_words", [
    ("proc.land_certificate", "bao lâu thì có?", "vi", "vài tuần"),
    ("proc.land_certificate", "phi bao nhieu", "vi", "lệ phí"),
    ("proc.passport", "o dau lam", "vi", "xuất nhập cảnh"),
    ("tour.imperial_city", "can I pay by card", "en", "200,000"),
    ("tour.imperial_city", "is it open on sunday", "en", "7:00–17:30"),
    ("proc.passport", "can i do it online", "en", "dichvucong.gov.vn"),
])
async def test_a_follow_up_gets_that_part_of_the_remembered_topic(dispatcher, topic, text, language, part_words):
    events, answer, contract = await ask(dispatcher, text, language, topic)
    assert topic_event(events, topic) == topic and contract["entry_id"] == topic
    assert part_words in answer["text"]
    assert len(answer["text"]) < 600 and "http" in answer["text"]


async def test_a_follow_up_naming_a_new_topic_switches(dispatcher):
    events, answer, contract = await ask(dispatcher, "còn làm hộ chiếu thì mất bao lâu", "vi",
                                         "proc.land_certificate")
    assert topic_event(events) == "proc.passport" and contract["aspect"] == "duration"
    assert "8 ngày làm việc" in answer["text"]


async def test_a_missing_part_is_said_briefly_with_source_and_hotline(dispatcher):
    _, answer, contract = await ask(dispatcher, "mấy giờ mở cửa", "vi", "proc.passport")
    assert contract["entry_id"] == "proc.passport"
    assert "chưa có thông tin riêng về giờ mở cửa" in answer["text"] and "1900 1075" in answer["text"]
    assert len(answer["text"]) <= 600


async def test_part_and_more_buttons_answer_their_entry_without_searching(dispatcher):
    _, first, _ = await ask(dispatcher, "how do I apply for a passport", "en")
    fee = next(b for b in first["buttons"] if b["title"] == "Fee, price")
    text, entities = tap(fee["payload"])
    other = type(dispatcher)()
    events, answer, contract = await ask(other, text, "en", topic="tour.imperial_city", entities=entities)
    assert topic_event(events) == "proc.passport" and contract["aspect"] == "fee"
    assert "VND 200,000" in answer["text"] and "Fee, price" not in [b["title"] for b in answer["buttons"]]

    more = next(b for b in first["buttons"] if b["title"] == "More")
    text, entities = tap(more["payload"])
    third = type(dispatcher)()
    _, answer, _ = await ask(third, text, "en", topic="proc.passport", entities=entities)
    assert "Pay the fee" in answer["text"]  # a step the short answer left out
    assert "More" not in [b["title"] for b in answer["buttons"]]


async def test_typed_more_gives_the_rest_of_the_remembered_topic(dispatcher):
    events, answer, contract = await ask(dispatcher, "Xem thêm", "vi", "proc.passport")
    assert topic_event(events, "proc.passport") == "proc.passport" and contract["aspect"] == "more"
    assert "Xem thêm" not in [b["title"] for b in answer["buttons"]]


@pytest.mark.parametrize("text, language, words", [("how much?", "en", "Which procedure or place"),
                                                   ("bao lâu thì có", "vi", "thủ tục hay địa điểm nào")])
async def test_an_aspect_with_no_topic_asks_which_one(dispatcher, text, language, words):
    events, answer, contract = await ask(dispatcher, text, language, topic=None)
    assert words in answer["text"] and contract["kind"] == "knowledge_decline"
    assert contract["best_entry_id"] is None and topic_event(events) is None


async def test_out_of_scope_is_declined_with_short_distinct_topics_and_hotline(dispatcher):
    events, decline, contract = await ask(dispatcher, "write me a poem about the sea", "en", channel="hotline")
    assert "1900 1075" in decline["text"]
    titles = [b["title"] for b in decline["buttons"]]
    assert 1 <= len(titles) <= 3 and len(set(titles)) == len(titles) and all(len(t) <= 25 for t in titles)
    assert all(b["payload"].startswith('/ask_followup{"knowledge_entry":') for b in decline["buttons"])
    assert contract["kind"] == "knowledge_decline"
    assert set(contract) == {"kind", "best_entry_id", "best_score"}
    assert topic_event(events) is None


async def test_related_topics_are_distinct_and_on_topic(dispatcher, knowledge_engine):
    _, answer, contract = await ask(dispatcher, "vé tham quan lăng Tự Đức bao nhiêu tiền", "vi")
    related = [tap(b["payload"])[1]["knowledge_entry"] for b in answer["buttons"] if "aspect" not in b["payload"]]
    assert contract["entry_id"] not in related and len(set(related)) == len(related)
    assert all(knowledge_engine.index.entries[r].category == "tourism" for r in related)


@pytest.mark.parametrize("language, follow_up", [("vi", "còn giá vé?"), ("en", "and the ticket price?")])
async def test_follow_up_stays_on_the_topic(dispatcher, language, follow_up):
    _, _, contract = await ask(dispatcher, follow_up, language, "tour.imperial_city")
    assert contract["kind"] == "knowledge_answer"
    assert contract["entry_id"] in {"tour.imperial_city", "tour.monument_tickets"}


def test_follow_up_detection():
    assert is_follow_up("còn giá vé?") and is_follow_up("and the ticket price?")
    assert not is_follow_up("thủ tục đăng ký khai sinh cho con cần gì")


def test_latest_question_skips_button_payloads():
    tracker = make_tracker("/ask_tourism")
    assert latest_question(tracker) == ""
