"""Shapes the platforms never send, and bytes that are not what a header or body should be, against
the channels' pure functions and the real Rasa server (shared `servers` fixture). Each was a 500:
a signed Telegram callback_query without message or sender, an unsigned deeply nested body, a signed
Zalo event whose `message` is a string, a secret header that is not UTF-8; and the hotline console's
call ids and cookies that are not what it issues."""
import json
import time

import httpx
import pytest
from telegram import Bot, Update

from bot.launcher import RASA_REQUEST_LIMITS
from channels.base import secrets_match
from channels.telegram import ButtonPayloads, telegram_inbound
from channels.zalo import zalo_inbound, zalo_signature
from tests.conftest import E2E_AGENT, E2E_TELEGRAM_SECRET

CHAT = {"id": 730001, "type": "private"}
USER = {"id": 730001, "is_bot": False, "first_name": "T", "language_code": "vi"}


def update(**fields):
    return {"update_id": 1, **fields}


def message(**fields):
    return {"message_id": 1, "date": 0, "chat": CHAT, "from": USER, **fields}


# --- pure: what an update means ------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    update(callback_query={"id": "q", "chat_instance": "c", "data": "hi"}),  # no message, no from
    update(callback_query={"id": "q", "from": USER, "chat_instance": "c", "data": 5}),
    update(callback_query="x"),
    update(message="x"),
    update(message=message(text=5)),
    update(message=message(text=["hi"])),
    update(message={**message(text="hi"), "chat": {"id": "730001", "type": "private"}}),
    update(message={**message(text="hi"), "chat": {"id": True, "type": "private"}}),
])
def test_telegram_shapes_telegram_never_sends_are_errors_the_webhook_turns_into_400(payload):
    with pytest.raises(Exception) as raised:
        telegram_inbound(Update.de_json(payload, Bot("1:x")), ButtonPayloads())
    assert isinstance(raised.value, (ValueError, AttributeError, TypeError, KeyError))


def test_a_button_whose_message_is_gone_is_answered_in_the_users_chat():
    item = telegram_inbound(Update.de_json(update(callback_query={"id": "q", "from": USER, "chat_instance": "c",
                                                                  "data": "affirm"}), Bot("1:x")), ButtonPayloads())
    assert (item.sender_id, item.text) == ("730001", "affirm")


