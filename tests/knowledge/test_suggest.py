"""knowledge/suggest.py with the real engine: top-3 suggestions with their own confidences."""
from knowledge.suggest import short_answer, suggest


def test_short_answer_keeps_whole_sentences():
    text = "Câu một ngắn. Câu hai cũng ngắn! Câu ba thì dài hơn nhiều so với giới hạn cho phép ở đây."
    assert short_answer(text, limit=40) == "Câu một ngắn. Câu hai cũng ngắn!"
    assert short_answer("một hai ba bốn năm sáu bảy", limit=12) == "một hai ba…"


def test_vietnamese_question_gets_three_ranked_suggestions(engine):
    result = suggest(engine, "làm căn cước công dân ở đâu vậy", k=3)
    assert result.language == "vi" and result.answered
    ids = [item.entry_id for item in result.items]
    assert ids[0] == "proc.citizen_id_card" and len(set(ids)) == 3
    first = result.items[0]
    assert first.confidence == result.confidence
    assert all(0 <= item.confidence <= first.confidence for item in result.items[1:])
    assert first.source_url.startswith("http") and first.source_url in first.answer
    assert first.short_answer and len(first.short_answer) <= 281
    assert first.title == engine.index.entries["proc.citizen_id_card"].vi.title


def test_english_and_out_of_scope(engine):
    english = suggest(engine, "what time does the imperial city open", k=2)
    assert english.language == "en" and [i.entry_id for i in english.items][0] == "tour.imperial_city"
    assert len(english.items) == 2 and "Source: " in english.items[0].answer
    unknown = suggest(engine, "giá bitcoin hôm nay bao nhiêu", k=3)
    assert not unknown.answered and unknown.confidence < engine.threshold(unknown.language)
