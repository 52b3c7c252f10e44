"""Forged, replayed, malformed and oversized webhook requests against the real Rasa server: each is
refused (or acknowledged and ignored), nothing reaches the dialogue, and the server keeps serving."""
import hashlib
import json
import time

import httpx
import pytest

from tests.channels.users import TelegramUser, ZaloUser, texts
from tests.conftest import E2E_RASA_TOKEN
from tests.fakes.telegram import text_update


def user_events(servers, sender):
    response = httpx.get(f"{servers.rasa_url}/conversations/{sender}/tracker",
                         params={"token": E2E_RASA_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["events"] if e["event"] == "user"]


def post(url, content, content_type="application/json", headers=None):
    return httpx.post(url, content=content, headers={"Content-Type": content_type, **(headers or {})}, timeout=30)


# --- Telegram ---

@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "e2e-webhook-secre"])
def test_telegram_wrong_or_missing_secret_is_refused_and_not_processed(servers, platforms, secret):
    chat = 720000 + len(secret or "") + (0 if secret is None else 100)
    response = platforms.telegram.deliver(servers.webhook_url("telegram"), text_update(chat, "xin chào"), secret)
    assert response.status_code == 403
    time.sleep(1.0)
    assert platforms.telegram.sent(chat) == [] and user_events(servers, f"telegram:{chat}") == []


def test_telegram_replayed_update_is_processed_once(servers, platforms):
    user = TelegramUser(servers, platforms, chat_id=720101)
    update = text_update(720101, "xin chào")
    first = user.deliver(update)
    assert texts(first)[0].startswith("Xin chào!")
    for _ in range(2):  # Telegram re-sends an update it thinks was not received
        assert platforms.telegram.deliver(servers.webhook_url("telegram"), update, user.secret).status_code == 200
    user.say("cảm ơn")  # processed after anything queued before it (one conversation is serial)
    assert len([e for e in user_events(servers, "telegram:720101") if e["text"] == "xin chào"]) == 1


def test_telegram_forged_update_does_not_block_the_genuine_one(servers, platforms):
    """Dedupe happens after authentication: a forger cannot burn a future update_id."""
    update = text_update(720102, "xin chào", update_id=99_000_001)
    assert platforms.telegram.deliver(servers.webhook_url("telegram"), update, "forged").status_code == 403
    replies = TelegramUser(servers, platforms, chat_id=720102).deliver(update)
    assert texts(replies)[0].startswith("Xin chào!")


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
def test_bad_requests_get_4xx_and_the_server_stays_up(servers, platforms, channel):
    url = servers.webhook_url(channel)
    assert post(url, b'{"update_id": 1, "message": ').status_code == 400
    assert post(url, b"[1, 2, 3]").status_code == 400
    assert post(url, b"\xff\xfe not utf-8").status_code == 400
    assert post(url, b'{"update_id": 1}', content_type="text/plain").status_code == 415
    assert post(url, b"update_id=1", content_type="application/x-www-form-urlencoded").status_code == 415
    huge = json.dumps({"update_id": 1, "padding": "x" * (1024 * 1024)}).encode()
    assert post(url, huge).status_code == 413
    assert httpx.get(servers.webhook_url(channel).rsplit("/", 1)[0] + "/", timeout=10).status_code == 200
    assert httpx.get(servers.rasa_url, timeout=10).status_code == 200


def test_telegram_update_without_id_is_refused(servers, platforms):
    response = post(servers.webhook_url("telegram"), json.dumps({"message": {"text": "hi"}}).encode(),
                    headers={"X-Telegram-Bot-Api-Secret-Token": platforms.telegram_secret})
    assert response.status_code == 400


# --- Zalo ---

@pytest.mark.parametrize("how", ["missing", "garbage", "app secret", "other body"])
def test_zalo_forged_signature_is_refused_and_not_processed(servers, platforms, how):
    zalo, user_id = platforms.zalo, f"88100{len(how)}{how[0]}"
    event = zalo.text_event(user_id, "xin chào")
    body = json.dumps(event, ensure_ascii=False).encode()
    signature = {
        "missing": None,
        "garbage": "mac=" + "0" * 64,
        # Signed with the app secret instead of the OA secret key.
        "app secret": "mac=" + hashlib.sha256(
            (zalo.app_id + body.decode() + event["timestamp"] + zalo.app_secret).encode()).hexdigest(),
        # A genuine signature, for a different body.
        "other body": zalo.sign(json.dumps(zalo.text_event(user_id, "khác")).encode(), event["timestamp"]),
    }[how]
    response = zalo.deliver(servers.webhook_url("zalo"), event, signature=signature)
    assert response.status_code == 401
    time.sleep(1.0)
    assert zalo.messages(user_id) == [] and user_events(servers, f"zalo:{user_id}") == []


def test_zalo_is_acknowledged_before_the_answer_is_ready(servers, platforms):
    user = ZaloUser(servers, platforms, user_id="8810100")
    started = time.monotonic()
    response = platforms.zalo.deliver(user.url, platforms.zalo.text_event("8810100", "làm căn cước ở đâu"))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 2.0  # Zalo's limit
    assert platforms.zalo.wait_for_texts("8810100", 1)
    answered = time.monotonic() - started
    assert elapsed < answered  # the answer was worked out after the acknowledgement


def test_zalo_replayed_message_is_processed_once(servers, platforms):
    user = ZaloUser(servers, platforms, user_id="8810101")
    event = platforms.zalo.text_event("8810101", "xin chào")
    assert texts(user.deliver(event))[0].startswith("Xin chào!")
    assert platforms.zalo.deliver(user.url, event).status_code == 200
    user.say("cảm ơn")
    assert len([e for e in user_events(servers, "zalo:8810101") if e["text"] == "xin chào"]) == 1


@pytest.mark.parametrize("name", ["unfollow", "user_seen_message", "oa_send_text", "brand_new_event"])
def test_zalo_other_events_are_acknowledged_and_ignored(servers, platforms, name):
    user_id = f"88102{len(name)}"
    event = platforms.zalo.event(name, user_id, text="xin chào")
    assert platforms.zalo.deliver(servers.webhook_url("zalo"), event).status_code == 200
    time.sleep(1.0)
    assert platforms.zalo.messages(user_id) == [] and user_events(servers, f"zalo:{user_id}") == []
