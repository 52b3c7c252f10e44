"""The reply-language heuristic the conversation checks use (tests/conversations/langid.py)."""
from pathlib import Path

import pytest
import yaml

from tests.conversations.langid import language_of, languages_of_lines

ROOT = Path(__file__).resolve().parents[2]


def knowledge_texts():
    for path in sorted((ROOT / "knowledge" / "sources").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            for lang in ("vi", "en"):
                part = entry[lang]
                # what the bot sends: the title above the answer
                yield entry["id"], lang, part["title"] + "\n" + part["answer"]


def domain_texts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        if name == "utter_unsupported_language":  # one line in the user's own language, then English
            continue
        for variant in variants:
            conditions = {c.get("name"): c.get("value") for c in variant.get("condition") or []}
            # Before the conversation has shown its language, the weaker `language_hint` picks it.
            lang = conditions.get("language") or conditions.get("language_hint") or "vi"
            if variant.get("text"):
                yield name, lang, variant["text"]


@pytest.mark.parametrize("entry_id,lang,text", list(knowledge_texts()))
def test_every_knowledge_answer_is_read_in_its_language(entry_id, lang, text):
    assert language_of(text) == lang


@pytest.mark.parametrize("name,lang,text", list(domain_texts()))
def test_every_domain_response_is_read_in_its_language(name, lang, text):
    assert language_of(text) == lang


@pytest.mark.parametrize("text,lang", [
    ("Xin lỗi, tôi chưa hiểu rõ. Bạn có thể nói cách khác được không?", "vi"),
    ("Gọi ngay 115 (cấp cứu).", "vi"),
    ("Call 115 now (ambulance).", "en"),
    ("Huế Imperial City (Đại Nội): open 7:00–17:30, tickets 200,000 VND.", "en"),
    ("Đã hủy phản ánh; không có gì được lưu.", "vi"),
    ("Report cancelled; nothing was stored.", "en"),
    ("Was this helpful?", "en"),
    ("Có hữu ích không?", "vi"),
    ("저는 베트남어와 영어만 할 수 있어요.", "ko"),
    ("我只会说越南语和英语。", "zh"),
    ("ベトナム語と英語で対応します。", "ja"),
    ("Je parle seulement vietnamien et anglais.", "fr"),
    ("I only speak Vietnamese and English.", "en"),
    ("Thanks for the feedback!", "en"),
    ("Cảm ơn bạn!", "vi"),
])
def test_short_replies(text, lang):
    assert language_of(text) == lang


@pytest.mark.parametrize("text", ["👍", "?", "...", "HUE-2026-000123", "ok", "1900 1075", "https://hue.gov.vn", ""])
def test_texts_that_tell_no_language(text):
    assert language_of(text) is None


def test_two_languages_in_one_message_are_seen_line_by_line():
    message = "Je parle seulement vietnamien et anglais.\nI speak Vietnamese and English. How can I help?"
    assert languages_of_lines([message]) == ["fr", "en"]
