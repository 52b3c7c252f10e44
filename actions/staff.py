"""The staff side of reports: change a report's status with a note, then tell every follower in
their own conversation through Rasa's HTTP API (trigger_intent), on the channel they last used.

A follower who cannot be reached (Rasa down, unknown conversation) never undoes the change: the
history keeps it, the reply to staff says who was not told, and the log says why.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import httpx
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actions import services
from actions.open311 import CHANNEL as OPEN311_CHANNEL
from actions.open311 import Open311Error, error_reply, key_allowed, open311_status, reply
from actions.reports import STATUS_TRANSITIONS
from actions.store import Follower, InvalidTransition, StatusChanged, UnknownReport
from bot.settings import Settings

logger = logging.getLogger(__name__)

NOTIFY_INTENT = "EXTERNAL_report_status_changed"
NOTIFY_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # Rasa runs the notifying action before it answers
MAX_NOTE_CHARS = 2000


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


def trigger_params(settings: Settings) -> Dict[str, str]:
    """Rasa answers on the channel the user last wrote from; its API token goes in the query."""
    params = {"output_channel": "latest"}
    if settings.rasa_auth_token:
        params["token"] = settings.rasa_auth_token
    return params


async def notify_follower(client: httpx.AsyncClient, settings: Settings, code: str,
                          follower: Follower) -> bool:
    """Triggers the status-change intent in the follower's conversation; True when Rasa took it."""
    try:
        response = await client.post(trigger_url(settings, follower.sender_id), params=trigger_params(settings),
                                     json={"name": NOTIFY_INTENT, "entities": {"report_code": code}})
    except httpx.HTTPError as exc:  # the URL is not logged: it may carry the token
        logger.warning("report %s: follower %s (%s) not notified: %s", code, masked(follower.sender_id),
                       follower.channel, type(exc).__name__)
        return False
    if response.status_code != 200:
        logger.warning("report %s: follower %s (%s) not notified: Rasa answered %s", code,
                       masked(follower.sender_id), follower.channel, response.status_code)
        return False
    return True


async def notify_followers(settings: Settings, changed: StatusChanged) -> List[Dict[str, Any]]:
    """Tells every chat follower (Open311 clients have no conversation); one line per follower."""
    followers = [f for f in changed.followers if f.channel != OPEN311_CHANNEL]
    async with httpx.AsyncClient(timeout=NOTIFY_TIMEOUT) as client:
        delivered = await asyncio.gather(*(notify_follower(client, settings, changed.report.code, f)
                                           for f in followers))
    return [{"follower": masked(f.sender_id), "channel": f.channel, "notified": ok}
            for f, ok in zip(followers, delivered)]


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
        notified = await notify_followers(settings, changed)
        return reply({"service_request_id": changed.report.code, "status": changed.report.status,
                      "open311_status": open311_status(changed.report.status), "note": wanted.note,
                      "followers": notified})

    return bp
