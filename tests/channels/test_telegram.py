"""channels/telegram.py with python-telegram-bot's real Bot talking to the fake Bot API."""
import time

import pytest
from telegram import Update

from bot.settings import TelegramSettings
from channels.base import BoundedMap
from channels.telegram import (
    CALLBACK_DATA_BYTES,
    SEND_ATTEMPTS,
    ButtonPayloads,
    TelegramInput,
    TelegramOutput,
    make_bot,
    poll,
    set_webhook,
    telegram_inbound,
)
from tests.fakes.http import FakeAPI
from tests.fakes.telegram import (
    callback_update,
    location_update,
    message_update,
    photo_update,
    text_update,
)

CHAT = 42


def settings_for(fake) -> TelegramSettings:
    return TelegramSettings(bot_token=fake.token, webhook_secret="s3cret", api_base_url=fake.url)


def inbound(update, payloads=None):
    return telegram_inbound(Update.de_json(update, None), payloads or ButtonPayloads())


# --- updates → what Rasa receives ---

def test_text_goes_to_rasa_as_is():
    item = inbound(text_update(CHAT, "làm căn cước ở đâu"))
    assert (item.sender_id, item.text, item.reply) == ("42", "làm căn cước ở đâu", None)
    assert item.metadata["telegram"]["language_code"] == "vi"


@pytest.mark.parametrize("text, language, expected", [
    ("/start", "en", "hello"), ("/start", "vi", "xin chào"), ("/start@hue_bot", "en-US", "hello"),
    ("/start payload", "vi", "xin chào"),
])
def test_start_is_a_greeting_in_the_app_language(text, language, expected):
    assert inbound(text_update(CHAT, text, language=language)).text == expected


def test_location_becomes_the_share_location_text():
    item = inbound(location_update(CHAT, 16.4637, 107.5909))
    assert item.text == '/share_location{"latitude": 16.4637, "longitude": 107.5909}'


def test_photo_becomes_the_largest_size_file_id():
    item = inbound(photo_update(CHAT, ["small", "medium", "large"]))
    assert item.text == '/share_photo{"photo": "large"}'


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
                 "is_video": False, "type": "regular"}},
    {"voice": {"file_id": "v", "file_unique_id": "u", "duration": 3}},
])
@pytest.mark.parametrize("language, start", [("vi", "Xin lỗi"), ("en", "Sorry")])
def test_stickers_and_voice_get_a_polite_reply_not_rasa(content, language, start):
    item = inbound(message_update(CHAT, language, **content))
    assert item.text is None and item.reply.startswith(start)


def test_button_tap_carries_the_payload_and_the_query_id():
    payloads = ButtonPayloads()
    long_payload = '/inform{"incident_category": "street_lighting", "note": "đèn đường hỏng trước nhà"}'
    update = callback_update(CHAT, payloads.encode(long_payload))
    item = inbound(update, payloads)
    assert item.text == long_payload
    assert item.metadata["telegram"]["callback_query_id"] == update["callback_query"]["id"]


@pytest.mark.parametrize("language, start", [("vi", "Nút này đã hết hạn"), ("en", "This button has expired")])
def test_a_button_from_before_a_restart_asks_to_type(language, start):
    item = inbound(callback_update(CHAT, "#k:0123456789abcdef01234567", language), ButtonPayloads())
    assert item.text is None and item.reply.startswith(start)


def test_edited_messages_are_ignored():
    update = {"update_id": 5, "edited_message": text_update(CHAT, "x")["message"]}
    assert inbound(update) is None


def test_webhook_parsing_rejects_updates_without_an_id(telegram_api):
    channel = TelegramInput(settings_for(telegram_api))
    with pytest.raises(ValueError):
        list(channel.inbound({"message": {"text": "hi"}}))
    [item] = channel.inbound(text_update(CHAT, "/start", language="en"))
    assert item.text == "hello" and channel.languages["42"] == "en"


# --- callback data within 64 bytes ---

def test_short_payloads_are_sent_as_they_are():
    assert ButtonPayloads().encode("/feedback_helpful") == "/feedback_helpful"


