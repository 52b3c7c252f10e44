"""knowledge/followup.py on the real engine: a follow-up stays on the remembered entry, a message
naming a new topic switches. The held-out list was written before the follow-up code and data and is
never tuned on; its floors sit a little under the scores measured when the thresholds were fixed
(2026-12-01: topic 0.9483, stays 1.0, switches 0.75, n=58)."""
from pathlib import Path

import pytest

from knowledge.followup import resolve
from knowledge.followup_eval import load, score

DATA = Path(__file__).resolve().parents[1] / "data"


def test_held_out_follow_ups_are_answered_about_the_right_topic(engine):
    result = score(engine, load(DATA / "followups_heldout.jsonl"))
    assert result["n"] >= 50
    assert result["topic"] >= 0.90       # the issue asks ≥ 0.85 of follow-ups on the right topic
    assert result["stays"] >= 0.95
    assert result["switches"] >= 0.70


def test_dev_and_held_out_lists_do_not_share_questions():
    dev = {row["q"].lower() for row in load(DATA / "followups_dev.jsonl")}
    held_out = {row["q"].lower() for row in load(DATA / "followups_heldout.jsonl")}
    assert not dev & held_out


@pytest.mark.parametrize("question, language, topic, expected, aspect, switched", [
    ("bao lâu thì có?", "vi", "proc.land_certificate", "proc.land_certificate", "duration", False),
    ("can I pay by card", "en", "tour.imperial_city", "tour.imperial_city", "fee", False),
    ("lam can cuoc o dau", "vi", "svc.waste_collection", "proc.citizen_id_card", "where", True),
    ("can mang theo gi", "vi", "proc.marital_status_certificate", "proc.marital_status_certificate", "documents",
     False),
    ("how long does it take to get", "en", "tour.visa", "tour.visa", "duration", False),
    ("con tien dien thi sao", "vi", "svc.water_bill", "svc.electricity_bill", None, True),
    ("thế còn lăng Khải Định", "vi", "tour.thien_mu_pagoda", "tour.tomb_khai_dinh", None, True),
    ("Xem thêm", "vi", "tour.airport_transfer", "tour.airport_transfer", "more", False),
])
def test_resolve(engine, question, language, topic, expected, aspect, switched):
    found = resolve(engine, question, language, topic)
    assert (found.entry_id, found.aspect, found.switched) == (expected, aspect, switched)
    assert found.follow_up == (not switched) and 0 < found.confidence <= 1


def test_without_a_remembered_topic_an_aspect_alone_asks_which_topic(engine):
    found = resolve(engine, "bao lâu thì có?", "vi", None)
    assert not found.follow_up and found.aspect == "duration"
    assert found.entry_id is None and found.needs_topic   # never a guessed entry
    assert resolve(engine, "does it cost anything?", "en", None).needs_topic


def test_without_a_remembered_topic_a_named_topic_is_a_plain_search(engine):
    found = resolve(engine, "lệ phí làm hộ chiếu bao nhiêu", "vi", None)
    assert (found.entry_id, found.aspect, found.needs_topic) == ("proc.passport", "fee", False)


def test_thanks_before_a_new_question_is_not_part_of_it():
    from knowledge.followup import strip_courtesy
    assert strip_courtesy("thanks. whats the weather like in november") == "whats the weather like in november"
    assert strip_courtesy("cảm ơn. cho hỏi đăng ký xe máy ở đâu") == "cho hỏi đăng ký xe máy ở đâu"
    assert strip_courtesy("ok") == "ok" and strip_courtesy("okay, thanks") == "okay, thanks"


@pytest.mark.parametrize("text, aspect", [
    ("phí hết nhiêu tiền", "fee"), ("hw much is it", "fee"), ("cn co mo ko", "hours"), ("t7 lam viec k", "hours"),
    ("when will it be ready", "duration"), ("lien he ai", "contact"),
])
def test_chat_spellings_name_the_aspect(text, aspect):
    from knowledge.aspects import detect_aspect
    assert detect_aspect(text) == aspect


@pytest.mark.parametrize("text, language", [
    ("phí hết nhiêu tiền", "vi"), ("lien he ai", "vi"), ("tra qua app dc ko", "vi"), ("mat may ngay", "vi"),
    ("where is the office", "en"), ("who do i call if there's a problem with it", "en"),
])
def test_follow_up_words_name_no_topic(text, language):
    from knowledge.aspects import refers_back, topic_words
    assert not topic_words(text, language) or refers_back(text)
