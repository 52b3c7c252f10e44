"""actions/staff.py: the staff status endpoint served for real on a loopback port, with a stand-in for
Rasa's HTTP API (its trigger_intent route) on another port, and the store on SQLite and PostgreSQL."""
import logging

import httpx
import pytest
from sanic.response import json as json_response

from actions import services
from actions.server import mount_back_office
from actions.staff import NOTIFY_INTENT
from actions.store import NewReport
from bot.launcher import free_port
from bot.settings import Settings
from tests.actions.conftest import new_app, served

STAFF_KEY = "staff-key-1"
RASA_TOKEN = "rasa-secret-token"
BEARER = {"Authorization": f"Bearer {STAFF_KEY}"}


KNOWN = {"tg-100200300": "telegram", "+84905123456": "hotline"}


class FakeRasa:
    """Rasa's POST /conversations/{id}/trigger_intent: records calls; some conversations fail. As the
    real one does, it sends through a push channel (Telegram, Zalo) the conversation last used and
    then returns no "messages"; for a conversation it does not know (a tracker lost in a restart) or
    one without a push channel it collects the reply and returns it as "messages"."""

    def __init__(self, failing=(), known=None):
        self.calls = []
        self.failing = set(failing)
        self.known = dict(KNOWN if known is None else known)
        self.app = new_app("fake_rasa")
        self.app.add_route(self.trigger, "/conversations/<sender:path>/trigger_intent", methods=["POST"])

    async def trigger(self, request, sender):
        self.calls.append((sender, dict(request.args), request.json))
        if sender in self.failing:
            return json_response({"status": "failure"}, status=500)
        channel = self.known.get(sender)
        tracker = {"sender_id": sender, "latest_input_channel": channel}
        if channel in ("telegram", "zalo"):
            return json_response({"tracker": tracker})
        return json_response({"tracker": tracker, "messages": [{"recipient_id": sender, "text": "…"}]})


def report_with_followers(store):
    report, _ = store.submit_report(NewReport(
        idempotency_key="k1", sender_id="+84905123456", channel="hotline", language="vi",
        category="trees", description="Cây đổ chắn đường", phone="+84905123456"))
    store.add_follower(report.id, "tg-100200300", "telegram", "en")
    store.add_follower(report.id, "open311:crm", "open311", "vi")  # a system, not a conversation
    return report


async def start_back_office(store, rasa_url, staff_keys=(STAFF_KEY,)):
    settings = Settings(staff_api_keys=staff_keys, rasa_url=rasa_url, rasa_auth_token=RASA_TOKEN)
    services.install(services.Services(settings=settings, store=store))
    app = new_app("staff")
    mount_back_office(app)
    return app


async def test_status_change_is_recorded_and_every_chat_follower_told(store):
    report = report_with_followers(store)
    rasa = FakeRasa()
    async with served(rasa.app) as rasa_url:
        app = await start_back_office(store, rasa_url)
        async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
            response = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                         json={"status": "in_progress", "note": "Đội cây xanh đang đến"})
    services.install(None)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "in_progress" and body["open311_status"] == "open"
    assert body["followers"] == [
        {"follower": "***3456", "channel": "hotline", "notified": True, "will_retry": False},
        {"follower": "***0300", "channel": "telegram", "notified": True, "will_retry": False}]
    assert store.notification_counts() == {"delivered": 2, "pending": 0, "given_up": 0}
    assert sorted(c[0] for c in rasa.calls) == ["+84905123456", "tg-100200300"]  # never the Open311 one
    for _, args, payload in rasa.calls:
        assert args == {"output_channel": ["latest"], "token": [RASA_TOKEN]}
        assert payload == {"name": NOTIFY_INTENT, "entities": {"report_code": report.code}}
    after = store.report_by_code(report.code)
    assert after.status == "in_progress" and after.history[-1][1] == "Đội cây xanh đang đến"
    assert "0905123456" not in response.text


