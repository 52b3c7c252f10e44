"""The report form end to end through the REST channel: real servers, the trained model, the store."""
import json
import re
import sqlite3

CENTRE = (16.4637, 107.5909)  # Huế, by Trường Tiền bridge
DA_NANG = (16.0544, 108.2022)
CODE_RE = re.compile(r"HUE-\d{4}-\d{6}")


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def pin(latitude, longitude):
    return "/share_location" + json.dumps({"latitude": latitude, "longitude": longitude})


def rows(servers, sql, *args):
    with sqlite3.connect(servers.settings.var_dir / "hue_assistant.sqlite3") as connection:
        return connection.execute(sql, args).fetchall()


def file_report(chat, sender, first_message, where=None, photo=None, phone=None):
    """Files a report the shortest way the form allows; returns the tracking code."""
    replies = chat(sender, first_message)
    if where is not None:
        replies = chat(sender, where)
    if photo is not None:
        chat(sender, '/share_photo{"photo": "%s"}' % photo)
    replies = chat(sender, "xong" if photo else "bỏ qua")
    replies = chat(sender, phone or "bỏ qua")
    assert "Gửi phản ánh này?" in texts(replies)[-1], replies
    [code] = set(CODE_RE.findall(" ".join(texts(chat(sender, "/affirm")))))
    return code


def test_prefilled_report_with_photo_invalid_phone_edit_and_pin(chat, servers):
    sender = "e2e-form-vi"
    replies = chat(sender, "đèn đường hỏng ở 45 Nguyễn Huệ")
    # Category, description and place came from the first message, said in one line: the photo step is next.
    assert texts(replies) == [
        "Tôi đã ghi: Loại sự cố: Chiếu sáng công cộng · Sự cố: Đèn đường hỏng ở 45 Nguyễn Huệ · Địa điểm: 45 Nguyễn Huệ",
        "Bạn có ảnh chụp sự cố không? Gửi ảnh (được nhiều ảnh), hoặc bấm \"Bỏ qua\"."]
    assert [b["title"] for b in replies[-1]["buttons"]] == ["Bỏ qua"]
    replies = texts(chat(sender, '/share_photo{"photo": "AgACAgIAAx-file-1"}'))
    assert replies == ["Đã nhận ảnh (1).", "Bạn gửi thêm ảnh, hoặc bấm \"Xong\"."]
    assert texts(chat(sender, "xong"))[0].startswith("Để cán bộ liên hệ khi cần")
    invalid = texts(chat(sender, "12345"))
    assert invalid[0].startswith("Số điện thoại chưa đúng") and "0905 123 456" in invalid[0]
    summary = texts(chat(sender, "0905 123 456"))[-1]
    for shown in ("Chiếu sáng công cộng", "Đèn đường hỏng ở 45 Nguyễn Huệ", "45 Nguyễn Huệ", "+84905123456"):
        assert shown in summary
    replies = chat(sender, "sửa")
    assert texts(replies) == ["Bạn muốn sửa mục nào?"] and len(replies[0]["buttons"]) == 5
    replies = chat(sender, '/inform{"edit_field": "incident_location"}')
    assert texts(replies)[0].startswith("Sự cố ở đâu?")
    assert {"kind": "ask_location"} in [r.get("custom") for r in replies]
    refused = texts(chat(sender, pin(*DA_NANG)))
    assert "ngoài địa bàn thành phố Huế" in refused[0]
    summary = texts(chat(sender, pin(*CENTRE)))[-1]
    assert "GPS 16.46370, 107.59090" in summary and "+84905123456" in summary  # the rest was kept
    done = " ".join(texts(chat(sender, "/affirm")))
    [code] = set(CODE_RE.findall(done))

    [(category, place, latitude, photos, phone)] = rows(
        servers, "SELECT category, location_text, latitude, photos, phone FROM reports WHERE sender_id = ?", "rest:" + sender)
    assert (category, latitude, json.loads(photos), phone) == (
        "street_lighting", CENTRE[0], ["AgACAgIAAx-file-1"], "+84905123456")
    assert place.startswith("GPS")

    status = texts(chat(sender, f"tra cứu phản ánh {code}"))[0]
    assert status.startswith(f"{code}: Đã tiếp nhận") and "GPS" in status
    other = texts(chat("e2e-form-stranger", f"tra cứu phản ánh {code}"))[0]
    assert other.startswith(f"{code}: Đã tiếp nhận") and "GPS" not in other and "0905" not in other


def test_english_report_with_buttons_then_cancel_stores_nothing(chat, servers):
    sender = "e2e-form-en"
    replies = chat(sender, "I want to report a problem")
    assert texts(replies) == ["What kind of problem is it?"]
    assert "Street lights" in [b["title"] for b in replies[0]["buttons"]]
    assert texts(chat(sender, '/inform{"incident_category": "trees"}')) == [
        "What is the problem? Please describe it briefly."]
    assert texts(chat(sender, "a big branch fell on the pavement"))[0].startswith("Where is it?")
    assert texts(chat(sender, "cancel")) == ["Report cancelled; nothing was stored."]
    assert rows(servers, "SELECT id FROM reports WHERE sender_id = ?", "rest:" + sender) == []
    # The conversation goes on normally afterwards, still in English.
    assert texts(chat(sender, "hello"))[0].startswith("Hello!")


def test_a_nearby_open_report_of_the_same_kind_can_be_followed(chat, servers):
    first = file_report(chat, "e2e-dup-a", "rác chưa dọn", where=pin(*CENTRE))
    replies = texts(chat("e2e-dup-b", "rac chua don"))
    assert replies[0].startswith("Tôi đã ghi: Loại sự cố:") and replies[-1].startswith("Sự cố ở đâu?")
    offer = texts(chat("e2e-dup-b", pin(CENTRE[0] + 0.0005, CENTRE[1])))  # about 55 m away
    assert first in offer[0] and "cách chỗ bạn khoảng 56 m" in offer[0]
    followed = texts(chat("e2e-dup-b", "/affirm"))[0]
    assert followed.startswith(f"Bạn đang theo dõi phản ánh {first}")
    assert rows(servers, "SELECT id FROM reports WHERE sender_id = ?", "rest:e2e-dup-b") == []
    assert rows(servers, "SELECT f.sender_id FROM report_followers f JOIN reports r ON r.id = f.report_id "
                         "WHERE r.code = ? ORDER BY f.id", first) == [("rest:e2e-dup-a",), ("rest:e2e-dup-b",)]
