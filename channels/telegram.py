"""Telegram as a Rasa input/output channel (python-telegram-bot 22), plus two developer commands:

    python -m channels.telegram set-webhook https://example.org/webhooks/telegram/webhook
    python -m channels.telegram poll     # long polling: forwards updates to the local webhook
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional

from rasa.core.channels.channel import UserMessage
from sanic.request import Request
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.identity import native_id
from bot.settings import Settings, TelegramSettings
from channels.base import (
    EN,
    UNSUPPORTED,
    VI,
    BoundedMap,
    Inbound,
    SplittingOutput,
    WebhookInput,
    app_language,
    greeting_text,
    location_text,
    mask,
    photo_text,
    redact_in_logs,
    secrets_match,
    valid_coordinates,
)

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
CALLBACK_DATA_BYTES = 64
PAIR_TITLE_MAX = 20  # characters of a button title that still fits half a phone-wide row
KEY_PREFIX = "#k:"
MAX_FLOOD_WAIT = 30.0  # seconds: a longer retry_after is not worth holding a conversation for
SEND_ATTEMPTS = 3

SHARE_LOCATION = {VI: "📍 Gửi vị trí", EN: "📍 Share location"}
SHARE_LOCATION_HINT = {
    VI: "Bấm nút bên dưới để gửi vị trí hiện tại, hoặc gõ địa chỉ.",
    EN: "Tap the button below to share your current location, or type the address.",
}
EXPIRED_BUTTON = {
    VI: "Nút này đã hết hạn. Bạn vui lòng gõ câu trả lời nhé.",
    EN: "This button has expired. Please type your answer instead.",
}


class ButtonPayloads:
    """Rasa button payloads as Telegram callback data (at most 64 bytes): short payloads as they
    are, longer ones as a hash key remembered in a bounded map (lost on restart: see `decode`)."""

    def __init__(self, capacity: int = 5_000) -> None:
        self._by_key = BoundedMap(capacity)

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_BYTES and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._by_key[key] = payload
        return key

    def decode(self, data: str) -> Optional[str]:
        """The payload behind callback data; None for a key this process never issued."""
        if data.startswith(KEY_PREFIX):
            return self._by_key.get(data)
        return data


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else float(retry_after)


async def with_flood_control(call: Callable[[], Awaitable[Any]], attempts: int = SEND_ATTEMPTS) -> Any:
    """Run a Bot API call, waiting out Telegram's 429 `retry_after` a bounded number of times."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            if attempt == attempts or wait > MAX_FLOOD_WAIT:
                raise
            logger.warning("Telegram flood control: retrying in %.0f s (attempt %d)", wait, attempt)
            await asyncio.sleep(wait)


def keyboard_rows(keys: List[Any], titles: List[str]) -> List[List[Any]]:
    """Two buttons a row when there are more than three and every title is short (a phone shows
    two of PAIR_TITLE_MAX characters side by side); one a row otherwise."""
    if len(keys) > 3 and all(len(title) <= PAIR_TITLE_MAX for title in titles):
        return [keys[i:i + 2] for i in range(0, len(keys), 2)]
    return [[key] for key in keys]


