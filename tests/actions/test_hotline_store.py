"""actions/hotline_store.py on SQLite and PostgreSQL: calls and their summaries, suggestion feedback,
the question log and the dashboard's aggregates."""
import datetime as dt

import pytest
from sqlalchemy import update

from actions.hotline_store import HotlineStore, UnknownCall
from actions.models import QuestionLog, Report, ReportStatusChange
from actions.store import NewReport, Store


@pytest.fixture
def records(database_url):
    store = Store(database_url)
    yield HotlineStore(store)
    store.close()


def file_report(store: Store, key: str, category: str) -> int:
    report, _ = store.submit_report(NewReport(key, "caller", category, "mô tả", channel="hotline"))
    return report.id


def test_a_call_from_start_to_summary(records):
    started = records.start_call("call-1", "an", "+84905123456")
    assert started.utterances == 0 and started.ended_at is None and started.phone == "+84*****3456"
    assert records.start_call("call-1", "someone-else", None).agent == "an"  # starting again: same call
    records.record_utterance("call-1", "proc.citizen_id_card")
    records.record_utterance("call-1", "proc.citizen_id_card")  # a topic counts once
    records.record_utterance("call-1", None)
    records.record_suggestion_feedback("call-1", "an", "proc.citizen_id_card", "helpful")
    records.record_suggestion_feedback("call-1", "an", "tour.imperial_city", "wrong")  # wrong is not used
    records.record_report("call-1", "HUE-2026-000001")
    summary = records.end_call("call-1", intents=["greet", "report_incident", "ask_procedure"])
    assert summary.utterances == 3
    assert summary.topics == ["proc.citizen_id_card", "intent:report_incident"]
    assert summary.entries_used == ["proc.citizen_id_card"]
    assert summary.report_codes == ["HUE-2026-000001"]
    assert summary.duration_s is not None and summary.duration_s >= 0
    assert records.end_call("call-1", intents=["check_report_status"]) == summary  # ended once
    assert records.call_summary("call-1") == summary


def test_unknown_calls_and_verdicts_are_refused(records):
    with pytest.raises(UnknownCall):
        records.record_utterance("nope", "x")
    with pytest.raises(UnknownCall):
        records.end_call("nope")
    records.start_call("call-2", "an", None)
    with pytest.raises(ValueError):
        records.record_suggestion_feedback("call-2", "an", "proc.x", "great")
    assert records.call_summary("nope") is None


def test_dashboard_aggregates(records):
    store = records.store
    records.log_question("telegram", "vi", "proc.a", True, 0.9)
    records.log_question("telegram", "vi", None, False, 0.2)
    records.log_question("hotline", "vi", "proc.a", True, 0.8)
    store.record_feedback("u1", "zalo", "proc.a", "vi", True)
    store.record_feedback("u2", "zalo", "proc.a", "vi", False)
    store.record_feedback("u3", "telegram", "proc.a", "vi", True)
    records.start_call("call-3", "an", None)
    records.record_suggestion_feedback("call-3", "an", "proc.a", "used")
    records.record_suggestion_feedback("call-3", "an", "proc.b", "wrong")
    records.record_suggestion_feedback("call-3", "an", "proc.b", "wrong")
    records.end_call("call-3")
    resolved_in = {}
    for key, category, hours in (("r1", "waste", 5), ("r2", "waste", 11), ("r3", "trees", None)):
        report_id = file_report(store, key, category)
        if hours is not None:
            with store.session() as session, session.begin():
                created = session.get(Report, report_id).created_at
                session.execute(update(Report).where(Report.id == report_id).values(status="resolved"))
                session.add(ReportStatusChange(report_id=report_id, status="resolved",
                                               created_at=created + dt.timedelta(hours=hours)))
            resolved_in[key] = hours
    live = records.dashboard(days=7)
    assert sum(live["questions"]["answered"]) == 2 and sum(live["questions"]["declined"]) == 1
    assert live["questions"]["answered"][-1] == 2
    assert live["questions_by_channel"] == {"hotline": {"answered": 1, "declined": 0},
                                            "telegram": {"answered": 1, "declined": 1}}
    assert live["satisfaction"] == {"telegram": {"helpful": 1, "not_helpful": 0},
                                    "zalo": {"helpful": 1, "not_helpful": 1}}
    assert live["suggestions"]["totals"] == {"used": 1, "helpful": 0, "wrong": 2}
    assert live["suggestions"]["most_wrong"] == [{"entry_id": "proc.b", "wrong": 2}]
    assert live["reports"]["by_category"] == {"trees": {"received": 1}, "waste": {"resolved": 2}}
    assert live["reports"]["by_status"] == {"received": 1, "resolved": 2}
    assert live["resolve"] == {"resolved": 2, "median_hours": 8.0}
    assert live["calls"]["count"] == 1 and live["calls"]["ended"] == 1


def test_questions_are_counted_per_local_day(records):
    utc = dt.timezone.utc
    with records.store.session() as session, session.begin():
        for moment, answered in ((dt.datetime(2026, 1, 9, 16, 30, tzinfo=utc), True),    # 23:30 on the 9th
                                 (dt.datetime(2026, 1, 9, 17, 30, tzinfo=utc), True),    # 00:30 on the 10th
                                 (dt.datetime(2026, 1, 10, 3, 0, tzinfo=utc), False),
                                 (dt.datetime(2026, 1, 1, 3, 0, tzinfo=utc), True)):     # before the window
            session.add(QuestionLog(created_at=moment, channel="rest", language="vi", entry_id=None,
                                    answered=answered, confidence=0.5))
    figures = records.dashboard(days=2, now=dt.datetime(2026, 1, 10, 12, 0, tzinfo=utc))
    assert figures["days"] == ["2026-01-09", "2026-01-10"]
    assert figures["questions"] == {"answered": [1, 1], "declined": [0, 1]}
    assert figures["questions_by_channel"] == {"rest": {"answered": 2, "declined": 1}}


def test_an_empty_dashboard(records):
    figures = records.dashboard(days=3)
    assert figures["questions"] == {"answered": [0, 0, 0], "declined": [0, 0, 0]}
    assert figures["resolve"] == {"resolved": 0, "median_hours": None}
    assert figures["calls"] == {"count": 0, "ended": 0, "median_duration_s": None}
