"""actions/store.py with input clients can send: NUL characters, sender ids and keys longer than
their columns, numbers that are no report id. On SQLite and on PostgreSQL (a fresh database each),
where before a NUL or a 129-character sender id was a 500 (PostgreSQL refuses both)."""
import pytest

from actions.hotline_store import HotlineStore
from actions.models import Report
from actions.store import InvalidInput, NewReport, UnknownReport

# The widest sender id the store keeps (a 128-character client id plus its channel prefix).
SENDER_MAX = Report.__table__.c.sender_id.type.length


def report(key="k1", sender="user-1", **fields):
    values = dict(idempotency_key=key, sender_id=sender, category="waste", description="Rác ùn ứ",
                  channel="rest", language="vi")
    values.update(fields)
    return NewReport(**values)


def test_nul_characters_are_dropped_from_every_field_written(store):
    stored, created = store.submit_report(report(
        key="k\x00nul", sender="user\x00-2", description="Rác\x00 ùn ứ", location_text="12\x00 Lê Lợi",
        photos=["https://example.org/a\x00.jpg"], phone="+84905\x00123456"))
    assert created
    again = store.report_by_code(stored.code)
    assert (again.sender_id, again.description, again.location_text) == ("user-2", "Rác ùn ứ", "12 Lê Lợi")
    assert again.phone == "+84905123456"
    # Lookups with a NUL find the same rows instead of failing.
    assert store.report_by_key("k\x00nul").code == stored.code
    assert [r.code for r in store.reports_of_sender("user-2\x00")] == [stored.code]
    assert store.report_by_code(stored.code + "\x00").code == stored.code
    changed = store.change_status(stored.code, "in_progress", "Đang\x00 xử lý")
    assert changed.report.history[-1][1] == "Đang xử lý"
    assert store.record_feedback("user\x00-2", "rest", "proc.cccd\x00", "vi", True) > 0
    assert store.feedback_by_entry() == {"proc.cccd": {"helpful": 1, "not_helpful": 0}}


def test_a_sender_id_longer_than_its_column_is_refused_and_nothing_is_written(store):
    long_sender = "s" * (SENDER_MAX + 1)
    with pytest.raises(InvalidInput, match="sender_id"):
        store.submit_report(report(sender=long_sender))
    assert store.report_by_key("k1") is None and store.list_reports() == []
    assert store.reports_of_sender(long_sender) == []  # a lookup is no error: there is no such sender
    stored, _ = store.submit_report(report(sender="s" * SENDER_MAX))  # the column's full width is fine
    with pytest.raises(InvalidInput):
        store.add_follower(stored.id, long_sender, "rest", "vi")
    with pytest.raises(InvalidInput):
        store.record_feedback(long_sender, "rest", "proc.cccd", "vi", True)
    assert store.feedback_by_entry() == {}


def test_long_idempotency_keys_stay_distinct_and_idempotent(store):
    """Keys over the 128-character column are stored as their hash: two keys that share a long prefix
    are two reports (before: a DataError on PostgreSQL, and callers that cut keys to 128 characters
    merged every report of a long sender id into the first)."""
    prefix = "rest:" + "x" * 130
    first, created_first = store.submit_report(report(key=prefix + ":message-1"))
    second, created_second = store.submit_report(report(key=prefix + ":message-2"))
    again, created_again = store.submit_report(report(key=prefix + ":message-1"))
    assert created_first and created_second and not created_again
    assert first.code != second.code and again.code == first.code


@pytest.mark.parametrize("code", ["9" * 40, "99999999999", "²", "0", "-1", "HUE-2026-\x00"])
def test_a_code_that_is_no_report_is_unknown_not_an_error(store, code):
    store.submit_report(report())
    with pytest.raises(UnknownReport):
        store.change_status(code, "in_progress")


def test_a_numeric_id_still_finds_its_report(store):
    stored, _ = store.submit_report(report())
    assert store.change_status(str(stored.id), "in_progress").report.code == stored.code


def test_hotline_records_with_nul_and_over_long_values(store):
    hotline = HotlineStore(store)
    hotline.start_call("call-\x00abc", "an\x00.nguyen", None)
    assert hotline.call_summary("call-abc").agent == "an.nguyen"  # as stored, read back
    with pytest.raises(InvalidInput, match="agent"):
        hotline.start_call("call-2", "a" * 65, None)


# --- the chat actions on top of it ------------------------------------------------------------------

async def test_feedback_from_a_sender_id_the_store_cannot_keep_is_still_thanked(installed_store, dispatcher):
    """Before: the action raised (PostgreSQL) and the user got no reply at all."""
    from actions.feedback import ActionStoreFeedback
    from tests.actions.conftest import make_tracker

    tracker = make_tracker("/feedback_helpful", intent="feedback_helpful", sender_id="s" * (SENDER_MAX + 1), channel="rest",
                           slots={"knowledge_topic": "svc.water_bill", "language": "en"})
    await ActionStoreFeedback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("Thank")
    assert installed_store.feedback_by_entry() == {}


def test_report_form_keys_keep_the_whole_sender_and_message_id():
    """Cut to 128 characters, a 127-character sender id left only the sender in the key, so every
    later report of that conversation was taken for the first one."""
    from rasa_sdk import Tracker

    from actions.report_form import idempotency_key

    def tracker(message_id):
        return Tracker("s" * 127, {}, {"text": "ok", "message_id": message_id}, [], False, None, {}, "action_listen")

    first, second = idempotency_key(tracker("m-1")), idempotency_key(tracker("m-2"))
    assert first != second and first.endswith(":m-1")


def test_an_old_row_with_an_over_long_value_can_still_be_updated(tmp_path):
    """SQLite kept over-long values before the check; updating another field of such a row is fine."""
    from sqlalchemy import text

    from actions.store import Store

    store = Store(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        hotline = HotlineStore(store)
        hotline.start_call("call-old", "an", None)
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE hotline_calls SET agent = :agent"), {"agent": "a" * 70})
        assert hotline.record_utterance("call-old", "proc.cccd").utterances == 1
    finally:
        store.close()
