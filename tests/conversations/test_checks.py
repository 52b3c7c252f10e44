"""The checks of a conversation turn (tests/conversations/checks.py), on replies shaped like the bot's."""
from pathlib import Path

import pytest

from tests.conversations.checks import Observation, StepReader, check_turn, next_language, read_step
from tests.conversations.spec import Turn

ROOT = Path(__file__).resolve().parents[2]
CATEGORY_BUTTONS = [{"title": "Chiếu sáng công cộng", "payload": '/inform{"incident_category": "street_lighting"}'}]


@pytest.fixture(scope="module")
def reader():
    return StepReader.from_domain(ROOT / "domain.yml")


def tracker(requested=None, active=True, **slots):
    return {"active_loop": {"name": "incident_report_form"} if active else {},
            "slots": {"requested_slot": requested, **slots}}


def knowledge_reply(entry_id, text="Đăng ký khai sinh cho trẻ\nNộp tại UBND phường. Nguồn: https://a.vn"):
    return [{"text": text}, {"custom": {"kind": "knowledge_answer", "entry_id": entry_id, "score": 0.8,
                                        "language": "vi", "source_url": "https://a.vn"}},
            {"text": "Có hữu ích không?", "buttons": [{"title": "👍", "payload": "/feedback_helpful"}]}]


def names(results, ok=True):
    return sorted(r.name for r in results if r.ok is ok)


@pytest.mark.parametrize("message,requested,step", [
    ({"text": "Bạn muốn phản ánh loại sự cố nào?", "buttons": CATEGORY_BUTTONS}, None, "category"),
    ({"text": "Bạn gặp sự cố gì? Hãy mô tả ngắn gọn."}, None, "description"),
    ({"text": "What is the problem? Please describe it briefly."}, None, "description"),
    ({"text": "Where is it? Give a street and number, a ward, or share your location."}, None, "location"),
    ({"text": "Vị trí?", "custom": None}, None, None),
    ({"custom": {"kind": "ask_location"}}, None, "location"),
    ({"text": 'Bạn có ảnh chụp sự cố không? Gửi ảnh, hoặc bấm "Bỏ qua".',
      "buttons": [{"title": "Bỏ qua", "payload": "bỏ qua"}]}, "incident_photo_step", "photo"),
    ({"text": "Để cán bộ liên hệ khi cần, bạn để lại số điện thoại (không bắt buộc), ví dụ 0905 123 456. "
              "Hoặc bấm Bỏ qua.", "buttons": [{"title": "Bỏ qua", "payload": "bỏ qua"}]}, "incident_phone", "phone"),
    # reworded ask texts are still told apart by the tracker when the buttons look alike
    ({"text": "Số liên hệ của bạn?", "buttons": [{"title": "Bỏ qua", "payload": "bỏ qua"}]}, "incident_phone", "phone"),
    ({"text": "Loại: Cây xanh\nGửi phản ánh này?", "buttons": [
        {"title": "Gửi", "payload": "/affirm"}, {"title": "Sửa", "payload": "sửa"},
        {"title": "Hủy", "payload": "hủy"}]}, "incident_confirmation", "confirm"),
    ({"text": "Theo dõi phản ánh đó?", "buttons": [
        {"title": "Theo dõi", "payload": "/affirm"}, {"title": "Gửi mới", "payload": "/deny"}]}, None, "duplicate"),
    ({"custom": {"kind": "form_step", "step": "incident_phone"}}, None, "phone"),
    ({"text": "Có hữu ích không?", "buttons": [{"title": "👍", "payload": "/feedback_helpful"}]}, None, None),
])
def test_steps_are_recognised(reader, message, requested, step):
    assert reader.step_of(message, requested) == step


def test_a_reworded_question_counts_when_the_tracker_waits_for_its_slot(reader):
    replies = [{"text": "Bạn mô tả giúp tôi chuyện gì đang xảy ra nhé?"}]
    assert read_step(reader, replies, tracker("incident_description")) == "description"
    assert read_step(reader, replies, None) is None
    # a knowledge answer's feedback question is not a form question
    assert read_step(reader, knowledge_reply("proc.passport"), tracker("incident_location")) is None


def test_entry_and_form_step_after_a_question_mid_form(reader):
    replies = knowledge_reply("proc.driving_license_exchange") + [
        {"text": "Sự cố ở đâu? Cho tôi biết số nhà, tên đường, phường hoặc chia sẻ vị trí."}]
    seen = Observation(replies=replies, tracker=tracker("incident_location"))
    seen.asked_step = read_step(reader, replies, seen.tracker)
    turn = Turn("à mà đổi bằng lái ở đâu?", {"entry": "proc.driving_license_exchange", "form_step": "location"})
    assert names(check_turn(turn, seen, "vi"), ok=False) == []
    # the same replies while the tracker waits for another slot: the step check fails
    seen.tracker = tracker("incident_phone")
    assert names(check_turn(turn, seen, "vi"), ok=False) == ["form_step"]
    # a different entry fails the entry check
    turn = Turn("x", {"entry": ["proc.passport"]})
    assert names(check_turn(turn, seen, "vi"), ok=False) == ["entry"]


def test_a_question_taken_as_the_answer_fails(reader):
    replies = [{"text": 'Bạn có ảnh chụp sự cố không? Gửi ảnh, hoặc bấm "Bỏ qua".',
                "buttons": [{"title": "Bỏ qua", "payload": "bỏ qua"}]}]
    seen = Observation(replies=replies, tracker=tracker("incident_photo_step"))
    seen.asked_step = read_step(reader, replies, seen.tracker)
    turn = Turn("à mà đổi bằng lái ở đâu?", {"entry": "proc.driving_license_exchange", "form_step": "location"})
    assert names(check_turn(turn, seen, "vi"), ok=False) == ["entry", "form_step"]


