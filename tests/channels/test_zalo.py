"""channels/zalo.py with zalo-sdk's real OA client talking to the fake Zalo OpenAPI and OAuth."""
import asyncio
import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.settings import ZaloSettings
from channels.token_store import OATokens, SqliteTokenStore
from channels.zalo import ZaloInput, ZaloOA, ZaloOutput, zalo_inbound, zalo_signature

USER = "2468101214"


def settings_for(fake, **overrides) -> ZaloSettings:
    values = dict(app_id=fake.app_id, app_secret=fake.app_secret, oa_secret_key=fake.oa_secret_key,
                  refresh_token=fake.refresh_token, access_token=fake.access_token,
                  api_base_url=fake.url, oauth_base_url=fake.url)
    values.update(overrides)
    return ZaloSettings(**values)


@pytest.fixture
def store(tmp_path):
    return SqliteTokenStore(tmp_path / "tokens.sqlite3")


# --- the webhook signature ---

def test_signature_follows_the_documented_formula():
    body = b'{"event_name":"user_send_text","timestamp":"1700000000000"}'
    expected = hashlib.sha256(b"3608" + body + b"1700000000000" + b"oa-key").hexdigest()
    assert zalo_signature("3608", body, "1700000000000", "oa-key") == "mac=" + expected


def test_signature_matches_what_the_fake_platform_signs(zalo_api):
    event = zalo_api.text_event(USER, "xin chào Huế")
    body = json.dumps(event, ensure_ascii=False).encode()
    assert zalo_signature(zalo_api.app_id, body, event["timestamp"], zalo_api.oa_secret_key) == \
        zalo_api.sign(body, event["timestamp"])
    # The OA secret key signs webhooks, not the app secret.
    assert zalo_signature(zalo_api.app_id, body, event["timestamp"], zalo_api.app_secret) != \
        zalo_api.sign(body, event["timestamp"])


# --- events → what Rasa receives ---

def test_text_event(zalo_api):
    [item] = zalo_inbound(zalo_api.text_event(USER, " đèn đường hỏng "))
    assert (item.sender_id, item.text, item.reply) == (USER, "đèn đường hỏng", None)
    assert item.key.startswith("msg-")


def test_location_event_becomes_the_share_location_text(zalo_api):
    [item] = zalo_inbound(zalo_api.location_event(USER, 16.4637, 107.5909))
    assert item.text == '/share_location{"latitude": 16.4637, "longitude": 107.5909}'


def test_image_event_becomes_share_photo_with_the_image_url(zalo_api):
    [item] = zalo_inbound(zalo_api.image_event(USER, "https://photo.zdn.vn/hole.jpg"))
    assert item.text == '/share_photo{"photo": "https://photo.zdn.vn/hole.jpg"}'


def test_several_images_are_several_photos_with_distinct_keys(zalo_api):
    event = zalo_api.image_event(USER, "https://p/1.jpg")
    event["message"]["attachments"].append({"type": "image", "payload": {"url": "https://p/2.jpg"}})
    items = zalo_inbound(event)
    assert [i.text for i in items] == ['/share_photo{"photo": "https://p/1.jpg"}',
                                       '/share_photo{"photo": "https://p/2.jpg"}']
    assert len({i.key for i in items}) == 2


def test_file_event_gets_a_polite_reply(zalo_api):
    [item] = zalo_inbound(zalo_api.event("user_send_file", USER, attachments=[
        {"type": "file", "payload": {"url": "https://f/a.pdf", "name": "a.pdf", "size": "100"}}]))
    assert item.text is None and item.reply.startswith("Xin lỗi")


def test_follow_is_a_greeting_and_unfollow_is_silent(zalo_api):
    [item] = zalo_inbound(zalo_api.follow_event(USER))
    assert (item.sender_id, item.text) == (USER, "xin chào")
    assert zalo_inbound({**zalo_api.follow_event(USER), "event_name": "unfollow"}) == []


@pytest.mark.parametrize("name", ["oa_send_text", "user_seen_message", "user_received_message", "anything_new"])
def test_other_events_are_ignored(zalo_api, name):
    assert zalo_inbound(zalo_api.event(name, USER, text="x")) == []


def test_bad_location_is_answered_not_sent(zalo_api):
    [item] = zalo_inbound(zalo_api.location_event(USER, 200, 0))
    assert item.text is None and item.reply


# --- sending, and the tokens ---

