"""What the Telegram and Zalo channels share: request checks, dedupe, background processing,
message splitting, and the texts that carry locations and photos to the report form.

The pure functions at the top know nothing of Sanic or Rasa; `WebhookInput` and `SplittingOutput`
are the thin Rasa/Sanic glue around them.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Hashable, Iterable, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import native_id, qualify
from bot.privacy import mask, redact_in_logs  # noqa: F401 - re-exported for the channels
from bot.settings import Settings
from channels.token_store import SeenStore, open_seen_store

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # real updates are a few KB; anything this large is not from the platform
VI, EN = "vi", "en"

# --- texts the report form consumes (a contract with actions/report_form.py: do not change) ---


def location_text(latitude: float, longitude: float) -> str:
    """A shared GPS location as Rasa's intent-with-entities syntax."""
    return "/share_location" + json.dumps({"latitude": latitude, "longitude": longitude})


def photo_text(photo: str) -> str:
    """A shared photo (Telegram file id or Zalo image URL) as Rasa's intent-with-entities syntax."""
    return "/share_photo" + json.dumps({"photo": photo})


def valid_coordinates(latitude: Any, longitude: Any) -> Optional[tuple]:
    """(lat, lon) as floats when they are a real position on Earth, else None."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def greeting_text(language: str) -> str:
    """What a new user "says" when they press Start / follow the OA: a greeting the NLU knows,
    in their app's language, so the welcome comes back in that language."""
    return "hello" if language == EN else "xin chào"


UNSUPPORTED = {
    VI: "Xin lỗi, tôi chưa đọc được loại tin nhắn này. Bạn hãy gõ câu hỏi bằng chữ, gửi ảnh hoặc chia sẻ vị trí nhé.",
    EN: "Sorry, I can't read this kind of message yet. Please type your question, or send a photo or your location.",
}


def app_language(code: Optional[str]) -> str:
    """The reply language for a platform language code: Vietnamese for vi-*, English otherwise."""
    return VI if (code or "").lower().startswith("vi") else EN


# --- small pure helpers ---


def secrets_match(expected: str, given: Optional[str]) -> bool:
    """Constant-time comparison, so response timing does not leak how much of a secret matched."""
    if given is None:
        return False
    # surrogatepass: Sanic hands over header bytes that are not UTF-8 as lone surrogates; such a
    # header must simply not match (a plain encode() raised, and the webhook answered 500).
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "surrogatepass"))


