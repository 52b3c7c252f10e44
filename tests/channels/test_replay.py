"""Replay protection that survives a restart, and Zalo's freshness window: the real channels (built
the way Rasa builds them, from the environment) served by Sanic, the real client libraries' payloads
from the fake platforms. Ids are kept in SQLite under var/ or, with REDIS_URL, in the real Redis."""
import asyncio
import random
import time
from contextlib import asynccontextmanager

import pytest
from sanic import Sanic

from channels.telegram import TelegramInput
from channels.zalo import ZaloInput, event_is_fresh
from tests.actions.conftest import new_app, served
from tests.conftest import skip_or_fail
from tests.fakes.telegram import text_update

SECRET = "replay-test-secret"


@pytest.fixture(params=["sqlite", "redis"])
def seen_backend(request, monkeypatch, tmp_path):
    """The environment of a Rasa process: var/ in tmp_path, and REDIS_URL for the Redis case."""
    monkeypatch.setenv("HUE_VAR_DIR", str(tmp_path))
    if request.param == "sqlite":
        monkeypatch.setenv("REDIS_URL", "")
        yield request.param
        return
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {url}: {exc}")
    monkeypatch.setenv("REDIS_URL", url)
    yield request.param
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("hue:seen:*:replay-test-*"):
        client.delete(key)


@asynccontextmanager
async def running(channel):
    """The channel's webhook on a loopback port, as Rasa mounts it; yields (url, received texts)."""
    received = []

    async def on_new_message(message):
        received.append((message.sender_id, message.text))

    Sanic.test_mode = True  # Sanic 21.12 (Rasa's) rewrites its own methods once per process otherwise
    app: Sanic = new_app(channel.name())
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    async with served(app) as url:
        yield f"{url}/webhooks/{channel.name()}/webhook", received
        await channel.tasks.drain()


def telegram_env(monkeypatch, fake):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.url)


async def test_telegram_update_replayed_after_a_restart_is_not_processed(seen_backend, monkeypatch, telegram_api):
    telegram_env(monkeypatch, telegram_api)
    update_id = random.randrange(10**12, 10**13)
    update = text_update(730001, "xin chào", update_id=update_id)
    deliver = lambda url: asyncio.to_thread(telegram_api.deliver, url, update, SECRET)  # noqa: E731

    async with running(TelegramInput.from_credentials(None)) as (url, received):
        assert (await deliver(url)).status_code == 200
    assert received == [("telegram:730001", "xin chào")]

    # A new process (the restart): its memory is empty, the store is not.
    async with running(TelegramInput.from_credentials(None)) as (url, received):
        assert (await deliver(url)).status_code == 200  # acknowledged, so Telegram stops retrying
        fresh = text_update(730001, "cảm ơn", update_id=update_id + 1)
        assert (await asyncio.to_thread(telegram_api.deliver, url, fresh, SECRET)).status_code == 200
    assert received == [("telegram:730001", "cảm ơn")]


def zalo_env(monkeypatch, fake, max_age=None):
    for name, value in {"ZALO_APP_ID": fake.app_id, "ZALO_APP_SECRET": fake.app_secret,
                        "ZALO_OA_SECRET_KEY": fake.oa_secret_key, "ZALO_REFRESH_TOKEN": fake.refresh_token,
                        "ZALO_ACCESS_TOKEN": fake.access_token, "ZALO_API_BASE_URL": fake.url,
                        "ZALO_OAUTH_BASE_URL": fake.url}.items():
        monkeypatch.setenv(name, value)
    if max_age is not None:
        monkeypatch.setenv("ZALO_MAX_EVENT_AGE_S", str(max_age))


async def test_zalo_event_replayed_after_a_restart_is_not_processed(seen_backend, monkeypatch, zalo_api):
    zalo_env(monkeypatch, zalo_api)
    event = zalo_api.text_event("2468101214", "xin chào")
    event["message"]["msg_id"] = f"replay-test-{random.randrange(10**12)}"
    async with running(ZaloInput.from_credentials(None)) as (url, received):
        assert (await asyncio.to_thread(zalo_api.deliver, url, event)).status_code == 200
    assert received == [("zalo:2468101214", "xin chào")]
    async with running(ZaloInput.from_credentials(None)) as (url, received):
        assert (await asyncio.to_thread(zalo_api.deliver, url, event)).status_code == 200
    assert received == []


@pytest.mark.parametrize("age_s, accepted", [(0, True), (200, True), (400, False), (-400, False),
                                             (3 * 365 * 86400, False)])
async def test_signed_zalo_events_outside_the_freshness_window_are_refused(monkeypatch, tmp_path, zalo_api,
                                                                          age_s, accepted):
    monkeypatch.setenv("HUE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "")
    zalo_env(monkeypatch, zalo_api, max_age=300)
    event = zalo_api.text_event("2468101215", "xin chào")
    event["timestamp"] = str(int((time.time() - age_s) * 1000))
    async with running(ZaloInput.from_credentials(None)) as (url, received):
        response = await asyncio.to_thread(zalo_api.deliver, url, event)  # correctly signed
    assert (response.status_code, len(received)) == ((200, 1) if accepted else (400, 0))
    if not accepted:
        assert response.json()["error"] == "stale event"


def test_freshness_of_timestamps():
    now = 1_800_000_000.0
    assert event_is_fresh(str(int(now * 1000)), 300, now=now)
    assert not event_is_fresh("1700000000000", 300, now=now)  # 2023
    for odd in ("", None, "abc", "1e3", "9" * 5000):
        assert not event_is_fresh(odd, 300, now=now)
