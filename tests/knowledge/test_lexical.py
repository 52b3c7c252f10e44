"""knowledge/lexical.py: accent-insensitive Vietnamese BM25 and English tokens."""
from knowledge.lexical import LexicalIndex, tokenize


def test_vietnamese_tokens_match_with_and_without_diacritics():
    accented = set(tokenize("thủ tục làm căn cước", "vi"))
    plain = set(tokenize("thu tuc lam can cuoc", "vi"))
    assert {"thu_tuc", "can_cuoc", "can", "cuoc"} <= accented
    assert accented == plain


def test_english_tokens_are_lowercased_without_stop_words():
    assert tokenize("Where can I buy Tickets for the Imperial City?", "en") == [
        "buy", "ticket", "imperial", "city"]


def test_bm25_finds_the_accented_passage_for_a_plain_query():
    index = LexicalIndex("vi", ["thủ tục làm căn cước công dân", "đăng ký khai sinh cho con",
                                "giờ mở cửa Đại Nội"])
    scores = index.scores("thu tuc lam can cuoc")
    assert scores.argmax() == 0 and scores[0] > 0
    assert not index.scores("blockchain nft").any()


def test_matched_share_weighs_unknown_words_heavily():
    index = LexicalIndex("vi", ["vé tham quan Đại Nội", "giờ mở cửa Đại Nội", "đăng ký khai sinh"])
    vocabulary = index.token_sets[0] | index.token_sets[1]
    assert index.matched_share("vé vào đại nội", vocabulary) > index.matched_share(
        "vé vào bà nà hills", vocabulary)
    assert index.matched_share("", vocabulary) == 0.0