def split_message(text: str, limit: int) -> List[str]:
    """Split `text` into parts of at most `limit` characters, on paragraph boundaries when possible,
    then on line breaks, then on spaces; a single overlong word is cut."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    # A boundary in the first third would leave a stub part; then try the next finer boundary.
    for separator, earliest in (("\n\n", limit // 3), ("\n", limit // 3), (" ", 1)):
        cut = text.rfind(separator, 0, limit + 1)
        if cut >= earliest:
            head, rest = text[:cut], text[cut + len(separator):]
            break
    else:
        head, rest = text[:limit], text[limit:]
    return [head.rstrip()] + split_message(rest, limit)


class BoundedMap(OrderedDict):
    """A dict that forgets its oldest entries beyond `capacity` (memory stays flat under load)."""

    blocking = False  # as a channel's SeenStore: answers from memory

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def __setitem__(self, key: Hashable, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)

    def seen(self, key: Hashable) -> bool:
        return key in self

    def first_time(self, key: Hashable) -> bool:
        """True the first time `key` is seen (within the remembered window), False on repeats."""
        if key in self:
            return False
        self[key] = True
        return True


class SerialTasks:
    """Runs coroutines in the background, one at a time per conversation (so replies keep the
    order of the messages), keeping references so tasks are not garbage-collected mid-flight."""

    def __init__(self) -> None:
        self._last: Dict[str, asyncio.Task] = {}
        self._running: set = set()

    def submit(self, key: str, make: Callable[[], Awaitable[Any]]) -> asyncio.Task:
        previous = self._last.get(key)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await make()
            except Exception:  # noqa: BLE001 - one failed message must not stop the channel
                logger.exception("Processing a message from %s failed", mask(key))

        task = asyncio.get_running_loop().create_task(run())
        self._last[key] = task
        self._running.add(task)

        def forget(done: asyncio.Task) -> None:
            self._running.discard(done)
            if self._last.get(key) is done:
                del self._last[key]

        task.add_done_callback(forget)
        return task

    async def drain(self) -> None:
        """Wait for everything submitted so far (tests, shutdown)."""
        while self._running:
            await asyncio.wait(list(self._running))


# --- the Rasa/Sanic glue ---


@dataclass
class Inbound:
    """One thing a user did, in platform-neutral terms."""

    key: str  # the platform's id for it (update_id, msg_id): repeats are dropped
    sender_id: str
    text: Optional[str] = None  # what Rasa receives
    reply: Optional[str] = None  # or: what we answer directly, without Rasa
    language: str = VI
    metadata: Dict[str, Any] = field(default_factory=dict)


def reject(status: int, reason: str) -> HTTPResponse:
    return response.json({"ok": False, "error": reason}, status=status)


class WebhookInput(InputChannel):
    """A platform webhook at /webhooks/<name>/webhook: size, content type and JSON checks, the
    platform's authenticity check, dedupe, then an immediate 200 while the message is processed in
    the background (platforms retry slow webhooks, which would duplicate messages)."""

    max_body_bytes = MAX_BODY_BYTES
    forged_status = 403
    variables = ""  # the environment variables that turn the channel on (for error messages)

    def __init__(self) -> None:
        # Ids already processed. In memory here; from_credentials (how Rasa builds the channel) puts
        # them in Redis or var/, so a replay is refused after a restart too.
        self.seen: SeenStore = BoundedMap(capacity=10_000)
        self.tasks = SerialTasks()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WebhookInput":
        """Rasa's constructor hook: the channel is configured from the settings, not the file."""
        settings = Settings.from_env()
        if getattr(settings, cls.name()) is None:
            raise RasaException(f"The {cls.name()} channel is listed in the credentials file but "
                                f"{cls.variables} is not set (see README, Channels).")
        channel = cls.from_settings(settings)
        channel.seen = open_seen_store(settings, cls.name())
        return channel

    def get_output_channel(self) -> OutputChannel:
        """For messages Rasa sends on its own (trigger_intent with output_channel=latest)."""
        return self.output_for(None)

    # Channel-specific parts.
    @classmethod
    def from_settings(cls, settings: Settings) -> "WebhookInput":
        raise NotImplementedError

    def authentic(self, request: Request, payload: Dict[str, Any]) -> bool:
        raise NotImplementedError

    def inbound(self, payload: Dict[str, Any]) -> Iterable[Inbound]:
        raise NotImplementedError

    def output_for(self, item: Optional[Inbound]) -> OutputChannel:
        raise NotImplementedError

    def fresh(self, payload: Dict[str, Any]) -> bool:
        """False for an authentic update too old to process (a replay of a captured request)."""
        return True

    def health(self) -> Dict[str, Any]:
        return {"status": "ok"}

    async def first_time(self, key: str) -> bool:
        """True unless `key` was processed before (by this process or, with a persistent store, any)."""
        try:
            if not self.seen.blocking:
                return self.seen.first_time(key)
            return await asyncio.get_running_loop().run_in_executor(None, self.seen.first_time, key)
        except Exception as exc:  # noqa: BLE001 - a store outage must not drop users' messages
            logger.error("%s webhook: replay store unavailable (%s); processing anyway", self.name(),
                         type(exc).__name__)
            return True

    async def process(self, item: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = self.output_for(item)
        if item.reply is not None:
            await output.send_text_message(item.sender_id, item.reply)
        if item.text is not None:
            # The conversation id is qualified by channel: no other channel can address it.
            await on_new_message(UserMessage(item.text, output, qualify(self.name(), item.sender_id),
                                             input_channel=self.name(),
                                             message_id=f"{self.name()}:{item.key}", metadata=item.metadata))

    # Shared plumbing.
    def check_request(self, request: Request) -> Optional[HTTPResponse]:
        declared = request.headers.get("content-length")
        if (declared and declared.isdigit() and int(declared) > self.max_body_bytes) or \
                len(request.body or b"") > self.max_body_bytes:
            return reject(413, "body too large")
        if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
            return reject(415, "expected application/json")
        return None

    async def receive(self, request: Request,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        rejection = self.check_request(request)
        if rejection is not None:
            return rejection
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[…]]]] too deep
            return reject(400, "malformed JSON")
        if not isinstance(payload, dict):
            return reject(400, "expected a JSON object")
        if not self.authentic(request, payload):
            logger.warning("%s webhook: rejected a request that failed authentication", self.name())
            return reject(self.forged_status, "authentication failed")
        if not self.fresh(payload):
            logger.warning("%s webhook: refused an authentic but stale event", self.name())
            return reject(400, "stale event")
        try:
            items = list(self.inbound(payload))
        except Exception as exc:  # noqa: BLE001 - any shape the platform never sends (a string where an
            # object belongs, a callback without its message…) is the sender's error: 400, not 500
            logger.warning("%s webhook: unreadable update (%s)", self.name(), type(exc).__name__)
            return reject(400, "unreadable update")
        for item in items:
            # Deduped only after authentication, so forged requests cannot poison the window.
            if not await self.first_time(item.key):
                logger.info("%s webhook: ignored repeated update %s", self.name(), item.key)
                continue
            self.tasks.submit(item.sender_id, lambda item=item: self.process(item, on_new_message))
        return response.json({"ok": True})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", inspect.getmodule(self).__name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:  # noqa: ARG001
            return response.json(self.health())

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return webhook


