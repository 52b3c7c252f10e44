"""Zalo Official Account as a Rasa input/output channel, sending through zalo-sdk's OA client.

zalo-sdk is synchronous (requests), so every call runs in a small thread pool, never on Rasa's
event loop. The OA access token lasts 25 hours and is refreshed with the single-use refresh token,
which is persisted (channels/token_store.py) before it is used.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional

import requests
import zalo_sdk
from sanic.request import Request
from zalo_sdk.oa import ZaloAttachment, ZaloMessageBody, ZaloRecipient

from bot.identity import native_id
from bot.settings import Settings, ZaloSettings
from channels.base import (
    UNSUPPORTED,
    VI,
    Inbound,
    SplittingOutput,
    WebhookInput,
    greeting_text,
    location_text,
    mask,
    photo_text,
    redact_in_logs,
    secrets_match,
    valid_coordinates,
)
from channels.token_store import OATokens, TokenStore, open_token_store

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
TOKEN_ERRORS = {-216, -220}  # invalid / expired access token: refresh once, then retry
WINDOW_ERRORS = {-230, -232}  # the user is outside the interaction window: not deliverable now
REFRESH_MARGIN = 30 * 60  # seconds before expiry at which the access token is renewed
UNSUPPORTED_EVENTS = {"user_send_file", "user_send_sticker", "user_send_gif", "user_send_audio",
                      "user_send_video", "user_send_business_card"}


def zalo_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's webhook signature: "mac=" + SHA-256 hex of app id + raw body + timestamp + OA secret key
    (a plain hash, not an HMAC; the timestamp is the `timestamp` field of the JSON body)."""
    signed = app_id.encode("utf-8") + body + timestamp.encode("utf-8") + oa_secret_key.encode("utf-8")
    return "mac=" + hashlib.sha256(signed).hexdigest()


ZALO_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # user and message ids are a few dozen such characters


def zalo_id(value: Any, name: str) -> str:
    """A Zalo user or message id (text or a number); ValueError for anything else."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not ZALO_ID.fullmatch(text):
        raise ValueError(name)
    return text


def _object(value: Any, name: str) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(name)
    return value


def event_is_fresh(timestamp: Any, max_age_s: float, now: Optional[float] = None) -> bool:
    """Whether an event's `timestamp` (epoch milliseconds, as Zalo sends it) is within `max_age_s` of
    now, either way: the signature covers the timestamp, so a captured event cannot be made young."""
    try:
        sent = int(str(timestamp)) / 1000
    except (ValueError, OverflowError):
        return False
    return abs((time.time() if now is None else now) - sent) <= max_age_s


def zalo_inbound(payload: Dict[str, Any]) -> List[Inbound]:
    """What a Zalo webhook event means for the assistant ([] for events it ignores); ValueError for
    shapes Zalo never sends (a `message` that is a string, an id that is an object…)."""
    event = payload.get("event_name")
    timestamp = str(payload.get("timestamp", ""))
    if event == "follow":
        user = zalo_id(_object(payload.get("follower"), "follower").get("id"), "follower id")
        return [Inbound(key=f"follow:{user}:{timestamp}", sender_id=user, text=greeting_text(VI),
                        metadata={"zalo": {"event": event}})]
    if not (isinstance(event, str) and event.startswith("user_send_")):
        return []  # unfollow, oa_send_* echoes of our own messages, seen/received receipts…
    user = zalo_id(_object(payload.get("sender"), "sender").get("id"), "sender id")
    message = _object(payload.get("message"), "message")
    msg_id = zalo_id(message["msg_id"], "msg_id") if message.get("msg_id") else f"{event}:{user}:{timestamp}"

    def item(index: int = 0, **kwargs: Any) -> Inbound:
        key = msg_id if index == 0 else f"{msg_id}#{index}"
        return Inbound(key=key, sender_id=user, metadata={"zalo": {"event": event, "msg_id": msg_id}}, **kwargs)

    attachments = message.get("attachments") or []
    if not isinstance(attachments, list):
        raise ValueError("attachments")
    attachments = [a for a in attachments if isinstance(a, dict)]
    if event == "user_send_text":
        text = message.get("text") or ""
        if not isinstance(text, str):
            raise ValueError("text")
        text = text.strip()
        return [item(text=text)] if text else []
    if event == "user_send_location":
        payload_of = _object(attachments[0].get("payload"), "payload") if attachments else {}
        coordinates = _object(payload_of.get("coordinates"), "coordinates")
        position = valid_coordinates(coordinates.get("latitude"), coordinates.get("longitude"))
        return [item(text=location_text(*position))] if position else [item(reply=UNSUPPORTED[VI])]
    if event == "user_send_image":
        urls = [_object(a.get("payload"), "payload").get("url") for a in attachments]
        return [item(i, text=photo_text(url)) for i, url in enumerate(u for u in urls if isinstance(u, str) and u)]
    if event in UNSUPPORTED_EVENTS:
        return [item(reply=UNSUPPORTED[VI])]
    return []


class OAClient(zalo_sdk.oa.Client):
    """zalo-sdk's OA client with a timeout on every request and a configurable OAuth host (the SDK
    has no timeouts and hard-codes https://oauth.zaloapp.com for refreshes)."""

    def __init__(self, settings: ZaloSettings, tokens: OATokens, timeout: float = 15.0) -> None:
        super().__init__(settings.app_id, settings.app_secret, access_token=tokens.access_token or "",
                         refresh_token=tokens.refresh_token, endpoint_prefix=settings.api_base_url)
        self.oauth_prefix = settings.oauth_base_url
        self.timeout = timeout
        self.session = requests.Session()

    def send_request(self, method: str, url: str, body: Optional[dict] = None, params: Optional[dict] = None,
                     headers: Optional[dict] = None, files: Any = None) -> requests.Response:
        if method != "POST":  # the channel only sends messages
            raise ValueError(f"unsupported method {method}")
        return self.session.post(url, json=body or {}, files=files, headers=headers or {}, timeout=self.timeout)

    def refresh_acccess_token(self):  # noqa: D102 - the SDK's name, spelling included
        response = self.session.post(
            f"{self.oauth_prefix}/v4/oa/access_token",
            data={"refresh_token": self.refresh_token, "app_id": self._app_id, "grant_type": "refresh_token"},
            headers={"secret_key": self._secret_key}, timeout=self.timeout)
        self.check_http_error(response)
        answer = response.json()
        self.check_zalo_oa_error(answer)
        self.check_and_set_token(answer)
        return self.access_token, self.refresh_token, self._expire_at