def test_sends_text_with_the_current_token(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api), store)
    assert oa.send(USER, "xin chào")
    assert zalo_api.texts(USER) == ["xin chào"] and oa.stats["sent"] == 1
    assert zalo_api.refreshes == 0


def test_invalid_token_is_refreshed_once_and_the_new_refresh_token_persisted(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api, access_token="stale"), store)
    assert oa.send(USER, "xin chào")
    assert zalo_api.refreshes == 1 and zalo_api.texts(USER) == ["xin chào"]
    saved = store.load(zalo_api.app_id)
    assert (saved.access_token, saved.refresh_token, saved.seed) == ("AT-1", "RT-1", "RT-0")
    assert saved.expires_at == pytest.approx(time.time() + 90000, abs=60)


def test_expired_token_error_216_is_refreshed(zalo_api, store):
    zalo_api.expired.add("AT-0")
    oa = ZaloOA(settings_for(zalo_api), store)
    assert oa.send(USER, "xin chào") and zalo_api.refreshes == 1


def test_token_is_refreshed_before_it_expires(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api), store)
    oa.tokens = OATokens("AT-0", "RT-0", expires_at=time.time() + 60, seed="RT-0")  # a minute left
    assert oa.send(USER, "xin chào")
    [send] = [c for c in zalo_api.calls if c["path"] == "/v3.0/oa/message/cs"]
    assert send["headers"]["access_token"] == "AT-1"  # refreshed first, not after a failure


def test_no_access_token_at_start_refreshes_first(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api, access_token=None), store)
    assert oa.send(USER, "xin chào") and zalo_api.refreshes == 1


def test_a_restart_uses_the_stored_refresh_token_not_the_spent_one(zalo_api, store):
    settings = settings_for(zalo_api, access_token="stale")
    ZaloOA(settings, store).send(USER, "một")  # refreshes: RT-0 is now spent
    zalo_api.expired.add("AT-1")
    restarted = ZaloOA(settings, store)  # same environment, ZALO_REFRESH_TOKEN=RT-0
    assert restarted.send(USER, "hai")
    assert zalo_api.refreshes == 2 and zalo_api.texts(USER) == ["một", "hai"]


def test_a_new_refresh_token_in_the_environment_wins_over_the_store(zalo_api, store):
    store.save(zalo_api.app_id, OATokens("AT-old", "RT-old", 0, seed="RT-older"))
    oa = ZaloOA(settings_for(zalo_api), store)
    assert oa.tokens.refresh_token == "RT-0" and oa.send(USER, "xin chào")


