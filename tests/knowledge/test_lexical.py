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


def _entry_index(passages):
    """EntryBM25 over (entry column, text) passages of Vietnamese."""
    import numpy as np

    from knowledge.lexical import EntryBM25

    lexical = LexicalIndex("vi", [text for _, text in passages])  # tokenizes as the search does
    columns = np.array([column for column, _ in passages])
    return lexical, EntryBM25(lexical.corpus, columns, int(columns.max()) + 1)


def test_entry_bm25_counts_the_topic_word_every_passage_of_an_entry_says():
    passages = [(0, "đăng ký khai sinh cho con"), (0, "làm giấy khai sinh ở phường"),
                (0, "khai sinh online trên VNeID"), (1, "đăng ký xe online trên dịch vụ công"),
                (1, "biển số xe máy"), (2, "đăng ký tạm trú online trên dịch vụ công"),
                (3, "đăng ký kết hôn trên dịch vụ công"), (4, "nộp hồ sơ online trên dịch vụ công")]
    _, entries = _entry_index(passages)
    scores = entries.scores(tokenize("dang ky khai sinh online tren dich vu cong", "vi"))
    assert scores.argmax() == 0 and (scores[1:] > 0).all()  # the others share only the generic words


def test_entry_bm25_leaves_one_passage_out_of_its_entry():
    passages = [(0, "giờ mở cửa Đại Nội"), (0, "vé tham quan Đại Nội"), (1, "lịch thu gom rác")]
    _, entries = _entry_index(passages)
    assert entries.scores(tokenize("vé", "vi"))[0] > 0
    assert entries.scores(tokenize("vé", "vi"), exclude=1)[0] == 0  # only the left-out passage says it
    assert entries.scores(tokenize("đại nội", "vi"), exclude=1)[0] > 0  # the other passage still says it
    assert entries.scores(tokenize("blockchain", "vi")).sum() == 0