class SplittingOutput(OutputChannel):
    """Text split to the platform's limit; custom json shown only when it asks for a location
    (the other kinds, e.g. knowledge_answer, are for the REST/hotline consoles, not for users)."""

    text_limit = 4096

    async def send_part(self, recipient_id: str, text: str) -> None:
        raise NotImplementedError

    async def send_part_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        raise NotImplementedError

    async def ask_location(self, recipient_id: str, json_message: Dict[str, Any],
                           question: Optional[str] = None) -> None:
        """Offer a way to share a location, under `question` when given (default: just the question)."""
        if question:
            await self.send_text_message(recipient_id, question)

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        # Rasa addresses the conversation (`telegram:<chat id>`); the platform wants its own id.
        recipient_id = native_id(recipient_id, self.name())
        # A question that asks for a location (text + {"kind": "ask_location"} in one response) is
        # shown as one message with the way to answer it, rather than the question and then a hint.
        custom = message.get("custom")
        if (isinstance(custom, dict) and custom.get("kind") == "ask_location" and message.get("text")
                and not message.get("buttons") and not message.get("quick_replies")):
            rest = {k: v for k, v in message.items() if k not in ("text", "custom")}
            await self.ask_location(recipient_id, custom, question=message["text"])
            await super().send_response(recipient_id, rest)
            return
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_message(text, self.text_limit):
            await self.send_part(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        """Long text first, the buttons under its last part."""
        await self.send_split(recipient_id, text,
                              lambda last: self.send_part_with_buttons(recipient_id, last, buttons))

    async def send_split(self, recipient_id: str, text: str, send_last: Callable[[str], Awaitable[Any]]) -> None:
        """Send `text` in parts within the limit, the last one through `send_last` (which adds a
        keyboard or buttons: they belong under the end of the text)."""
        parts = split_message(text, self.text_limit) or ["…"]
        for part in parts[:-1]:
            await self.send_part(recipient_id, part)
        await send_last(parts[-1])

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        if isinstance(json_message, dict) and json_message.get("kind") == "ask_location":
            await self.ask_location(recipient_id, json_message)
        else:
            logger.debug("%s: custom json not shown to users", self.name())
