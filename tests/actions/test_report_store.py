"""Report storage in actions/store.py against SQLite and the real PostgreSQL: exactly once,
verbatim text, history and followers, lookups, status changes, duplicates nearby, listing."""
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from actions.models import Report
from actions.store import InvalidTransition, NewReport, Store, UnknownReport


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


def test_status_moves_forward_records_history_and_returns_followers(database_url):
    store = Store(database_url)
    report, _ = store.submit_report(new_report(key="s-1"))
    assert store.add_follower(report.id, "tg-42", "telegram", "en")
    changed = store.change_status(report.code.lower(), "in_progress", "Đã giao đội điện chiếu sáng")
    assert changed.report.status == "in_progress"
    assert changed.report.history[-1][:2] == ("in_progress", "Đã giao đội điện chiếu sáng")
    assert [(f.sender_id, f.channel, f.language) for f in changed.followers] == [
        ("zalo-user-1", "zalo", "vi"), ("tg-42", "telegram", "en")]
    closed = store.change_status(report.id, "resolved", "Đã thay bóng đèn")
    assert [h[0] for h in closed.report.history] == ["received", "in_progress", "resolved"]
    assert store.report_by_code(report.code).status == "resolved"
    store.close()


@pytest.mark.parametrize("path, refused", [
    ((), "received"),                       # no-op change
    (("resolved",), "in_progress"),         # closed is final
    (("rejected",), "resolved"),
    (("in_progress",), "received"),         # no going back
    ((), "done"),                           # not a status
])
def test_invalid_transitions_change_nothing(database_url, path, refused):
    store = Store(database_url)
    report, _ = store.submit_report(new_report(key="s-2"))
    for status in path:
        store.change_status(report.code, status)
    with pytest.raises(InvalidTransition):
        store.change_status(report.code, refused, "note")
    after = store.report_by_code(report.code)
    assert [h[0] for h in after.history] == ["received", *path]
    store.close()


def test_status_change_of_an_unknown_report(database_url):
    store = Store(database_url)
    with pytest.raises(UnknownReport):
        store.change_status("HUE-2026-999999", "resolved")
    with pytest.raises(UnknownReport):
        store.change_status(12345, "resolved")
    store.close()


def test_concurrent_changes_apply_once(database_url):
    store = Store(database_url)
    report, _ = store.submit_report(new_report(key="s-3"))

    def close(status):
        try:
            return store.change_status(report.code, status)
        except InvalidTransition:
            return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(close, ["resolved", "rejected"] * 4))
    assert sum(r is not None for r in results) == 1
    assert len(store.report_by_code(report.code).history) == 2
    store.close()


def test_followers_are_added_once(database_url):
    store = Store(database_url)
    report, _ = store.submit_report(new_report(key="f-1"))
    assert not store.add_follower(report.id, "zalo-user-1", "zalo", "vi")  # the reporter already follows
    assert store.add_follower(report.id, "web-7", "rest", "en")
    assert not store.add_follower(report.id, "web-7", "rest", "en")
    followers = store.change_status(report.code, "in_progress").followers
    assert sorted(f.sender_id for f in followers) == ["web-7", "zalo-user-1"]
    store.close()


def test_open_reports_near_a_point(database_url):
    store = Store(database_url)
    here = (16.4637, 107.5909)
    near, _ = store.submit_report(new_report(key="n-1", latitude=16.4646, longitude=107.5909))  # ~100 m N
    nearer, _ = store.submit_report(new_report(key="n-2", latitude=16.4637, longitude=107.5914))  # ~53 m E
    store.submit_report(new_report(key="n-3", latitude=16.4637, longitude=107.5935))  # ~280 m E: too far
    store.submit_report(new_report(key="n-4", category="waste"))  # other category
    store.submit_report(new_report(key="n-5", latitude=None, longitude=None))  # no pin
    closed, _ = store.submit_report(new_report(key="n-6"))
    store.change_status(closed.code, "resolved")
    found = store.open_reports_near("street_lighting", *here)
    assert [n.report.code for n in found] == [nearer.code, near.code]
    assert 45 < found[0].distance_m < 60 and 90 < found[1].distance_m < 110
    assert [n.report.code for n in store.open_reports_near("street_lighting", *here, radius_m=300)][-1] != closed.code
    assert len(store.open_reports_near("street_lighting", *here, radius_m=300)) == 3
    store.change_status(nearer.code, "in_progress")  # in progress is still open
    assert len(store.open_reports_near("street_lighting", *here)) == 2
    store.close()


def test_list_reports_filters(database_url):
    import datetime as dt

    store = Store(database_url)
    light, _ = store.submit_report(new_report(key="l-1"))
    waste, _ = store.submit_report(new_report(key="l-2", category="waste"))
    tree, _ = store.submit_report(new_report(key="l-3", category="trees"))
    store.change_status(tree.code, "rejected", "trùng phản ánh")
    assert [r.code for r in store.list_reports()] == [tree.code, waste.code, light.code]
    assert [r.code for r in store.list_reports(categories=["waste", "trees"])] == [tree.code, waste.code]
    assert [r.code for r in store.list_reports(statuses=["received", "in_progress"])] == [waste.code, light.code]
    assert [r.code for r in store.list_reports(codes=[light.code.lower(), "HUE-2026-999999"])] == [light.code]
    assert len(store.list_reports(limit=2)) == 2
    now = dt.datetime.now(dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    assert len(store.list_reports(start=now - hour, end=now + hour)) == 3
    assert store.list_reports(start=now + hour) == []
    assert store.list_reports(end=now - hour) == []
    # The same instant written in Vietnam time selects the same reports.
    vn = dt.timezone(dt.timedelta(hours=7))
    assert len(store.list_reports(start=(now - hour).astimezone(vn))) == 3
    store.close()
