"""Report storage in actions/store.py against SQLite and the real PostgreSQL: exactly once,
verbatim text, history and followers, lookups."""
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from actions.models import Report
from actions.store import NewReport, Store


def new_report(key="conv-1:msg-9", **overrides):
    values = dict(idempotency_key=key, sender_id="zalo-user-1", channel="zalo", language="vi",
                  category="street_lighting", description="Đèn đường hỏng 3 hôm nay",
                  location_text="12 Lê Lợi", latitude=16.4637, longitude=107.5909,
                  photos=["https://example.org/p.jpg"], phone="+84905123456")
    values.update(overrides)
    return NewReport(**values)


def count_reports(store):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Report))


def test_submit_stores_once_and_returns_a_code(database_url):
    store = Store(database_url)
    report, created = store.submit_report(new_report())
    assert created
    assert re.fullmatch(r"HUE-\d{4}-\d{6}", report.code)
    again, created_again = store.submit_report(new_report())
    assert not created_again and again.code == report.code
    assert count_reports(store) == 1
    assert report.history[0][0] == "received"
    assert report.photos == ["https://example.org/p.jpg"]
    store.close()


def test_concurrent_submits_of_one_key_make_one_row(database_url):
    store = Store(database_url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.submit_report(new_report(key="conv-7:msg-2")), range(16)))
    assert len({r.code for r, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert count_reports(store) == 1
    store.close()


def test_text_is_stored_verbatim_and_safely(database_url):
    store = Store(database_url)
    hostile = "Robert'); DROP TABLE reports;-- ổ gà 🚧 " + unicodedata.normalize("NFC", "Huế")
    report, _ = store.submit_report(new_report(key="k-sql", description=hostile))
    assert store.report_by_code(report.code).description == hostile
    assert count_reports(store) == 1
    store.close()


def test_lookups_by_code_and_sender(database_url):
    store = Store(database_url)
    first, _ = store.submit_report(new_report(key="a"))
    second, _ = store.submit_report(new_report(key="b", category="waste"))
    store.submit_report(new_report(key="c", sender_id="someone-else"))
    assert [r.code for r in store.reports_of_sender("zalo-user-1")] == [second.code, first.code]
    assert store.report_by_code(first.code.lower()).category == "street_lighting"
    assert store.report_by_code("HUE-2026-999999") is None
    store.close()