@pytest.mark.parametrize("payload", [
    "/inform" + '{"incident_category":"street_lighting"}' * 2,
    "Tôi muốn phản ánh đèn đường bị hỏng",  # 35 characters, but 50+ bytes of UTF-8… still fits
    "Lịch thu gom rác ở phường tôi thế nào? Tôi ở phường Vĩnh Ninh",  # more than 64 bytes
    "#k:looks-like-a-key",
])
def test_payloads_round_trip_within_64_bytes(payload):
    payloads = ButtonPayloads()
    data = payloads.encode(payload)
    assert len(data.encode("utf-8")) <= CALLBACK_DATA_BYTES
    assert payloads.decode(data) == payload


# --- sending through the real Bot to the fake API ---

def output_for(fake) -> TelegramOutput:
    return TelegramOutput(make_bot(settings_for(fake)), ButtonPayloads(), BoundedMap(10), BoundedMap(10))


async def test_long_text_is_split_at_4096_on_paragraphs(telegram_api):
    paragraphs = [f"Đoạn {i}. " + "chữ " * 400 for i in range(5)]  # ~1600 characters each
    await output_for(telegram_api).send_text_message("42", "\n\n".join(paragraphs))
    texts = telegram_api.texts(CHAT)
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert texts[0].startswith("Đoạn 0.") and texts[1].startswith("Đoạn 2.") and texts[2].startswith("Đoạn 4.")


async def test_buttons_become_an_inline_keyboard_whose_taps_come_back(telegram_api):
    output = output_for(telegram_api)
    buttons = [{"title": "Chiếu sáng", "payload": '/inform{"incident_category":"street_lighting"}'},
               {"title": "Rác thải", "payload": '/inform{"incident_category":"waste_collection_and_cleanliness"}'}]
    await output.send_text_with_buttons("42", "Chọn loại sự cố:", buttons)
    [sent] = telegram_api.sent(CHAT, "sendMessage")
    assert sent["text"] == "Chọn loại sự cố:"
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == ["Chiếu sáng", "Rác thải"]
    for row, button in zip(rows, buttons):
        assert len(row[0]["callback_data"].encode()) <= 64
        tapped = telegram_inbound(Update.de_json(callback_update(CHAT, row[0]["callback_data"]), None),
                                  output.payloads)
        assert tapped.text == button["payload"]


async def test_many_short_buttons_go_two_a_row_and_long_ones_one_a_row(telegram_api):
    from actions.reports import category_buttons  # the report categories: 10 short titles

    output = output_for(telegram_api)
    categories = [{"title": b["title"], "payload": "/inform" + b["payload"]} for b in category_buttons("vi")]
    await output.send_text_with_buttons("42", "Loại sự cố?", categories)
    long_titles = [{"title": f"Một tiêu đề dài cho chủ đề số {i}", "payload": f"/t{i}"} for i in range(4)]
    await output.send_text_with_buttons("42", "Chủ đề?", long_titles)
    short_rows, long_rows = [m["reply_markup"]["inline_keyboard"] for m in telegram_api.sent(CHAT, "sendMessage")]
    assert [len(row) for row in short_rows] == [2, 2, 2, 2, 2]
    assert [button["text"] for row in short_rows for button in row] == [b["title"] for b in categories]
    assert [len(row) for row in long_rows] == [1, 1, 1, 1]


@pytest.mark.parametrize("language, label", [("vi", "📍 Gửi vị trí"), ("en", "📍 Share location")])
async def test_ask_location_shows_a_location_keyboard_then_removes_it(telegram_api, language, label):
    output = output_for(telegram_api)
    output.languages["42"] = language
    await output.send_text_message("42", "Sự cố ở đâu?")
    await output.send_custom_json("42", {"kind": "ask_location"})
    await output.send_custom_json("42", {"kind": "knowledge_answer", "entry_id": "x"})  # not shown
    await output.send_text_message("42", "Cảm ơn!")
    question, ask, thanks = telegram_api.sent(CHAT, "sendMessage")
    assert "reply_markup" not in question
    [[button]] = ask["reply_markup"]["keyboard"]
    assert button == {"text": label, "request_location": True}
    assert thanks["reply_markup"] == {"remove_keyboard": True}


async def test_images_are_sent_by_url(telegram_api):
    await output_for(telegram_api).send_image_url("42", "https://hue.gov.vn/map.png")
    [sent] = telegram_api.sent(CHAT, "sendPhoto")
    assert sent["photo"] == "https://hue.gov.vn/map.png"