async def test_a_push_notice_rasa_only_collected_is_not_delivered_but_retried(store):
    """Rasa restarted without its trackers answers 200 but has no Telegram conversation to send on:
    the notice stays pending (before, it was marked delivered and the user got nothing)."""
    report = report_with_followers(store)
    rasa = FakeRasa(known={})
    async with served(rasa.app) as rasa_url:
        app = await start_back_office(store, rasa_url)
        async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
            response = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                         json={"status": "in_progress"})
    services.install(None)
    assert response.status_code == 200, response.text
    assert response.json()["followers"] == [
        {"follower": "***3456", "channel": "hotline", "notified": True, "will_retry": False},
        {"follower": "***0300", "channel": "telegram", "notified": False, "will_retry": True}]
    assert store.notification_counts() == {"delivered": 1, "pending": 1, "given_up": 0}


def test_retry_schedule_scales_with_the_configured_first_delay():
    from actions.store import retry_delay_s

    assert [retry_delay_s(n) for n in (1, 2, 3)] == [30, 60, 120] and retry_delay_s(20) == 3600
    assert [retry_delay_s(n, 3) for n in (1, 2, 3)] == [3, 6, 12] and retry_delay_s(20, 3) == 360


async def test_unreachable_followers_do_not_undo_the_change(store, caplog):
    report = report_with_followers(store)
    rasa = FakeRasa(failing={"tg-100200300"})
    caplog.set_level(logging.INFO)
    async with served(rasa.app) as rasa_url:
        app = await start_back_office(store, rasa_url)
        async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
            partly = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                       json={"status": "in_progress"})
    # Rasa down altogether: nothing listens on the port any more.
    app = await start_back_office(store, f"http://127.0.0.1:{free_port()}")
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        down = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                 json={"status": "resolved", "note": "Đã dọn cây"})
    services.install(None)
    assert [f["notified"] for f in partly.json()["followers"]] == [True, False]
    assert [f["will_retry"] for f in partly.json()["followers"]] == [False, True]
    assert down.status_code == 200 and [f["notified"] for f in down.json()["followers"]] == [False, False]
    assert store.notification_counts() == {"delivered": 1, "pending": 3, "given_up": 0}
    assert [h[0] for h in store.report_by_code(report.code).history] == ["received", "in_progress", "resolved"]
    assert "not notified" in caplog.text
    for secret in (RASA_TOKEN, "0905123456", "100200300"):
        assert secret not in caplog.text


async def test_notices_rasa_did_not_take_are_retried_until_delivered_and_only_once(store):
    import datetime as dt

    from actions.staff import retry_due_notifications
    from actions.store import MAX_ATTEMPTS

    report = report_with_followers(store)
    changed = store.change_status(report.code, "in_progress", "Đang xử lý")  # as the endpoint does
    settings = Settings(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_auth_token=RASA_TOKEN)
    services.install(services.Services(settings=settings, store=store))
    now = dt.datetime.now(dt.timezone.utc)
    later = lambda s: now + dt.timedelta(seconds=s)  # noqa: E731 - the clock the test moves
    try:
        # The endpoint's own attempt holds the fresh notices: the loop leaves them alone meanwhile.
        assert len(changed.notifications) == 2 and store.due_notifications(now) == []
        # Rasa down: both due after the lease, both fail, both wait longer.
        assert await retry_due_notifications(settings, store, later(200)) == 0
        assert store.due_notifications(later(200)) == [] and len(store.due_notifications(later(240))) == 2
        # Rasa back, one conversation still failing: one delivered, the other waits (60 s now).
        rasa = FakeRasa(failing={"tg-100200300"})
        async with served(rasa.app) as rasa_url:
            settings = Settings(rasa_url=rasa_url, rasa_auth_token=RASA_TOKEN)
            assert await retry_due_notifications(settings, store, later(240)) == 1
            assert await retry_due_notifications(settings, store, later(250)) == 0  # nothing due yet
            rasa.failing.clear()
            assert await retry_due_notifications(settings, store, later(400)) == 1
            assert await retry_due_notifications(settings, store, later(99999)) == 0  # none sent twice
        assert sorted(c[0] for c in rasa.calls) == ["+84905123456", "tg-100200300", "tg-100200300"]
        assert {c[2]["entities"]["report_code"] for c in rasa.calls} == {report.code}
        assert store.notification_counts() == {"delivered": 2, "pending": 0, "given_up": 0}
        # A follower that never answers is given up after MAX_ATTEMPTS, not retried for ever.
        store.change_status(report.code, "resolved")
        moment = later(100000)
        for attempt in range(MAX_ATTEMPTS + 2):
            await retry_due_notifications(Settings(rasa_url=f"http://127.0.0.1:{free_port()}"), store, moment)
            moment += dt.timedelta(hours=2)
        assert store.notification_counts() == {"delivered": 2, "pending": 0, "given_up": 2}
    finally:
        services.install(None)


