"""Whole conversations over Telegram and Zalo: the real servers, the real client libraries, the
fake platforms. Each test asserts on what the platform was asked to show the user."""
import json
import re
import sqlite3

import httpx

from tests.channels.users import TelegramUser, ZaloUser, new_since, texts
from tests.conftest import E2E_RASA_TOKEN
from tests.e2e.test_report_backoffice import change_status
from tests.fakes.telegram import message_update


def tracker_events(servers, sender):
    response = httpx.get(f"{servers.rasa_url}/conversations/{sender}/tracker",
                         params={"token": E2E_RASA_TOKEN}, timeout=30)
    assert response.status_code == 200
    return response.json()["events"]


def reports_of(servers, sender):
    with sqlite3.connect(servers.settings.var_dir / "hue_assistant.sqlite3") as connection:
        return connection.execute(
            "SELECT code, channel, category, latitude, longitude, photos, phone FROM reports WHERE sender_id = ?",
            (sender,)).fetchall()


def staff_change_reaches(user, servers, code, status, note, channel):
    """A staff status change in the back office; the action server notifies the reporter through
    Rasa's trigger_intent with output_channel=`channel` (the conversation's own). The text the user got."""
    before = len(user.sent())
    changed = change_status(servers, code, status, note)
    native = str(getattr(user, "chat_id", None) or user.user_id)
    assert changed["followers"] == [{"follower": "***" + native[-4:], "channel": channel, "notified": True,
                                     "will_retry": False}]
    [told] = texts(new_since(user.sent, before))
    return told


# --- Telegram ---

def test_telegram_question_answered_in_english(servers, platforms):
    user = TelegramUser(servers, platforms, chat_id=710001, language="en")
    welcome = user.say("/start")
    assert texts(welcome)[0].startswith("Hello!")  # /start greets in the app's language
    menu = welcome[-1]["reply_markup"]["inline_keyboard"]
    assert ["Imperial City hours"] in [[b["text"] for b in row] for row in menu]

    answer = user.tap(welcome, "Imperial City hours")
    assert "Source: http" in texts(answer)[0]
    assert not any('"kind"' in t for t in texts(answer))  # the knowledge_answer json is not shown
    assert texts(answer)[-1] == "Was this helpful?"
    answered = [c for c in platforms.telegram.calls if c["path"].endswith("/answerCallbackQuery")]
    assert answered, "the tapped button's spinner was never stopped"

    thanks = user.tap(answer, "👍")
    assert texts(thanks) == ["Thanks for the feedback!"]
    database = servers.settings.var_dir / "hue_assistant.sqlite3"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT entry_id, helpful, channel FROM answer_feedback WHERE sender_id = ?",
                                  ("telegram:710001",)).fetchall()
    assert rows == [("tour.imperial_city", 1, "telegram")]


def test_telegram_report_filed_with_location_and_photo_then_looked_up(servers, platforms):
    """A tourist: category by button, the share-location keyboard,
    a photo in three sizes, Done/Skip buttons, the summary's Send button, the status lookup, and
    a staff status change that reaches the chat."""
    user = TelegramUser(servers, platforms, chat_id=710002, language="en")
    asked = user.say("I want to report a problem")
    assert texts(asked) == ["What kind of problem is it?"]
    data = [b["callback_data"] for row in asked[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert len(data) == 10 and all(len(d.encode()) <= 64 for d in data)

    assert texts(user.tap(asked, "Waste")) == ["What is the problem? Please describe it briefly."]
    where = user.say("rubbish bags have been piling up for days")
    assert texts(where)[0].startswith("Where is it?")
    assert where[-1]["reply_markup"]["keyboard"] == [[{"text": "📍 Share location", "request_location": True}]]

    photo_question = user.share_location(16.4702, 107.5792)
    assert texts(photo_question)[-1].startswith("Do you have a photo of it?")
    received = user.send_photo(["photo-small", "photo-medium", "photo-large"])
    assert texts(received) == ["Photo received (1).", 'Send more photos, or tap "Done".']
    assert received[0]["reply_markup"] == {"remove_keyboard": True}  # the location keyboard goes away
    phone_question = user.tap(received, "Done")
    assert texts(phone_question)[0].startswith("If staff may need to call you")
    summary = user.tap(phone_question, "Skip")
    assert "File this report?" in texts(summary)[-1] and "GPS 16.47020, 107.57920" in texts(summary)[-1]
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(texts(user.tap(summary, "Send")))))

    [(_, channel, category, latitude, longitude, photos, phone)] = reports_of(servers, "telegram:710002")
    assert (channel, category, latitude, longitude, json.loads(photos), phone) == (
        "telegram", "waste", 16.4702, 107.5792, ["photo-large"], None)
    status = texts(user.say(f"status of {code}"))[0]
    assert status.startswith(f"{code}: ")

    told = staff_change_reaches(user, servers, code, "in_progress", "A crew is on the way", "telegram")
    assert told.startswith(f"Update on report {code}: In progress (") and "Note: A crew is on the way" in told


