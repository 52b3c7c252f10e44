"""The REST channel at /webhooks/rest/webhook: Rasa's own RestInput with the checks a public entry
point needs. A sender is required and becomes the conversation `rest:<sender>` (so a REST client
can never address a Telegram, Zalo or hotline conversation, nor its reports); wrong shapes get a 4xx
with a JSON error; the message is limited in size; a bearer token can be required (REST_TOKEN, on by
default when Rasa listens beyond loopback: bot/settings.py `rest_token`).

    POST /webhooks/rest/webhook   {"sender": "me", "message": "xin chào"}   → [{"recipient_id": "me", …}]
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple, Union

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.identity import native_id, qualify
from bot.privacy import keep_user_text_out_of_rasa_logs, mask, redact_in_logs
from bot.settings import Settings, private_dir
from channels.base import secrets_match

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_MESSAGE_CHARS = 2000  # a longer message is refused (413), not trimmed: the client can split it
MAX_BODY_BYTES = 64 * 1024  # message + metadata; anything larger is not a chat message


class BadRequest(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _clean_id(value: Any) -> str:
    if value is None:
        raise BadRequest(400, "sender is required: a string naming the conversation")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRequest(400, "sender must be a string")
    sender = str(value).strip()
    if not sender:
        raise BadRequest(400, "sender is required: a string naming the conversation")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(400, f"sender is longer than {MAX_SENDER_CHARS} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in sender):
        raise BadRequest(400, "sender contains control characters")
    if not _encodable(sender):
        raise BadRequest(400, "sender is not valid Unicode text")
    return sender


def _encodable(text: str) -> bool:
    """False for lone surrogates (JSON allows them as escapes; UTF-8 and the stores do not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_body(raw: bytes) -> Tuple[str, str, Optional[Dict[str, Any]]]:
    """(sender, message, metadata) of a REST request body, or BadRequest with a 4xx status."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(413, f"body over {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest(400, 'body must be a JSON object: {"sender": "...", "message": "..."}')
    sender = _clean_id(body.get("sender"))
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise BadRequest(400, "message is required: a non-empty string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(413, f"message is longer than {MAX_MESSAGE_CHARS} characters: send it in parts")
    if "\x00" in message:
        raise BadRequest(400, "message contains a NUL character")
    if not _encodable(message):
        raise BadRequest(400, "message is not valid Unicode text")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest(400, "metadata must be a JSON object")
    return sender, message, metadata


class ClientOutput(CollectingOutputChannel):
    """Collects the replies, addressed to the client's own sender id (not the qualified one)."""

    @staticmethod
    def _message(recipient_id: Text, *args: Any, **kwargs: Any) -> Dict:
        return CollectingOutputChannel._message(native_id(recipient_id, RestInput.name()), *args, **kwargs)


class ClientQueueOutput(QueueOutputChannel):
    """The same for `?stream=true`: replies streamed as they come, addressed to the client's sender."""

    @staticmethod
    def _message(recipient_id: Text, *args: Any, **kwargs: Any) -> Dict:
        return CollectingOutputChannel._message(native_id(recipient_id, RestInput.name()), *args, **kwargs)


class RestInput(RasaRestInput):
    """credentials.yml: `channels.rest.RestInput:` (the launcher's CHANNEL_CLASSES["rest"])."""

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = Settings.from_env()
        private_dir(settings.var_dir)  # owner-only var/, umask 077 (also when Rasa is run by hand)
        token = settings.rest_token()
        # The REST channel is always mounted: it installs the Rasa process's log scrubbing.
        redact_in_logs(settings.known_secrets() + ([token] if token else []))
        keep_user_text_out_of_rasa_logs()
        return cls(token=token)

    @staticmethod
    async def on_message_wrapper(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: Text,
                                 queue: asyncio.Queue, sender_id: Text, input_channel: Text,
                                 metadata: Optional[Dict[Text, Any]]) -> None:
        """The streaming path (Rasa's `stream_response` calls it): client-addressed replies, and the
        stream always ends, also when the dialogue fails."""
        try:
            await on_new_message(UserMessage(text, ClientQueueOutput(queue), sender_id,
                                             input_channel=input_channel, metadata=metadata))
        except Exception as exc:  # noqa: BLE001 - the client gets what was sent so far
            logger.error("REST message from %s failed: %s", mask(native_id(sender_id, "rest")), type(exc).__name__)
        finally:
            await queue.put("DONE")

    def authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("authorization") or ""
        return given.startswith("Bearer ") and secrets_match(self.token, given[len("Bearer "):])

    def check(self, request: Request) -> Tuple[str, str, Optional[Dict[str, Any]]]:
        if not self.authorised(request):
            raise BadRequest(401, "a valid 'Authorization: Bearer <REST token>' header is required")
        declared = request.headers.get("content-length") or ""
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise BadRequest(413, f"body over {MAX_BODY_BYTES} bytes")
        if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
            raise BadRequest(415, "Content-Type must be application/json")
        return parse_body(request.body or b"")

    async def handle(self, request: Request,
                     on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Union[HTTPResponse, ResponseStream]:
        try:
            sender, text, metadata = self.check(request)
        except BadRequest as exc:
            return error(exc.status, str(exc))
        conversation = qualify(self.name(), sender)
        if request.args.get("stream", "").lower() == "true":
            return response.stream(self.stream_response(on_new_message, text, conversation, self.name(), metadata),
                                   content_type="text/event-stream")
        collector = ClientOutput()
        try:
            await on_new_message(UserMessage(text, collector, conversation, input_channel=self.name(),
                                             metadata=metadata))
        except asyncio.CancelledError:
            # Neither the user's text nor local variables go to the log (Rasa's RestInput logs the text).
            logger.error("REST message from %s timed out", mask(sender))
        except Exception as exc:  # noqa: BLE001 - the client gets what was collected, the log the cause
            logger.error("REST message from %s failed: %s", mask(sender), type(exc).__name__)
        return response.json(collector.messages)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        rest = Blueprint("rest_webhook", inspect.getmodule(self).__name__)

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:  # noqa: ARG001
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[HTTPResponse, ResponseStream]:
            return await self.handle(request, on_new_message)

        return rest
