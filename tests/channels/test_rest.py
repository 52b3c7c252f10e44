"""channels/rest.py, served by Sanic as Rasa mounts it: a sender is required and qualified as
`rest:<sender>`, every wrong shape or size is a 4xx with a JSON error, the token when configured.
Whole REST conversations with the trained model are in tests/e2e."""
import json
from contextlib import asynccontextmanager

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from channels.rest import MAX_MESSAGE_CHARS, RestInput
from tests.actions.conftest import new_app, served


@asynccontextmanager
async def rest_channel(channel: RestInput, fail: bool = False):
    """The channel on a loopback port with a dialogue stand-in that answers "you said: …" (or fails);
    yields (webhook url, the UserMessages that reached the dialogue)."""
    received = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        if fail:
            raise RuntimeError(f"boom with {message.text}")
        await message.output_channel.send_text_message(message.sender_id, f"you said: {message.text}")

    Sanic.test_mode = True  # Sanic 21.12 (Rasa's) rewrites its own methods once per process otherwise
    app = new_app("rest")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    async with served(app) as url:
        async with httpx.AsyncClient(base_url=f"{url}/webhooks/rest", timeout=30) as client:
            yield client, received


async def test_a_message_goes_to_the_senders_own_rest_conversation():
    async with rest_channel(RestInput()) as (client, received):
        response = await client.post("/webhook", json={"sender": "710001", "message": "xin chào",
                                                       "input_channel": "telegram", "metadata": {"x": 1}})
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "710001", "text": "you said: xin chào"}]
    [message] = received
    # Not the Telegram user 710001's conversation, and the client cannot claim another channel.
    assert (message.sender_id, message.input_channel, message.metadata) == ("rest:710001", "rest", {"x": 1})


@pytest.mark.parametrize("body, status, words", [
    (b"[]", 400, "JSON object"), (b'"x"', 400, "JSON object"), (b"null", 400, "JSON object"),
    (b"42", 400, "JSON object"), (b'{"message": "hi"', 400, "JSON"), (b"\xff\xfe", 400, "JSON"),
    (b"[" * 100000 + b"]" * 100000, 413, "body"),
    (b'{"message": "xin chao"}', 400, "sender is required"),
    (b'{"sender": "", "message": "xin chao"}', 400, "sender is required"),
    (b'{"sender": "   ", "message": "xin chao"}', 400, "sender is required"),
    (b'{"sender": null, "message": "xin chao"}', 400, "sender"),
    (b'{"sender": ["a"], "message": "xin chao"}', 400, "sender must be a string"),
    (b'{"sender": true, "message": "xin chao"}', 400, "sender must be a string"),
    (b'{"sender": "a\\u0000b", "message": "xin chao"}', 400, "control characters"),
    (json.dumps({"sender": "s" * 129, "message": "hi"}).encode(), 400, "128"),
    (b'{"sender": "u1"}', 400, "message is required"),
    (b'{"sender": "u1", "message": ""}', 400, "message is required"),
    (b'{"sender": "u1", "message": 5}', 400, "message is required"),
    (b'{"sender": "u1", "message": {"text": "hi"}}', 400, "message is required"),
    (b'{"sender": "u1", "message": "a\\u0000b"}', 400, "NUL"),
    (b'{"sender": "u1", "message": "a\\ud800b"}', 400, "Unicode"),
    (b'{"sender": "\\udfff", "message": "hi"}', 400, "Unicode"),
    (json.dumps({"sender": "u1", "message": "x" * (MAX_MESSAGE_CHARS + 1)}).encode(), 413, "2000"),
    (b'{"sender": "u1", "message": "hi", "metadata": [1]}', 400, "metadata"),
])
async def test_wrong_shapes_get_a_4xx_with_a_json_error_and_reach_no_conversation(body, status, words):
    async with rest_channel(RestInput()) as (client, received):
        response = await client.post("/webhook", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert received == []


async def test_limits_are_inclusive_and_numbers_are_senders():
    async with rest_channel(RestInput()) as (client, received):
        longest = await client.post("/webhook", json={"sender": "s" * 128, "message": "x" * MAX_MESSAGE_CHARS})
        numeric = await client.post("/webhook", json={"sender": 42, "message": "hi"})
    assert (longest.status_code, numeric.status_code) == (200, 200)
    assert [m.sender_id for m in received] == ["rest:" + "s" * 128, "rest:42"]


async def test_streamed_replies_are_addressed_to_the_client_too():
    async with rest_channel(RestInput()) as (client, received):
        response = await client.post("/webhook?stream=true", json={"sender": "u1", "message": "hi"})
    assert response.status_code == 200
    assert [json.loads(line) for line in response.text.splitlines()] == [{"recipient_id": "u1",
                                                                         "text": "you said: hi"}]
    assert [m.sender_id for m in received] == ["rest:u1"]


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; application/json", ""])
async def test_only_json_is_accepted(content_type):
    async with rest_channel(RestInput()) as (client, received):
        response = await client.post("/webhook", content=b'{"sender": "u1", "message": "hi"}',
                                     headers={"Content-Type": content_type})
    assert response.status_code == 415 and received == []


async def test_the_token_when_one_is_configured():
    body = {"sender": "u1", "message": "hi"}
    async with rest_channel(RestInput(token="rest-token-0123456789")) as (client, received):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "rest-token-0123456789"},
                        {"Authorization": "Bearer rest-token-012345678"}):
            response = await client.post("/webhook", json=body, headers=headers)
            assert response.status_code == 401 and "Bearer" in response.json()["error"]
        assert received == []
        good = await client.post("/webhook", json=body, headers={"Authorization": "Bearer rest-token-0123456789"})
    assert good.status_code == 200 and [m.sender_id for m in received] == ["rest:u1"]


async def test_a_dialogue_failure_answers_and_logs_neither_text_nor_sender(caplog):
    async with rest_channel(RestInput(), fail=True) as (client, received):
        response = await client.post("/webhook", json={"sender": "private-sender-77", "message": "gọi 0905123456"})
    assert response.status_code == 200 and response.json() == []
    assert "REST message from" in caplog.text and "RuntimeError" in caplog.text
    assert "0905123456" not in caplog.text and "private-sender-77" not in caplog.text


def test_built_from_the_environment_like_rasa_does(monkeypatch, tmp_path):
    monkeypatch.setenv("HUE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("REST_TOKEN", raising=False)
    monkeypatch.setenv("RASA_HOST", "127.0.0.1")
    assert RestInput.from_credentials(None).token is None
    monkeypatch.setenv("RASA_HOST", "0.0.0.0")
    token = RestInput.from_credentials(None).token
    assert token and (tmp_path / "var" / "rest-token").read_text().strip() == token
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