def test_telegram_location_and_photo_reach_rasa_as_the_form_expects(servers, platforms):
    user = TelegramUser(servers, platforms, chat_id=710003)
    user.say("xin chào")
    user.share_location(16.4637, 107.5909)
    user.send_photo(["small-id", "large-id"])
    said = [e for e in tracker_events(servers, "telegram:710003") if e["event"] == "user"]
    location, photo = said[-2], said[-1]
    assert location["text"] == '/share_location{"latitude": 16.4637, "longitude": 107.5909}'
    assert photo["text"] == '/share_photo{"photo": "large-id"}'
    assert location["parse_data"]["intent"]["name"] == "share_location"
    assert {e["entity"]: e["value"] for e in location["parse_data"]["entities"]} == {
        "latitude": 16.4637, "longitude": 107.5909}
    assert photo["parse_data"]["entities"][0]["value"] == "large-id"
    assert location["input_channel"] == "telegram"
    assert location["message_id"] == f"telegram:{location['metadata']['telegram']['update_id']}"


def test_telegram_sticker_is_answered_politely_without_rasa(servers, platforms):
    user = TelegramUser(servers, platforms, chat_id=710005, language="en")
    replies = user.deliver(message_update(710005, "en", sticker={
        "file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
        "is_video": False, "type": "regular"}))
    assert texts(replies) == ["Sorry, I can't read this kind of message yet. Please type your question, "
                              "or send a photo or your location."]
    assert not [e for e in tracker_events(servers, "telegram:710005") if e["event"] == "user"]


# --- Zalo ---

def test_zalo_follow_welcomes_and_a_question_is_answered(servers, platforms):
    user = ZaloUser(servers, platforms, user_id="8800001")
    welcome = user.deliver(platforms.zalo.follow_event("8800001"))
    assert texts(welcome)[0].startswith("Xin chào!")
    buttons = welcome[-1]["attachment"]["payload"]["buttons"]
    assert {b["type"] for b in buttons} == {"oa.query.hide"} and len(buttons) == 5

    answer = user.tap(welcome, "Làm căn cước ở đâu?")
    assert "Nguồn: http" in texts(answer)[0]
    assert not any('"kind"' in t for t in texts(answer))
    assert texts(answer)[-1] == "Thông tin này có hữu ích không?"
    assert [b["payload"] for b in answer[-1]["attachment"]["payload"]["buttons"]] == [
        "/feedback_helpful", "/feedback_not_helpful"]


def test_zalo_report_filed_with_location_and_photo_then_looked_up(servers, platforms):
    """A citizen: category and description from the first message, a shared location, an image,
    the Xong button, a phone number, the summary's Gửi button, the status lookup, and a staff
    status change that reaches the user."""
    user = ZaloUser(servers, platforms, user_id="8800002")
    asked = texts(user.say("cây đổ chắn ngang đường"))
    assert asked[0].startswith("Tôi đã ghi: Loại sự cố:") and asked[-1].startswith("Sự cố ở đâu?")
    photo_question = user.share_location(16.4551, 107.5988)
    assert texts(photo_question)[-1].startswith("Bạn có ảnh chụp sự cố không?")
    received = user.send_photo("https://photo-stal.zadn.vn/cay-do.jpg")
    assert texts(received) == ["Đã nhận ảnh (1).", 'Bạn gửi thêm ảnh, hoặc bấm "Xong".']
    assert texts(user.tap(received, "Xong"))[0].startswith("Để cán bộ liên hệ khi cần")
    summary = user.say("0905 123 456")
    assert "Gửi phản ánh này?" in texts(summary)[-1] and "+84905123456" in texts(summary)[-1]
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(texts(user.tap(summary, "Gửi")))))

    [(_, channel, category, latitude, longitude, photos, phone)] = reports_of(servers, "zalo:8800002")
    assert (channel, category, latitude, longitude, json.loads(photos), phone) == (
        "zalo", "trees", 16.4551, 107.5988, ["https://photo-stal.zadn.vn/cay-do.jpg"], "+84905123456")
    status = texts(user.say(f"tra cứu phản ánh {code}"))[0]
    assert status.startswith(f"{code}: Đã tiếp nhận") and "GPS" in status

    told = staff_change_reaches(user, servers, code, "resolved", "Đã dọn cây đổ", "zalo")
    assert told.startswith(f"Cập nhật phản ánh {code}: Đã xử lý xong (") and "Ghi chú: Đã dọn cây đổ" in told


def test_zalo_location_and_photo_reach_rasa_as_the_form_expects(servers, platforms):
    user = ZaloUser(servers, platforms, user_id="8800003")
    user.say("xin chào")
    user.share_location(16.4637, 107.5909)
    user.send_photo("https://photo.zdn.vn/hole.jpg")
    said = [e for e in tracker_events(servers, "zalo:8800003") if e["event"] == "user"]
    assert said[-2]["text"] == '/share_location{"latitude": 16.4637, "longitude": 107.5909}'
    assert said[-1]["text"] == '/share_photo{"photo": "https://photo.zdn.vn/hole.jpg"}'
    assert said[-1]["input_channel"] == "zalo"
    assert [e["parse_data"]["intent"]["name"] for e in said[-2:]] == ["share_location", "share_photo"]
