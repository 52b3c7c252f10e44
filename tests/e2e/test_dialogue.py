"""Whole conversations typed the way people type (no diacritics, abbreviations, typos), over REST on
both real servers: emergencies first, a report form people can leave, questions mid-form, language
that stays put, and never an empty reply."""
import sqlite3

import pytest

from bot.text import detect_language


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def stored_reports(servers, sender):
    with sqlite3.connect(servers.settings.var_dir / "hue_assistant.sqlite3") as connection:
        return connection.execute("SELECT id FROM reports WHERE sender_id = ?", (sender,)).fetchall()


CLARIFICATION = ("Có phải ý bạn là", "Did you mean", "Bạn muốn hỏi về việc nào", "Which one did you mean")


@pytest.mark.parametrize("sender, lines, number", [
    ("e2e-sos-1", ["chao ad", "co ng bi xe tong chay mau dau o nga tu hung vuong"], "115"),
    ("e2e-sos-2", ["hi", "a man was hit by a car here, his head is bleeding"], "115"),
    ("e2e-sos-3", ["chay nha ben canh roi lua to lam"], "114"),
    ("e2e-sos-4", ["co trom dang leo vao nha em"], "113"),
    ("e2e-sos-5", ["nuoc len nhanh qua ca nha mac ket tren mai"], "114"),
    ("e2e-sos-6", ["my daughter has a 40 degree fever and convulsions"], "115"),
])
def test_an_emergency_gets_its_number_first(chat, sender, lines, number):
    for line in lines[:-1]:
        chat(sender, line)
    replies = texts(chat(sender, lines[-1]))
    assert number in replies[0] and len(replies[0]) <= 120, replies
    assert not any(text.startswith(CLARIFICATION) for text in replies)
    # The rest (a report, the hotline) only after the number.
    assert any("1900 1075" in text for text in replies[1:])


def test_an_emergency_inside_the_report_form_then_the_form_goes_on(chat, servers):
    sender = "e2e-sos-form"
    replies = texts(chat(sender, "den duong hong o kiet 5 le loi"))
    assert replies[-1].startswith("Bạn có ảnh chụp sự cố không?")
    replies = texts(chat(sender, "oi co nguoi nga xe chay mau nhieu qua"))
    assert "115" in replies[0]
    assert replies[-1].startswith("Bạn có ảnh chụp sự cố không?")  # the pending question again
    assert texts(chat(sender, "thoi huy di")) == ["Đã hủy phản ánh; không có gì được lưu."]
    assert stored_reports(servers, sender) == []


@pytest.mark.parametrize("sender, first, cancel, done", [
    ("e2e-cancel-1", "muon bao o ga", "bỏ đi em", "Đã hủy phản ánh; không có gì được lưu."),
    ("e2e-cancel-2", "toi muon phan anh", "khong can nua dau", "Đã hủy phản ánh; không có gì được lưu."),
    ("e2e-cancel-3", "rac chua don o kiet 12 tran phu", "ko bao nua", "Đã hủy phản ánh; không có gì được lưu."),
    ("e2e-cancel-4", "I want to report a broken street light", "no thanks, stop",
     "Report cancelled; nothing was stored."),
])
def test_everyday_cancellations_leave_the_form_with_nothing_stored(chat, servers, sender, first, cancel, done):
    chat(sender, first)
    assert texts(chat(sender, cancel)) == [done]
    assert stored_reports(servers, sender) == []


def test_a_question_mid_form_is_answered_then_the_pending_step_is_asked_again(chat, servers):
    sender = "e2e-midform"
    assert texts(chat(sender, "muon bao o ga to"))[-1].startswith("Sự cố ở đâu?")
    replies = chat(sender, "à mà đổi bằng lái ở đâu?")
    assert [r["custom"]["kind"] for r in replies if "custom" in r][0] in ("knowledge_answer", "knowledge_decline")
    assert texts(replies)[-1].startswith("Sự cố ở đâu?")
    refused = texts(chat(sender, "0905123456"))  # a phone number is not a place
    assert "số điện thoại" in refused[0] and refused[-1]
    assert texts(chat(sender, "truoc so 12 nguyen hue"))[-1].startswith("Bạn có ảnh chụp")
    assert texts(chat(sender, "huy")) == ["Đã hủy phản ánh; không có gì được lưu."]
    assert stored_reports(servers, sender) == []


@pytest.mark.parametrize("text", ["mất nước từ sáng, gọi ai?", "bao gio co dien lai vay ad",
                                  "den duong hong bao o dau"])
def test_a_service_question_is_answered_not_started_as_a_report(chat, text):
    sender = f"e2e-svc-{abs(hash(text)) % 10000}"
    replies = chat(sender, text)
    assert replies and not any(t.startswith(("Sự cố ở đâu?", "Bạn muốn phản ánh loại sự cố nào?", "Tôi đã ghi"))
                               for t in texts(replies))
    assert [r["custom"]["kind"] for r in replies if "custom" in r][0] in ("knowledge_answer", "knowledge_decline")


def test_the_first_message_is_summed_up_in_one_line(chat):
    replies = texts(chat("e2e-understood", "den duong hong o kiet 5 le loi"))
    assert replies[0].startswith("Tôi đã ghi: Loại sự cố: Chiếu sáng công cộng") and "kiet 5 le loi" in replies[0]


def test_short_messages_keep_a_vietnamese_conversation_vietnamese(chat):
    sender = "e2e-lang-vi"
    assert texts(chat(sender, "lam can cuoc o dau vay ad"))
    for line in ("ok", "alo", "👍", "dc r thanks", "?", "bye"):
        replies = texts(chat(sender, line))
        assert replies and all(text.strip() for text in replies), line  # never an empty reply
        assert detect_language(" ".join(replies)) == "vi", (line, replies)


def test_short_messages_keep_an_english_conversation_english(chat):
    sender = "e2e-lang-en"
    assert texts(chat(sender, "what time does the imperial city open"))
    for line in ("ok", "Lê Lợi", "...", "cảm ơn", "cancel"):
        replies = texts(chat(sender, line))
        assert replies and all(text.strip() for text in replies), line
        assert detect_language(" ".join(replies)) == "en", (line, replies)


@pytest.mark.parametrize("text, line", [
    ("안녕하세요, 후에 왕궁은 몇 시에 열어요?", "죄송합니다"),
    ("你好，请问皇城几点开门？", "抱歉"),
    ("Bonjour, où est la citadelle ?", "Désolé"),
])
def test_a_language_we_do_not_serve_gets_one_line_in_it_then_english(chat, text, line):
    sender = f"e2e-foreign-{abs(hash(text)) % 10000}"
    replies = texts(chat(sender, text))
    assert replies[0].startswith(line) and "I speak Vietnamese and English" in replies[0]
    assert not any(t.startswith(CLARIFICATION) for t in replies)
    assert texts(chat(sender, "ok"))[0].startswith("Okay")  # then it goes on in English