class TelegramOutput(SplittingOutput):
    """Sends Rasa's replies to one Telegram chat through a shared `Bot`."""

    text_limit = TEXT_LIMIT

    def __init__(self, bot: Bot, payloads: ButtonPayloads, languages: BoundedMap,
                 location_keyboards: BoundedMap) -> None:
        self.bot = bot
        self.payloads = payloads
        self.languages = languages  # chat id → language of the user's Telegram app
        self.location_keyboards = location_keyboards  # chats showing the share-location keyboard

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def _send(self, chat_id: str, text: str, reply_markup: Any = None) -> None:
        chat_id = native_id(chat_id, self.name())
        if reply_markup is None and self.location_keyboards.pop(chat_id, None):
            reply_markup = ReplyKeyboardRemove()  # the location was answered (or not): hide the button
        try:
            await with_flood_control(lambda: self.bot.send_message(chat_id, text, reply_markup=reply_markup))
        except TelegramError as exc:  # e.g. the user blocked the bot: log, keep the conversation going
            logger.warning("Telegram: could not send to chat %s: %s", mask(chat_id), exc)

    async def send_part(self, recipient_id: str, text: str) -> None:
        await self._send(recipient_id, text)

    async def send_part_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        keys = [InlineKeyboardButton(str(button.get("title", ""))[:64] or "…",
                                     callback_data=self.payloads.encode(str(button.get("payload", ""))))
                for button in buttons]
        keyboard = InlineKeyboardMarkup(keyboard_rows(keys, [str(b.get("title", "")) for b in buttons]))
        await self._send(recipient_id, text, reply_markup=keyboard)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        recipient_id = native_id(recipient_id, self.name())
        try:
            await with_flood_control(lambda: self.bot.send_photo(recipient_id, photo=image))
        except TelegramError as exc:
            logger.warning("Telegram: could not send an image to chat %s: %s", mask(recipient_id), exc)

    async def ask_location(self, recipient_id: str, json_message: Dict[str, Any],
                           question: Optional[str] = None) -> None:
        """The question (or a hint) with a reply keyboard whose button shares the user's location."""
        recipient_id = native_id(recipient_id, self.name())
        language = json_message.get("language") or self.languages.get(recipient_id, VI)
        language = EN if language == EN else VI
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(SHARE_LOCATION[language], request_location=True)]],
            resize_keyboard=True, one_time_keyboard=True)
        await self.send_split(recipient_id, question or SHARE_LOCATION_HINT[language],
                              lambda last: self._send(recipient_id, last, reply_markup=keyboard))
        self.location_keyboards[recipient_id] = True


