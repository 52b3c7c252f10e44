"""bot/session_length.py: a session ends after N user turns, only when no form or other loop is active."""
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.session_length import install, session_is_full, turns_in_session


def conversation(turns: int, before: int = 0, loop: str = None) -> DialogueStateTracker:
    """`before` turns in an earlier session, then a new session with `turns` question-answer turns."""
    events = []
    for session, count in ((0, before), (1, turns)):
        if session == 0 and not before:
            continue
        events += [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("language", "vi"),
                   ActionExecuted("action_listen")]
        for turn in range(count):
            events += [UserUttered(f"câu hỏi {session}-{turn}", {"name": "ask_procedure"}),
                       ActionExecuted("action_answer_from_knowledge"), ActionExecuted("action_listen")]
    if loop:
        events += [UserUttered("báo hỏng đèn", {"name": "report_incident"}), ActionExecuted(loop), ActiveLoop(loop),
                   ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("s", events)


def test_turns_are_counted_from_the_latest_session_start():
    assert turns_in_session(conversation(0)) == 0
    assert turns_in_session(conversation(7)) == 7
    assert turns_in_session(conversation(3, before=30)) == 3


def test_a_session_is_full_at_the_limit_and_not_before():
    assert not session_is_full(conversation(19), 20)
    assert session_is_full(conversation(20), 20)
    assert not session_is_full(conversation(19, before=40), 20)  # earlier sessions do not count
    assert not session_is_full(conversation(500), 0)  # 0: only the idle time ends a session


def test_a_session_with_an_open_form_goes_on():
    tracker = conversation(25, loop="incident_report_form")
    assert turns_in_session(tracker) == 26
    assert not session_is_full(tracker, 20)


def test_a_new_session_carries_each_slot_once_with_its_last_value():
    from rasa.core.actions.action import ActionSessionStart

    install()
    tracker = conversation(3)
    for topic in ("proc.passport", "tour.imperial_city", "proc.passport"):
        tracker.update(SlotSet("knowledge_topic", topic))
    tracker.update(SlotSet("language", "en"))
    carried = ActionSessionStart._slot_set_events_from_tracker(tracker)
    assert [(e.key, e.value) for e in carried] == [("knowledge_topic", "proc.passport"), ("language", "en")]