def test_concurrent_senders_refresh_only_once(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api, access_token="stale"), store)
    results = []
    threads = [threading.Thread(target=lambda: results.append(oa.send(USER, "x"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4 and zalo_api.refreshes == 1  # a second use of RT-0 would fail


@pytest.mark.parametrize("code", [-230, -232])
def test_outside_the_interaction_window_is_counted_not_retried(zalo_api, store, code):
    zalo_api.outside_window[USER] = code
    oa = ZaloOA(settings_for(zalo_api), store)
    assert oa.send(USER, "xin chào") is False
    assert oa.stats["outside_window"] == 1 and zalo_api.refreshes == 0
    assert len([c for c in zalo_api.calls if c["path"] == "/v3.0/oa/message/cs"]) == 1


def test_a_dead_refresh_token_fails_the_message_without_looping(zalo_api, store):
    oa = ZaloOA(settings_for(zalo_api, access_token="stale", refresh_token="RT-revoked"), store)
    assert oa.send(USER, "xin chào") is False
    assert oa.stats["refresh_failed"] == 1 and oa.stats["failed"] == 1
    assert len(zalo_api.calls) <= 4


def test_tokens_never_reach_the_logs(zalo_api, store, caplog):
    caplog.set_level("DEBUG")
    oa = ZaloOA(settings_for(zalo_api, access_token="stale"), store)
    oa.send(USER, "xin chào")
    zalo_api.outside_window[USER] = -230
    oa.send(USER, "xin chào")
    for secret in ("stale", "AT-1", "RT-0", "RT-1", zalo_api.app_secret, USER):
        assert secret not in caplog.text


# --- the async output channel ---

def output_for(fake, store) -> ZaloOutput:
    return ZaloOutput(ZaloOA(settings_for(fake), store), ThreadPoolExecutor(max_workers=2))


async def test_long_text_is_split_at_2000(zalo_api, store):
    text = "\n\n".join(f"Đoạn {i}. " + "chữ " * 200 for i in range(4))  # ~800 characters each
    await output_for(zalo_api, store).send_text_message(USER, text)
    texts = zalo_api.texts(USER)
    assert len(texts) == 2 and all(len(t) <= 2000 for t in texts) and texts[1].startswith("Đoạn 2.")


async def test_buttons_are_hidden_query_buttons_with_the_rasa_payload(zalo_api, store):
    buttons = [{"title": f"Lựa chọn {i}", "payload": f'/inform{{"incident_category":"c{i}"}}'} for i in range(7)]
    await output_for(zalo_api, store).send_text_with_buttons(USER, "Chọn loại sự cố:", buttons)
    first, second = zalo_api.messages(USER)
    assert first["text"] == "Chọn loại sự cố:"
    sent = first["attachment"]["payload"]["buttons"] + second["attachment"]["payload"]["buttons"]
    assert first["attachment"]["type"] == "template" and len(first["attachment"]["payload"]["buttons"]) == 5
    assert [(b["type"], b["title"], b["payload"]) for b in sent] == [
        ("oa.query.hide", b["title"], b["payload"]) for b in buttons]


async def test_images_are_media_templates(zalo_api, store):
    await output_for(zalo_api, store).send_image_url(USER, "https://hue.gov.vn/map.png")
    [message] = zalo_api.messages(USER)
    assert message["attachment"]["payload"] == {
        "template_type": "media", "elements": [{"media_type": "image", "url": "https://hue.gov.vn/map.png"}]}


async def test_custom_json_is_not_shown(zalo_api, store):
    output = output_for(zalo_api, store)
    await output.send_custom_json(USER, {"kind": "knowledge_answer", "entry_id": "x"})
    await output.send_custom_json(USER, {"kind": "ask_location"})
    assert zalo_api.messages(USER) == []


async def test_sending_does_not_block_the_event_loop(zalo_api, store):
    """zalo-sdk uses requests: while a send waits on the network, the loop keeps running."""
    zalo_api.delay = 0.5
    ticks = []

    async def ticker():
        for _ in range(8):
            ticks.append(time.monotonic())
            await asyncio.sleep(0.05)

    await asyncio.gather(output_for(zalo_api, store).send_text_message(USER, "xin chào"), ticker())
    assert len(ticks) == 8 and max(b - a for a, b in zip(ticks, ticks[1:])) < 0.3


async def test_get_output_channel_sends_to_the_platform(zalo_api, store):
    channel = ZaloInput(settings_for(zalo_api), store)
    await channel.get_output_channel().send_text_message(USER, "Phản ánh của bạn đã được xử lý.")
    assert zalo_api.texts(USER) == ["Phản ánh của bạn đã được xử lý."]
    assert channel.health()["sent"] == 1


def test_listed_without_its_variables_the_channel_stops_rasa_loudly(monkeypatch, tmp_path, zalo_api):
    from rasa.shared.exceptions import RasaException

    monkeypatch.delenv("ZALO_APP_ID", raising=False)
    with pytest.raises(RasaException, match="ZALO_APP_ID is not set"):
        ZaloInput.from_credentials(None)
    for name, value in {"ZALO_APP_ID": zalo_api.app_id, "ZALO_APP_SECRET": zalo_api.app_secret,
                        "ZALO_OA_SECRET_KEY": zalo_api.oa_secret_key, "ZALO_REFRESH_TOKEN": "RT-0",
                        "HUE_VAR_DIR": str(tmp_path), "REDIS_URL": ""}.items():
        monkeypatch.setenv(name, value)
    channel = ZaloInput.from_credentials(None)
    assert channel.name() == "zalo" and (tmp_path / "channel_tokens.sqlite3").exists()


def test_an_unsaved_refresh_is_reported_but_sending_goes_on(zalo_api, store, caplog):
    from channels.token_store import RedisTokenStore

    oa = ZaloOA(settings_for(zalo_api, access_token="stale"), store)
    oa.store = RedisTokenStore("redis://127.0.0.1:1/0")  # the store became unreachable
    assert oa.send(USER, "một") and oa.send(USER, "hai")
    assert oa.stats["token_not_saved"] == 1 and zalo_api.refreshes == 1
    assert "could not be saved" in caplog.text


async def test_a_location_question_is_sent_once(zalo_api, store):
    await output_for(zalo_api, store).send_response(
        USER, {"text": "Sự cố ở đâu?", "custom": {"kind": "ask_location"}})
    assert zalo_api.messages(USER) == [{"text": "Sự cố ở đâu?"}]