def chat_id(value: Any) -> str:
    """A Telegram chat or user id (an integer) as a sender id; anything else is a malformed update."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("chat id")
    return str(value)


def telegram_inbound(update: Update, payloads: ButtonPayloads) -> Optional[Inbound]:
    """What a Telegram update means for the assistant (None: nothing to do, e.g. an edited message).
    ValueError for shapes Telegram never sends (python-telegram-bot does not check types)."""
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is None and query.from_user is None:
            raise ValueError("callback_query without message or from")
        if query.data is not None and not isinstance(query.data, str):
            raise ValueError("callback_query data")
        # Without its message (too old, or inline) the button is answered in the user's private chat.
        chat = chat_id(query.message.chat.id if query.message is not None else query.from_user.id)
        language = app_language(query.from_user.language_code if query.from_user else None)
        payload = payloads.decode(query.data or "")
        item = Inbound(key=str(update.update_id), sender_id=chat, language=language,
                       metadata={"telegram": {"update_id": update.update_id, "callback_query_id": query.id}})
        if payload is None:
            item.reply = EXPIRED_BUTTON[language]
        else:
            item.text = payload
        return item
    message = update.message
    if message is None:
        return None
    language = app_language(message.from_user.language_code if message.from_user else None)
    if message.text is not None and not isinstance(message.text, str):
        raise ValueError("message text")
    item = Inbound(key=str(update.update_id), sender_id=chat_id(message.chat.id), language=language,
                   metadata={"telegram": {"update_id": update.update_id, "message_id": message.message_id,
                                          "language_code": message.from_user.language_code
                                          if message.from_user else None}})
    if message.location is not None:
        coordinates = valid_coordinates(message.location.latitude, message.location.longitude)
        item.text = location_text(*coordinates) if coordinates else None
        item.reply = None if coordinates else UNSUPPORTED[language]
    elif message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        item.text = photo_text(largest.file_id)
    elif message.text:
        text = message.text.strip()
        command = text.split()[0].split("@")[0] if text.startswith("/") else None
        item.text = greeting_text(language) if command == "/start" else text
    else:  # stickers, voice, video, documents, contacts, polls…
        item.reply = UNSUPPORTED[language]
    return item


class TelegramInput(WebhookInput):
    """Telegram bot webhook at /webhooks/telegram/webhook."""

    variables = "TELEGRAM_BOT_TOKEN"

    def __init__(self, settings: TelegramSettings) -> None:
        super().__init__()
        self.settings = settings
        self.bot = make_bot(settings)
        self.payloads = ButtonPayloads()
        self.languages = BoundedMap(capacity=50_000)
        self.location_keyboards = BoundedMap(capacity=50_000)

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_settings(cls, settings: Settings) -> "TelegramInput":
        return cls(settings.telegram)

    def authentic(self, request: Request, payload: Dict[str, Any]) -> bool:
        return secrets_match(self.settings.webhook_secret, request.headers.get(SECRET_HEADER))

    def inbound(self, payload: Dict[str, Any]) -> Iterable[Inbound]:
        if not isinstance(payload.get("update_id"), int):
            raise ValueError("update_id")
        item = telegram_inbound(Update.de_json(payload, self.bot), self.payloads)
        if item is not None:
            self.languages[item.sender_id] = item.language
            yield item

    def output_for(self, item: Optional[Inbound]) -> TelegramOutput:
        return TelegramOutput(self.bot, self.payloads, self.languages, self.location_keyboards)

    async def process(self, item: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        query_id = item.metadata.get("telegram", {}).get("callback_query_id")
        if query_id is not None:  # stops the spinner on the tapped button
            try:
                await with_flood_control(lambda: self.bot.answer_callback_query(query_id))
            except TelegramError as exc:
                logger.warning("Telegram: could not answer a callback query: %s", exc)
        await super().process(item, on_new_message)


def make_bot(settings: TelegramSettings) -> Bot:
    redact_in_logs([settings.bot_token, settings.webhook_secret])
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        return Bot(settings.bot_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    return Bot(settings.bot_token)


# --- developer commands ---


async def set_webhook(settings: TelegramSettings, url: str) -> None:
    async with make_bot(settings) as bot:
        await bot.set_webhook(url, secret_token=settings.webhook_secret,
                              allowed_updates=["message", "callback_query"])
        info = await bot.get_webhook_info()
        print(f"Webhook set: {info.url} (pending updates: {info.pending_update_count})")


async def poll(settings: TelegramSettings, webhook_url: str, stop_after: Optional[int] = None) -> int:
    """Long polling for development: fetch updates from Telegram and POST each one to our own
    webhook (with the secret), so exactly the production code path handles them."""
    import httpx

    forwarded = 0
    async with make_bot(settings) as bot, httpx.AsyncClient(timeout=60) as client:
        await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        offset = None
        print(f"Polling Telegram; forwarding updates to {webhook_url} (Ctrl-C to stop)")
        while stop_after is None or forwarded < stop_after:
            updates = await with_flood_control(
                lambda: bot.get_updates(offset=offset, timeout=20, allowed_updates=["message", "callback_query"]))
            for update in updates:
                offset = update.update_id + 1
                reply = await client.post(webhook_url, json=update.to_dict(),
                                          headers={SECRET_HEADER: settings.webhook_secret})
                if reply.status_code != 200:
                    logger.warning("The webhook answered %s to update %s", reply.status_code, update.update_id)
                forwarded += 1
    return forwarded


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.telegram", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("set-webhook", help="register URL as the bot's webhook, with the secret")
    register.add_argument("url")
    polling = commands.add_parser("poll", help="long-poll Telegram and forward to the local webhook")
    polling.add_argument("--webhook-url", default=None,
                         help="default: http://RASA_HOST:RASA_PORT/webhooks/telegram/webhook")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"Configuration error: {exc}")
        return 2
    if settings.telegram is None:
        print("Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first (see README, Channels).")
        return 2
    url = args.webhook_url or f"http://{settings.rasa_host}:{settings.rasa_port}/webhooks/telegram/webhook"
    try:
        if args.command == "set-webhook":
            asyncio.run(set_webhook(settings.telegram, args.url))
        else:
            asyncio.run(poll(settings.telegram, url))
    except InvalidToken:  # its message would print the token: say it without
        print("Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather).")
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