class ZaloOA:
    """Synchronous sending with token upkeep; call it from a thread (ZaloOutput does)."""

    def __init__(self, settings: ZaloSettings, store: TokenStore) -> None:
        self.settings = settings
        self.store = store
        stored = store.load(settings.app_id)
        if stored is not None and stored.seed == settings.refresh_token:
            self.tokens = stored
        else:  # first start, or the operator authorised again with a new refresh token
            self.tokens = OATokens(settings.access_token, settings.refresh_token, 0, seed=settings.refresh_token)
        self.client = OAClient(settings, self.tokens)
        redact_in_logs([settings.app_secret, settings.oa_secret_key, settings.refresh_token,
                        self.tokens.access_token, self.tokens.refresh_token])
        self.stats: Counter = Counter()
        self._lock = threading.Lock()

    def refresh(self, stale: Optional[str]) -> None:
        """Exchange the refresh token for new tokens, unless another thread already replaced `stale`."""
        with self._lock:
            if self.tokens.access_token != stale:
                return
            try:
                access, refresh, expires_at = self.client.refresh_acccess_token()
            except Exception:
                self.stats["refresh_failed"] += 1
                # Restore what we had: a failed refresh must not leave half-set tokens behind.
                self.client.access_token = self.tokens.access_token or ""
                self.client.refresh_token = self.tokens.refresh_token
                raise
            self.tokens = OATokens(access, refresh, float(expires_at), seed=self.tokens.seed)
            redact_in_logs([access, refresh])
            self.stats["refreshed"] += 1
            try:
                self.store.save(self.settings.app_id, self.tokens)
            except Exception as exc:  # noqa: BLE001 - sending can go on with the tokens in memory
                self.stats["token_not_saved"] += 1
                logger.error("Zalo: the new refresh token could not be saved (%s); after a restart the "
                             "OA must be authorised again unless it is saved by a later refresh",
                             type(exc).__name__)
            logger.info("Zalo: access token refreshed (valid until %s)",
                        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(expires_at)))

    def _needs_refresh(self) -> bool:
        expires_at = self.tokens.expires_at
        return not self.tokens.access_token or (expires_at and time.time() > expires_at - REFRESH_MARGIN)

    def send(self, user_id: str, text: Optional[str] = None, template: Optional[dict] = None) -> bool:
        """Send one message; False (logged and counted) when it could not be delivered."""
        body = ZaloMessageBody(text=text, attachment=ZaloAttachment("template", template) if template else None)
        for attempt in (1, 2):
            used = self.tokens.access_token
            try:
                if self._needs_refresh():
                    self.refresh(stale=used)
                self.client.send_message(ZaloRecipient(user_id=user_id), body)
                self.stats["sent"] += 1
                return True
            except zalo_sdk.ZaloOAException as exc:
                code = getattr(exc, "_code", None)
                if code in TOKEN_ERRORS and attempt == 1:
                    logger.info("Zalo: access token rejected (%s); refreshing", code)
                    self._force_refresh(used)
                    continue
                key = "outside_window" if code in WINDOW_ERRORS else "failed"
                self.stats[key] += 1
                logger.warning("Zalo: message to %s not delivered: %s", mask(user_id), exc)
                return False
            except Exception as exc:  # noqa: BLE001 - network, HTTP or refresh failures
                self.stats["failed"] += 1
                logger.error("Zalo: message to %s failed: %s", mask(user_id), type(exc).__name__)
                return False
        return False

    def _force_refresh(self, stale: Optional[str]) -> None:
        try:
            self.refresh(stale=stale)
        except Exception as exc:  # noqa: BLE001 - counted in refresh(); the retry will fail and be counted
            logger.error("Zalo: token refresh failed: %s", type(exc).__name__)


