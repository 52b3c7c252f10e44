"""knowledge/aspects.py: which aspect a follow-up asks about, in vi, vi without diacritics and en."""
import pytest

from knowledge.aspects import ASPECTS, LABELS, detect_aspect, topic_words
from knowledge.schema import Parts


@pytest.mark.parametrize("text, aspect", [
    ("phí bao nhiêu?", "fee"), ("phi bao nhieu", "fee"), ("how much is it", "fee"),
    ("can I pay by card", "fee"), ("giá vé người lớn", "fee"),
    ("bao lâu thì có?", "duration"), ("mat may ngay", "duration"), ("how long does it take", "duration"),
    ("làm ở đâu", "where"), ("o dau lam", "where"), ("where do I go", "where"),
    ("cần giấy tờ gì", "documents"), ("ho so gom gi", "documents"), ("what documents", "documents"),
    ("làm trực tuyến được không", "online"), ("lam online dc ko", "online"), ("can i do it online", "online"),
    ("mấy giờ mở cửa", "hours"), ("chu nhat co mo ko", "hours"), ("is it open on sunday", "hours"),
    ("mấy nghìn một trang", "fee"), ("co mat ve ko", "fee"), ("how far is it from the city centre", "where"),
    ("gọi số nào", "contact"), ("sdt lien he", "contact"), ("who do i call", "contact"),
    ("có giảm giá cho sinh viên không", "fee"), ("tra qua momo dc ko", "fee"), ("bao nhiêu", "fee"),
    ("hạn chót nộp là khi nào", "duration"), ("is it far", "where"), ("so dt cty nuoc la bn", "contact"),
])
def test_detects_the_aspect(text, aspect):
    assert detect_aspect(text) == aspect


@pytest.mark.parametrize("text", ["xin chào", "thanks a lot", "làm căn cước", "Trường Tiền bridge",
                                  "hỏi về thủ tục khai sinh", "gia hạn visa", "lăng Gia Long",
                                  "bao nhiêu tuổi thì làm căn cước"])
def test_no_aspect_in_plain_topics(text):
    assert detect_aspect(text) is None


def test_topic_words_keep_only_what_names_a_topic():
    assert topic_words("bao lâu thì có?") == []
    assert topic_words("can I pay by card") == []  # "can" is a topic word only in "căn cước", "căn hộ"
    assert topic_words("can I pay by card", "en") == []
    assert topic_words("lam can cuoc o dau") == ["can", "cuoc"]
    assert topic_words("can mang theo gi") == [] and topic_words("cần mang giấy tờ gì") == []
    assert topic_words("con lang minh mang thi sao") == ["lang", "minh", "mang"]
    assert topic_words("how long does it take to get", "en") == []
    assert topic_words("bao lâu thì có kết quả") == [] and topic_words("hết bao nhiêu tiền") == []
    assert topic_words("ok and what time does dong ba market open", "en") == ["dong", "ba", "market"]
    # who it is for qualifies the topic just discussed: "cost for kids?", "giảm giá cho sinh viên"
    assert topic_words("cost for kids?", "en") == [] and topic_words("có giảm giá cho sinh viên không") == []
    assert topic_words("tong dai 1900 1075 lam viec may gio") == ["1900", "1075"]  # a line, not a count
    assert "chieu" in topic_words("còn làm hộ chiếu thì mất bao lâu")
    assert "thien" in topic_words("how much is a ticket for thien mu pagoda")


def test_aspects_are_the_schema_parts_and_labels_fit_a_button():
    assert tuple(Parts.model_fields) == ASPECTS
    assert all(len(vi) <= 25 and len(en) <= 25 for vi, en in LABELS.values())


def test_a_back_reference_is_noticed():
    from knowledge.aspects import refers_back
    assert refers_back("where is the police station for that") and refers_back("cái đó làm ở đâu")
    assert not refers_back("where is the police station")


@pytest.mark.parametrize("text, more", [("Xem thêm", True), ("xem them", True), ("More", True),
                                        ("tell me more", True), ("more about the passport", False)])
def test_more_is_asked_only_on_its_own(text, more):
    from knowledge.aspects import asks_more
    assert asks_more(text) == more


@pytest.mark.parametrize("text, follow_up", [
    ("price?", True), ("Giấy tờ", True), ("can i pay by card there", True), ("co ve vao cua ko", True),
    ("còn tiền điện thì sao", True), ("and what about the train", True), ("Xem thêm", True),
    ("my phone battery is almost dead", False), ("có ổ gà lớn trước cổng trường", False), ("xin chào", False),
])
def test_what_looks_like_a_follow_up(text, follow_up):
    from knowledge.aspects import looks_like_follow_up
    assert looks_like_follow_up(text) == follow_up