def test_a_notice_is_claimed_by_one_retrier_only(store):
    import datetime as dt

    report = report_with_followers(store)
    changed = store.change_status(report.code, "in_progress")
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    notice = changed.notifications[0]
    assert store.claim_notification(notice.id, moment) is True
    assert store.claim_notification(notice.id, moment) is False   # a second process finds it taken
    store.record_delivery(notice.id, True, now=moment)
    store.record_delivery(notice.id, False, "late duplicate", now=moment)  # ignored once delivered
    assert store.claim_notification(notice.id, moment + dt.timedelta(days=1)) is False
    assert store.notification_counts()["delivered"] == 1


def test_open311_followers_get_no_notice_row(store):
    from actions.open311 import CHANNEL
    from actions.store import SYSTEM_CHANNELS

    assert CHANNEL in SYSTEM_CHANNELS
    report = report_with_followers(store)
    changed = store.change_status(report.code, "in_progress")
    assert len(changed.followers) == 3
    assert [n.channel for n in changed.notifications] == ["hotline", "telegram"]


@pytest.mark.parametrize("headers, words", [
    ({}, "missing or invalid"),
    ({"Authorization": "Bearer wrong"}, "missing or invalid"),
    ({"Authorization": STAFF_KEY}, "missing or invalid"),  # no scheme
    ({"Authorization": f"Basic {STAFF_KEY}"}, "missing or invalid"),
])
async def test_without_a_staff_key_nothing_changes(store, headers, words):
    report = report_with_followers(store)
    app = await start_back_office(store, "http://127.0.0.1:9")
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.post(f"/staff/reports/{report.code}/status", headers=headers,
                                     json={"status": "resolved"})
    services.install(None)
    assert response.status_code == 401 and words in response.json()[0]["description"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert store.report_by_code(report.code).status == "received"


async def test_no_staff_keys_configured(store):
    report = report_with_followers(store)
    app = await start_back_office(store, "http://127.0.0.1:9", staff_keys=())
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                     json={"status": "resolved"})
    services.install(None)
    assert response.status_code == 401 and "not configured" in response.json()[0]["description"]


@pytest.mark.parametrize("body, code, words", [
    ({"status": "done"}, 400, "status must be"),
    ({"status": "received"}, 400, "status must be"),
    ({"note": "no status"}, 400, "status must be"),
    ({"status": "resolved", "note": 42}, 400, "note must be text"),
    ({"status": "resolved", "note": "x" * 2001}, 400, "longer than"),
    ("not json", 400, "JSON object"),
    ([1, 2], 400, "JSON object"),
])
async def test_bad_bodies_are_400(store, body, code, words):
    report = report_with_followers(store)
    app = await start_back_office(store, "http://127.0.0.1:9")
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        if isinstance(body, str):
            response = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER, content=body)
        else:
            response = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER, json=body)
    services.install(None)
    assert response.status_code == code and words in response.json()[0]["description"], response.text
    assert store.report_by_code(report.code).status == "received"


async def test_refused_transition_and_unknown_report(store):
    report = report_with_followers(store)
    store.change_status(report.code, "rejected", "trùng")
    app = await start_back_office(store, "http://127.0.0.1:9")
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        refused = await client.post(f"/staff/reports/{report.code}/status", headers=BEARER,
                                    json={"status": "in_progress"})
        unknown = await client.post("/staff/reports/HUE-2026-999999/status", headers=BEARER,
                                    json={"status": "resolved"})
    services.install(None)
    assert refused.status_code == 400 and "rejected → in_progress" in refused.json()[0]["description"]
    assert unknown.status_code == 404 and "HUE-2026-999999" in unknown.json()[0]["description"]
    assert store.report_by_code(report.code).status == "rejected"