class ZaloOutput(SplittingOutput):
    """Sends Rasa's replies to one Zalo user through the OA (`/v3.0/oa/message/cs`)."""

    text_limit = TEXT_LIMIT

    def __init__(self, oa: ZaloOA, executor: ThreadPoolExecutor) -> None:
        self.oa = oa
        self.executor = executor

    @classmethod
    def name(cls) -> str:
        return "zalo"

    async def _send(self, user_id: str, text: Optional[str] = None, template: Optional[dict] = None) -> bool:
        loop = asyncio.get_running_loop()
        user_id = native_id(user_id, self.name())
        return await loop.run_in_executor(self.executor, functools.partial(self.oa.send, user_id, text, template))

    async def send_part(self, recipient_id: str, text: str) -> None:
        await self._send(recipient_id, text)

    async def send_part_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        zalo_buttons = [
            {"title": str(b.get("title", ""))[:BUTTON_TITLE_LIMIT] or "…", "type": "oa.query.hide",
             "payload": str(b.get("payload", ""))[:BUTTON_PAYLOAD_LIMIT]}
            for b in buttons
        ]
        for start in range(0, len(zalo_buttons), MAX_BUTTONS):
            await self._send(recipient_id, text if start == 0 else "…",
                             {"buttons": zalo_buttons[start:start + MAX_BUTTONS]})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, template={
            "template_type": "media", "elements": [{"media_type": "image", "url": image}]})


class ZaloInput(WebhookInput):
    """Zalo OA webhook at /webhooks/zalo/webhook."""

    forged_status = 401
    variables = "ZALO_APP_ID"

    def __init__(self, settings: ZaloSettings, store: TokenStore) -> None:
        super().__init__()
        self.settings = settings
        self.oa = ZaloOA(settings, store)
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="zalo-send")

    @classmethod
    def name(cls) -> str:
        return "zalo"

    @classmethod
    def from_settings(cls, settings: Settings) -> "ZaloInput":
        return cls(settings.zalo, open_token_store(settings))

    def authentic(self, request: Request, payload: Dict[str, Any]) -> bool:
        expected = zalo_signature(self.settings.app_id, request.body, str(payload.get("timestamp", "")),
                                  self.settings.oa_secret_key)
        return secrets_match(expected, request.headers.get(SIGNATURE_HEADER))

    def fresh(self, payload: Dict[str, Any]) -> bool:
        return event_is_fresh(payload.get("timestamp"), self.settings.max_event_age_s)

    def inbound(self, payload: Dict[str, Any]) -> Iterable[Inbound]:
        return zalo_inbound(payload)

    def output_for(self, item: Optional[Inbound]) -> ZaloOutput:
        return ZaloOutput(self.oa, self.executor)

    def health(self) -> Dict[str, Any]:
        return {"status": "ok", **self.oa.stats}
