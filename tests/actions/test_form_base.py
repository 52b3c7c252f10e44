"""actions/form_base.py: the cancellation grammar and the question shape, on many everyday forms.

The combinations below are built from word classes (openers × cancellations × particles), not from the
conversation sets; tests/conversations/heldout.yml is never looked at."""
import itertools
import random

import pytest

from actions.form_base import Answer

OPENERS = ["", "à ", "ờ ", "ok ", "thôi ", "ua ", "da ", "wait ", "hold on ", "actually "]
CORES_VI = ["hủy", "hủy đi", "hủy giùm em", "thôi khỏi", "không báo nữa", "ko gửi nữa đâu", "k cần nữa",
            "dừng lại", "ngưng lại giúp mình", "bỏ đi", "thôi dẹp đi", "để hôm khác", "đổi ý rồi",
            "không phản ánh nữa", "hong can nua", "khong muon bao nua", "thôi dừng lại không gửi nữa",
            "hủy đi không báo nữa"]
CORES_EN = ["cancel", "cancel it", "stop", "stop please", "nvm", "never mind", "forget it", "forget about it",
            "don't send it", "dont report it", "i changed my mind", "scratch that", "don't bother",
            "let's stop here", "i'd rather not continue", "no need anymore", "end this"]
PARTICLES = ["", " nha", " nhé", " ạ", " đi", " em", " ad ơi", " please", " thanks"]
# Reasons said after a comma ("…, hàng xóm báo rồi") do not hide the cancellation.
REASONS = ["", ", hàng xóm báo rồi", ", để mai tôi gọi tổng đài", ", it's fixed now", ", wrong street"]


def _combinations(cores, seed):
    every = [o + c + p + r for o, c, p, r in itertools.product(OPENERS, cores, PARTICLES, REASONS)]
    return random.Random(seed).sample(every, 150)


@pytest.mark.parametrize("text", _combinations(CORES_VI, 11) + _combinations(CORES_EN, 12))
def test_everyday_cancellations_in_many_shapes(text):
    assert Answer(text).is_cancel, text


@pytest.mark.parametrize("text", ["huy di", "thoi k can nua", "ko bao nua", "dung lai", "thoi dung lai ko gui dau",
                                  "huy gium em nha", "khoi di em, cam on", "thoi de sau di"])
def test_cancellations_without_diacritics(text):
    assert Answer(text).is_cancel


@pytest.mark.parametrize("text", [
    "12 le loi", "kiệt 5 Đặng Thái Thân", "0905 123 456", "không có ảnh", "ko co anh", "no photo", "skip",
    "bỏ qua", "yes", "gửi đi", "rác để 3 ngày rồi không ai dọn", "đường bị sụt lún", "end of le loi street",
    "stop sign knocked down on le loi", "nước ngừng chảy từ sáng", "ông ấy bảo thôi không sửa nữa nên tôi báo",
    "bus stop near 5 le loi", "the light stopped working last night",
])
def test_answers_are_not_cancellations(text):
    assert not Answer(text).is_cancel


@pytest.mark.parametrize("text", [
    "đổi họ tên cần giấy tờ gì", "lam ho chieu can giay to gi", "còn hộ chiếu thì sao", "mất điện thì gọi ai",
    "phuong lam viec may h", "bao gio co nuoc lai", "nop online dc ko", "is the museum open on monday",
    "any pharmacy nearby", "tell me the hotline number", "cho xin so tong dai", "where do i pay the water bill",
    "ai phụ trách cây xanh vậy", "cây này ai quản lý",
])
def test_questions_have_the_shape_of_a_question(text):
    assert Answer(text).is_question


@pytest.mark.parametrize("text", ["12 le loi", "kiệt 5 Đặng Thái Thân", "gần chợ Đông Ba", "0905 123 456",
                                  "in front of the school", "is on le loi street", "không có ảnh"])
def test_answers_do_not_have_the_shape_of_a_question(text):
    assert not Answer(text).is_question