def test_cancel_checks(reader):
    done = Observation(replies=[{"text": "Đã hủy phản ánh; không có gì được lưu."}], tracker=tracker(active=False),
                       stored=[])
    turn = Turn("bỏ đi em", {"form_ended": True, "no_report": True})
    assert names(check_turn(turn, done, "vi"), ok=False) == []
    stored = Observation(replies=done.replies, tracker=tracker(active=False),
                         stored=[{"code": "HUE-2026-000001", "location_text": "Lê Lợi"}])
    assert names(check_turn(turn, stored, "vi"), ok=False) == ["no_report"]
    still = Observation(replies=[{"text": "Sự cố ở đâu?"}], tracker=tracker("incident_location"))
    still.asked_step = "location"
    assert names(check_turn(turn, still, "vi"), ok=False) == ["form_ended", "no_report"]


def test_empty_replies_and_http_errors_fail():
    assert names(check_turn(Turn("👍"), Observation(replies=[]), "vi"), ok=False) == ["not_empty"]
    assert names(check_turn(Turn("👍"), Observation(replies=[{"custom": {"kind": "x"}}]), "vi"),
                 ok=False) == ["not_empty"]
    assert names(check_turn(Turn("👍"), Observation(replies=[], error="HTTP 500"), "vi"), ok=False) == ["not_empty"]


def test_language_is_held_to_the_conversation_unless_the_turn_says():
    english = Observation(replies=[{"text": "Hello! How can I help?"}])
    assert names(check_turn(Turn("alo"), english, "vi"), ok=False) == ["reply_lang"]
    assert names(check_turn(Turn("alo"), english, "en"), ok=False) == []
    neutral = Observation(replies=[{"text": "👍"}])
    assert names(check_turn(Turn("👍"), neutral, "vi"), ok=False) == []
    # explicit: the language must be seen, not just not contradicted
    assert names(check_turn(Turn("ok", {"reply_lang": "vi"}), neutral, "vi"), ok=False) == ["reply_lang"]
    two = Observation(replies=[{"text": "저는 베트남어와 영어만 할 수 있어요."}, {"text": "I speak Vietnamese and English."}])
    assert names(check_turn(Turn("안녕", {"reply_lang": ["ko", "en"]}), two, "en"), ok=False) == []
    only_en = Observation(replies=[{"text": "I speak Vietnamese and English."}])
    assert names(check_turn(Turn("안녕", {"reply_lang": ["ko", "en"]}), only_en, "en"), ok=False) == ["reply_lang"]
    assert next_language(Turn("x", {"reply_lang": ["ko", "en"]}), "vi") == "en"
    assert next_language(Turn("x"), "vi") == "vi"


def test_emergency_number_must_come_first():
    seen = Observation(replies=[{"text": "Bạn muốn phản ánh loại sự cố nào?"}, {"text": "Gọi 115."}])
    turn = Turn("có người bị xe tông", {"first_says_any": ["115"]})
    assert names(check_turn(turn, seen, "vi"), ok=False) == ["first_says_any"]
    seen = Observation(replies=[{"text": "Gọi ngay 115 (cấp cứu)."}, {"text": "Bạn muốn gửi phản ánh không?"}])
    assert names(check_turn(turn, seen, "vi"), ok=False) == []


def test_tracking_code_and_place():
    reply = [{"text": 'Đã tiếp nhận phản ánh (Đường) tại "kiệt 12 Phan Đình Phùng". Mã phản ánh của bạn: '
                      'HUE-2026-000042.'}]
    turn = Turn("gửi đi", {"tracking_code": True, "place_excludes": "0905"})
    good = Observation(replies=reply, stored=[{"code": "HUE-2026-000042", "location_text": "kiệt 12 Phan Đình Phùng"}])
    assert names(check_turn(turn, good, "vi"), ok=False) == []
    phone_as_place = Observation(replies=reply, stored=[{"code": "HUE-2026-000042", "location_text": "0905 123 456"}])
    assert names(check_turn(turn, phone_as_place, "vi"), ok=False) == ["place_excludes"]
    not_stored = Observation(replies=reply, stored=[])
    assert "tracking_code" in names(check_turn(turn, not_stored, "vi"), ok=False)
    # without a store, the place the form held before the turn is read from the tracker
    from_tracker = Observation(replies=reply, tracker_before=tracker("incident_confirmation",
                                                                     incident_location="0905123456"))
    assert names(check_turn(turn, from_tracker, "vi"), ok=False) == ["place_excludes"]


def test_language_is_judged_per_message_not_per_quoted_line():
    # the user's own words echoed in a Vietnamese summary, and a Vietnamese title above an English answer
    summary = Observation(replies=[{"text": "Phản ánh của bạn:\n• Loại sự cố: Cây xanh\n"
                                            "• Mô tả: Cay xanh bi sau an muc rong sap do\n"
                                            "• Địa điểm: cong vien thuong bac\nGửi phản ánh này?"}])
    assert names(check_turn(Turn("ko de sdt"), summary, "vi"), ok=False) == []
    answer = Observation(replies=[{"text": "Thiên Mụ Pagoda\nThiên Mụ (Linh Mụ) Pagoda stands on Hà Khê hill on the "
                                           "north bank of the Perfume River. Entry is free."}])
    assert names(check_turn(Turn("thien mu pagoda"), answer, "en"), ok=False) == []
    assert names(check_turn(Turn("chua thien mu"), answer, "vi"), ok=False) == ["reply_lang"]
