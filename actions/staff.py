"""The staff side of reports: change a report's status with a note, then tell every follower in
their own conversation through Rasa's HTTP API (trigger_intent), on the channel they last used.

A follower who cannot be reached (Rasa down, unknown conversation) never undoes the change: the
history keeps it, the reply to staff says who was not told yet, and the log says why. Each notice is
written to `report_notifications` in the change's own transaction and retried by the action server's
background task (`retry_notifications_forever`) with a growing delay until Rasa takes it.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import httpx
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actions import services
from actions.open311 import Open311Error, error_reply, key_allowed, open311_status, reply
from actions.reports import STATUS_TRANSITIONS
from actions.store import InvalidTransition, Notification, StatusChanged, Store, UnknownReport
from bot.identity import channel_of
from bot.settings import Settings

logger = logging.getLogger(__name__)

NOTIFY_INTENT = "EXTERNAL_report_status_changed"
NOTIFY_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # Rasa runs the notifying action before it answers
MAX_NOTE_CHARS = 2000
MAX_BODY_BYTES = 32 * 1024  # a 2000-character note, even fully \u-escaped, fits
RETRY_INTERVAL_S = 30.0  # how often the action server looks for notices to retry


def masked(sender_id: str) -> str:
    """For logs and staff replies: a sender id may be a phone number (hotline), so only its last
    four characters show."""
    return "***" + sender_id[-4:] if len(sender_id) > 8 else "***"


class RedactRasaUrls(logging.Filter):
    """httpx logs every request's URL at INFO; URLs to Rasa carry its token and the conversation
    id, which may be a phone number (hotline). Both are masked."""

    TOKEN = re.compile(r"(token=)[^&\s\"']+")
    CONVERSATION = re.compile(r"(/conversations/)([^/?\s]+)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message or "/conversations/" in message:
            message = self.TOKEN.sub(r"\1***", message)
            message = self.CONVERSATION.sub(lambda m: m.group(1) + masked(m.group(2)), message)
            record.msg, record.args = message, ()
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, RedactRasaUrls) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(RedactRasaUrls())


@dataclass(frozen=True)
class StatusRequest:
    status: str
    note: Optional[str]


def status_request(body: Any) -> StatusRequest:
    """The JSON body {"status": …, "note": …}, or Open311Error(400)."""
    if not isinstance(body, dict):
        raise Open311Error(400, 'the body must be a JSON object {"status": …, "note": …}')
    status, note = body.get("status"), body.get("note")
    if status not in STATUS_TRANSITIONS or status == "received":
        raise Open311Error(400, "status must be one of in_progress, resolved, rejected")
    if note is not None and not isinstance(note, str):
        raise Open311Error(400, "note must be text")
    if note and len(note) > MAX_NOTE_CHARS:
        raise Open311Error(400, f"note is longer than {MAX_NOTE_CHARS} characters")
    return StatusRequest(status, (note or "").strip() or None)


# Rasa's route takes the conversation id as a raw path (it does not percent-decode it), so every
# character a path allows stays as it is ("+84…" of the hotline must reach Rasa as "+84…").
PATH_SAFE = "/+:@!$&'()*,;=-._~"


def trigger_url(settings: Settings, sender_id: str) -> str:
    return f"{settings.rasa_base_url}/conversations/{quote(sender_id, safe=PATH_SAFE)}/trigger_intent"


def trigger_params(settings: Settings, sender_id: str = "") -> Dict[str, str]:
    """Rasa answers on the conversation's own channel (its id is qualified by channel: bot/identity.py;
    an id from before qualification: the channel the user last wrote from); its API token goes in the
    query."""
    params = {"output_channel": channel_of(sender_id) or "latest"}
    if settings.rasa_auth_token:
        params["token"] = settings.rasa_auth_token
    return params


# Channels that push to the user (Rasa sends through them on its own). For the others (REST, the
# hotline console) Rasa collects the reply into the conversation, where the client reads it.
PUSH_CHANNELS = ("telegram", "zalo")


def channel_took_it(notice: Notification, response: httpx.Response) -> bool:
    """Rasa answers 200 even when it did not know the conversation's channel (a tracker lost in a
    restart): it then collects the reply and returns it as "messages" instead of sending it. A push
    follower's notice counts as delivered only when Rasa sent it through the channel (a channel that
    fails to send makes Rasa answer 500)."""
    if notice.channel not in PUSH_CHANNELS:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    tracker = body.get("tracker") or {}
    return "messages" not in body and tracker.get("latest_input_channel") == notice.channel


async def notify_follower(client: httpx.AsyncClient, settings: Settings,
                          notice: Notification) -> Tuple[bool, Optional[str]]:
    """Triggers the status-change intent in the follower's conversation: (taken by Rasa, why not)."""
    try:
        response = await client.post(trigger_url(settings, notice.sender_id), params=trigger_params(settings, notice.sender_id),
                                     json={"name": NOTIFY_INTENT, "entities": {"report_code": notice.report_code}})
    except httpx.HTTPError as exc:  # the URL is not logged: it may carry the token
        error = type(exc).__name__
    else:
        if response.status_code == 200 and channel_took_it(notice, response):
            return True, None
        error = (f"Rasa answered {response.status_code}" if response.status_code != 200
                 else f"Rasa has no {notice.channel} conversation for this follower")
    logger.warning("report %s: follower %s (%s) not notified (attempt %d): %s", notice.report_code,
                   masked(notice.sender_id), notice.channel, notice.attempts + 1, error)
    return False, error