async def test_429_retry_after_is_waited_out(telegram_api):
    telegram_api.flood, telegram_api.retry_after = 1, 1
    started = time.monotonic()
    await output_for(telegram_api).send_text_message("42", "xin chào")
    assert time.monotonic() - started >= 1.0
    assert telegram_api.texts(CHAT) == ["xin chào"]


async def test_persistent_429_gives_up_after_bounded_attempts(telegram_api):
    telegram_api.flood, telegram_api.retry_after = 100, 1
    await output_for(telegram_api).send_text_message("42", "xin chào")  # logged, not raised
    assert len(telegram_api.calls) == SEND_ATTEMPTS and telegram_api.texts(CHAT) == []


async def test_get_output_channel_sends_to_the_platform(telegram_api):
    channel = TelegramInput(settings_for(telegram_api))
    await channel.get_output_channel().send_text_message("42", "Phản ánh của bạn đã được xử lý.")
    assert telegram_api.texts(CHAT) == ["Phản ánh của bạn đã được xử lý."]


# --- developer commands ---

async def test_set_webhook_registers_the_url_with_the_secret(telegram_api):
    await set_webhook(settings_for(telegram_api), "https://bot.example.org/webhooks/telegram/webhook")
    [call] = [c for c in telegram_api.calls if c["path"].endswith("/setWebhook")]
    assert call["params"]["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert call["params"]["secret_token"] == "s3cret"


class Receiver(FakeAPI):
    def answer(self, path, headers, params):
        return 200, {"ok": True}


async def test_polling_forwards_updates_to_the_webhook_with_the_secret(telegram_api):
    receiver = Receiver().start()
    try:
        telegram_api.updates = [text_update(CHAT, "xin chào", update_id=7), text_update(CHAT, "cảm ơn", update_id=8)]
        forwarded = await poll(settings_for(telegram_api), receiver.url + "/webhooks/telegram/webhook", stop_after=2)
    finally:
        receiver.stop()
    assert forwarded == 2
    assert [c["params"]["message"]["text"] for c in receiver.calls] == ["xin chào", "cảm ơn"]
    assert all(c["headers"]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret" for c in receiver.calls)
    assert any(c["path"].endswith("/deleteWebhook") for c in telegram_api.calls)


async def test_the_bot_token_never_reaches_the_logs(telegram_api, caplog):
    caplog.set_level("DEBUG")  # httpx logs every request URL at INFO; Telegram's contain the token
    await output_for(telegram_api).send_text_message("42", "xin chào")
    assert "HTTP Request" in caplog.text and "/bot***/sendMessage" in caplog.text
    assert telegram_api.token not in caplog.text


def test_listed_without_its_variables_the_channel_stops_rasa_loudly(monkeypatch):
    from rasa.shared.exceptions import RasaException

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(RasaException, match="TELEGRAM_BOT_TOKEN is not set"):
        TelegramInput.from_credentials(None)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    channel = TelegramInput.from_credentials(None)
    assert channel.settings.bot_token == "123:abc" and channel.name() == "telegram"


@pytest.mark.parametrize("language, label", [("vi", "📍 Gửi vị trí"), ("en", "📍 Share location")])
async def test_a_location_question_carries_the_location_keyboard_itself(telegram_api, language, label):
    """The form's question comes as text + {"kind": "ask_location"} in one response: one message."""
    output = output_for(telegram_api)
    output.languages["42"] = language
    await output.send_response("42", {"text": "Sự cố ở đâu?", "custom": {"kind": "ask_location"}})
    [sent] = telegram_api.sent(CHAT, "sendMessage")
    assert sent["text"] == "Sự cố ở đâu?"
    assert sent["reply_markup"]["keyboard"] == [[{"text": label, "request_location": True}]]


async def test_other_responses_are_unchanged(telegram_api):
    output = output_for(telegram_api)
    await output.send_response("42", {"text": "Xin chào", "custom": {"kind": "knowledge_answer"},
                                      "image": "https://hue.gov.vn/a.png"})
    assert telegram_api.texts(CHAT) == ["Xin chào"]
    assert [p["photo"] for p in telegram_api.sent(CHAT, "sendPhoto")] == ["https://hue.gov.vn/a.png"]
