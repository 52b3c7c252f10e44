"""channels/hotline_assist.py: the suggested next step and the per-call event feed; the hash-password
command of channels/hotline.py."""
import io
import sys

from channels.hotline import main
from channels.hotline_assist import CallFeed, next_step
from channels.hotline_auth import verify_password


def test_a_reported_problem_becomes_a_prefilled_report():
    step = next_step("Đèn đường hỏng ở Lê Lợi, tối om", "report_incident", answered=False)
    assert step == {"action": "file_report", "category": "street_lighting", "place": "Lê Lợi",
                    "description": "Đèn đường hỏng ở Lê Lợi, tối om"}


def test_a_problem_without_the_report_intent_still_suggests_a_report_when_unanswered():
    step = next_step("có ổ gà to trên đường Hùng Vương", "inform", answered=False)
    assert (step["action"], step["category"], step["place"]) == ("file_report", "road_damage", "đường Hùng Vương")


def test_the_report_intent_without_a_category_files_as_other():
    step = next_step("tôi muốn phản ánh một việc", "report_incident", answered=False)
    assert (step["action"], step["category"], step["place"]) == ("file_report", "other", None)


def test_an_answered_question_naming_a_category_stays_a_question():
    assert next_step("lịch thu gom rác ở phường Phú Hội", "ask_city_service", answered=True,
                     top_entry="svc.waste_collection") == {"action": "read_answer",
                                                           "entry_id": "svc.waste_collection"}


def test_status_questions_and_unclear_ones():
    assert next_step("phản ánh HUE-2026-000123 sao rồi", "check_report_status", answered=False) == \
        {"action": "check_status", "code": "HUE-2026-000123"}
    assert next_step("alo alo", "greet", answered=False) == {"action": "clarify"}


def test_call_feed_numbers_events_and_returns_the_new_ones():
    feed = CallFeed()
    first = feed.add("c1", {"text": "a", "intent": {"name": "ask_procedure"}})
    feed.add("c2", {"text": "other call", "intent": {"name": "greet"}})
    second = feed.add("c1", {"text": "b", "intent": {"name": "report_incident"}})
    third = feed.add("c1", {"text": "c", "intent": {"name": "ask_procedure"}})
    assert [e["text"] for e in feed.since("c1")] == ["a", "b", "c"]
    assert feed.since("c1", after=second["seq"]) == [third]
    assert first["seq"] < second["seq"] < third["seq"]
    assert feed.intents("c1") == ["ask_procedure", "report_incident"]
    feed.forget("c1")
    assert feed.since("c1") == [] and len(feed.since("c2")) == 1


def test_call_feed_is_bounded():
    feed = CallFeed(per_call=2, max_calls=2)
    for n in range(3):
        feed.add("c1", {"n": n})
    assert [e["n"] for e in feed.since("c1")] == [1, 2]
    feed.add("c2", {"n": 0})
    feed.add("c3", {"n": 0})
    assert feed.since("c1") == []  # the oldest call was dropped


def test_hash_password_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-dai\n"))
    assert main(["hash-password"]) == 0
    assert verify_password("mat-khau-dai", capsys.readouterr().out.strip())
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["hash-password"]) == 1
    assert main(["something-else"]) == 2