async def deliver(settings: Settings, store: Store, notices: List[Notification],
                  now: Optional[dt.datetime] = None) -> List[bool]:
    """One attempt per notice, each recorded in the store (delivered, or scheduled again from `now`)."""
    if not notices:
        return []
    async with httpx.AsyncClient(timeout=NOTIFY_TIMEOUT) as client:
        outcomes = await asyncio.gather(*(notify_follower(client, settings, n) for n in notices))
    for notice, (ok, error) in zip(notices, outcomes):
        await services.in_executor(store.record_delivery, notice.id, ok, error, now, settings.notice_retry_s)
    return [ok for ok, _ in outcomes]


async def notify_followers(settings: Settings, store: Store, changed: StatusChanged) -> List[Dict[str, Any]]:
    """Tells every chat follower now (Open311 clients have no conversation); one line per follower.
    Who was not reached is retried by `retry_due_notifications`."""
    delivered = await deliver(settings, store, changed.notifications)
    return [{"follower": masked(n.sender_id), "channel": n.channel, "notified": ok, "will_retry": not ok}
            for n, ok in zip(changed.notifications, delivered)]


async def retry_due_notifications(settings: Settings, store: Store,
                                  now: Optional[dt.datetime] = None) -> int:
    """One pass over the notices whose next try is due; returns how many were delivered."""
    due = await services.in_executor(store.due_notifications, now)
    claimed = [n for n in due if await services.in_executor(store.claim_notification, n.id, now)]
    return sum(await deliver(settings, store, claimed, now))


async def retry_notifications_forever(interval_s: float = RETRY_INTERVAL_S) -> None:
    """The action server's background task: retries undelivered status notices every `interval_s`."""
    while True:
        try:
            await asyncio.sleep(interval_s)
        except asyncio.CancelledError:
            return  # the server is stopping between passes: nothing cut off, nothing to warn about
        current = services.current()
        if current is None or current.store is None:
            continue
        try:
            delivered = await retry_due_notifications(current.settings, current.store)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
            logger.exception("retrying report notices failed; trying again in %s s", interval_s)
            continue
        if delivered:
            logger.info("delivered %d delayed report notice(s)", delivered)


def blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix="/staff")

    @bp.exception(Open311Error)
    async def on_error(request: Request, error: Open311Error) -> HTTPResponse:
        response = error_reply(error)
        if error.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="staff"'
        return response

    @bp.post("/reports/<code>/status")
    async def change_status(request: Request, code: str) -> HTTPResponse:
        settings = services.current().settings
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        if not settings.staff_api_keys:
            raise Open311Error(401, "staff API keys are not configured on this server (STAFF_API_KEYS)")
        if scheme.lower() != "bearer" or not key_allowed(given.strip(), settings.staff_api_keys):
            raise Open311Error(401, "Authorization: Bearer <staff key> is missing or invalid")
        if len(request.body or b"") > MAX_BODY_BYTES:
            raise Open311Error(413, f"the request body is over {MAX_BODY_BYTES} bytes")
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - Sanic raises its own BadRequest for malformed JSON
            body = None
        wanted = status_request(body)
        store = services.current().store
        try:
            changed = await services.in_executor(store.change_status, code, wanted.status, wanted.note)
        except UnknownReport:
            raise Open311Error(404, f"report {code} not found")
        except InvalidTransition as exc:
            raise Open311Error(400, f"status change refused: {exc}")
        notified = await notify_followers(settings, store, changed)
        return reply({"service_request_id": changed.report.code, "status": changed.report.status,
                      "open311_status": open311_status(changed.report.status), "note": wanted.note,
                      "followers": notified})

    return bp