@pytest.mark.parametrize("payload", [
    {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": "a string"},
    {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": ["x"]},
    {"event_name": "user_send_text", "sender": "u1", "message": {"text": "hi"}},
    {"event_name": "user_send_text", "sender": {"id": {"x": 1}}, "message": {"text": "hi"}},
    {"event_name": "user_send_text", "sender": {"id": "u" * 65}, "message": {"text": "hi"}},
    {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": 5}},
    {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"msg_id": {"a": 1}, "text": "hi"}},
    {"event_name": "user_send_image", "sender": {"id": "u1"}, "message": {"attachments": "x"}},
    {"event_name": "user_send_image", "sender": {"id": "u1"}, "message": {"attachments": [{"payload": "x"}]}},
    {"event_name": "user_send_location", "sender": {"id": "u1"},
     "message": {"attachments": [{"payload": {"coordinates": "x"}}]}},
    {"event_name": "follow", "follower": "u1"},
])
def test_zalo_shapes_zalo_never_sends_are_value_errors(payload):
    with pytest.raises(ValueError):
        zalo_inbound(payload)


def test_zalo_well_formed_events_still_read_as_before():
    [item] = zalo_inbound({"event_name": "user_send_text", "sender": {"id": "123456"},
                           "message": {"msg_id": "abc-1", "text": " xin chào "}, "timestamp": "1"})
    assert (item.sender_id, item.key, item.text) == ("123456", "abc-1", "xin chào")
    [photo] = zalo_inbound({"event_name": "user_send_image", "sender": {"id": 123456},
                            "message": {"attachments": [{"payload": {"url": "https://x/y.jpg"}}, {"payload": {}}]}})
    assert photo.text.startswith("/share_photo") and photo.sender_id == "123456"


def test_a_secret_header_that_is_not_utf8_simply_does_not_match():
    assert secrets_match("secret", "secret") and not secrets_match("secret", "\udcff\udcfe")


# --- the real Rasa server --------------------------------------------------------------------------

def post(url, content, headers=None):
    return httpx.post(url, content=content, headers={"Content-Type": "application/json", **(headers or {})},
                      timeout=30)


def test_telegram_malformed_updates_are_400_and_the_server_keeps_serving(servers, platforms):
    url = servers.webhook_url("telegram")
    signed = {"X-Telegram-Bot-Api-Secret-Token": E2E_TELEGRAM_SECRET}
    no_message = update(update_id=91_000_001, callback_query={"id": "q", "chat_instance": "c", "data": "hi"})
    assert post(url, json.dumps(no_message).encode(), signed).status_code == 400
    assert post(url, json.dumps(update(update_id=91_000_002, message="x")).encode(), signed).status_code == 400
    assert post(url, b"[" * 100_000 + b"]" * 100_000).status_code in (400, 413)  # unsigned, nested too deep
    assert post(url, b"[" * 50_000 + b"]" * 50_000, signed).status_code == 400
    assert post(url, b'{"update_id": 1}', {"X-Telegram-Bot-Api-Secret-Token": b"\xff\xfe"}).status_code == 403
    assert httpx.get(servers.rasa_url, timeout=10).status_code == 200


def test_zalo_signed_event_whose_message_is_a_string_is_400(servers, platforms):
    zalo = platforms.zalo
    timestamp = str(int(time.time() * 1000))
    body = json.dumps({"app_id": zalo.app_id, "event_name": "user_send_text", "sender": {"id": "881999"},
                       "message": "a string", "timestamp": timestamp}).encode()
    signature = zalo_signature(zalo.app_id, body, timestamp, zalo.oa_secret_key)
    assert post(servers.webhook_url("zalo"), body, {"X-ZEvent-Signature": signature}).status_code == 400
    assert post(servers.webhook_url("zalo"), body, {"X-ZEvent-Signature": b"mac=\xff"}).status_code == 401


def test_the_rasa_server_refuses_bodies_and_headers_over_its_limits(servers):
    """bot/launcher.py RASA_REQUEST_LIMITS: before, a 1 MB REST message was taken (and stalled other
    conversations for seconds); now Sanic answers 413 before any channel reads it."""
    too_big = int(RASA_REQUEST_LIMITS["SANIC_REQUEST_MAX_SIZE"]) + 1
    response = post(servers.rest_url, json.dumps({"sender": "limit-1", "message": "x" * too_big}).encode())
    assert response.status_code == 413
    big_header = {"X-Padding": "x" * int(RASA_REQUEST_LIMITS["SANIC_REQUEST_MAX_HEADER_SIZE"])}
    assert httpx.get(servers.rasa_url, headers=big_header, timeout=10).status_code == 413
    assert httpx.get(f"{servers.action_url}/health", headers=big_header, timeout=10).status_code == 413
    assert httpx.get(servers.rasa_url, timeout=10).status_code == 200


# --- the hotline console ------------------------------------------------------------------------------

@pytest.fixture
def agent(servers):
    client = httpx.Client(base_url=f"{servers.rasa_url}/webhooks/hotline", timeout=60)
    response = client.post("/login", json={"username": E2E_AGENT[0], "password": E2E_AGENT[1]})
    assert response.status_code == 200, response.text
    yield client
    client.close()


@pytest.mark.parametrize("call_id", ["%00", "x" * 65, "%C3%A4", "a%3Fb"])
def test_console_call_ids_it_never_issued_are_404(agent, call_id):
    for method, path in (("GET", f"/calls/{call_id}"), ("GET", f"/calls/{call_id}/events"),
                         ("POST", f"/calls/{call_id}/end")):
        response = agent.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.text)
    response = agent.post("/webhook", json={"call_id": "bad id", "text": "xin chào"})
    assert response.status_code == 404, response.text


def test_console_cookie_that_is_not_ascii_is_no_session(servers):
    response = httpx.get(f"{servers.rasa_url}/webhooks/hotline/me", timeout=10,
                         headers={"Cookie": "hue_hotline_session=é.ü".encode()})
    assert response.status_code == 401, response.text


# --- the action server's routes ------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("GET", "/open311/v2/requests.xml", 404), ("POST", "/open311/v2/requests.xml", 404),
    ("GET", "/open311/v2/services/waste.xml", 404), ("GET", "/nope", 404),
    ("GET", "/staff/reports/HUE-2026-000001/status", 405),
])
def test_unknown_routes_and_methods_on_the_action_server_are_4xx_without_echo(servers, method, path, status):
    """rasa-sdk's app-wide handler made these a 500 that echoed the request body."""
    response = httpx.request(method, servers.action_url + path, timeout=10, content=b'{"phone": "0905123456"}',
                             headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert "0905123456" not in response.text
