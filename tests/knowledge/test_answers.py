"""knowledge/answers.py: short first answers, parts, the "more" step, on the shipped entries."""
import pytest

from knowledge import answers
from knowledge.schema import load_entries

ENTRIES = {e.id: e for e in load_entries()}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_first_answer_fits_600_characters_with_title_gist_and_source(language):
    for entry in ENTRIES.values():
        text = answers.short_answer(entry, language)
        assert len(text) <= answers.SHORT_MAX, (entry.id, len(text))
        assert text.startswith(entry.block(language).title) and text.endswith(entry.source_url)
        gist = text.split("\n\n")[1]
        assert len(gist) >= 40, entry.id


@pytest.mark.parametrize("language", ["vi", "en"])
def test_gist_and_rest_together_keep_the_whole_answer(language):
    for entry in ENTRIES.values():
        gist, rest = answers.split_gist(entry, language)
        combined = " ".join(rest.split()) if gist.endswith(" …") else " ".join(f"{gist} {rest}".split())
        for paragraph in entry.block(language).answer.split("\n\n"):
            assert " ".join(paragraph.split()) in combined, entry.id
        for step in entry.block(language).steps:
            assert step in rest, entry.id


def test_part_answer_is_the_part_with_title_and_source():
    entry = next(e for e in ENTRIES.values() if e.parts.get("fee") is not None)
    text = answers.part_answer(entry, "fee", "vi")
    assert entry.parts.get("fee").vi in text and entry.source_url in text
    assert entry.vi.answer.strip() not in text
    assert len(text) < len(answers.short_answer(entry, "vi")) + len(entry.parts.get("fee").vi)


def test_missing_part_says_so_with_gist_source_and_hotline():
    entry = next(e for e in ENTRIES.values() if e.parts.get("hours") is None)
    text = answers.missing_part_answer(entry, "hours", "en", "1900 1075")
    assert "no separate information on opening hours" in text
    assert entry.source_url in text and "1900 1075" in text
    assert len(text) <= 600


def test_more_gives_what_the_short_answer_left_out():
    entry = ENTRIES["proc.citizen_id_card"]
    short, more = answers.short_answer(entry, "vi"), answers.more_answer(entry, "vi")
    assert answers.has_more(entry, "vi")
    assert "Chụp ảnh, lấy vân tay, mống mắt" in more and "Chụp ảnh, lấy vân tay, mống mắt" not in short
    assert entry.source_url in more
