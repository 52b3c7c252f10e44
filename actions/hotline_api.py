"""The action server's internal API for the hotline console (a Sanic blueprint under /hotline-api).

The Rasa server's hotline channel cannot import the search engine (torch lives in this environment
only), so it asks here: knowledge suggestions, calls and their summaries, suggestion feedback, reports
filed for a caller, and the supervisor dashboard's figures. Every route needs the shared internal token
(`Authorization: Bearer …`, `Settings.api_token()`); the action server listens on loopback.
"""
from __future__ import annotations

import functools
import hmac
import logging
from typing import Callable, Optional

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from actions import services
from actions.hotline_store import MAX_TOPICS, VERDICTS, HotlineStore, UnknownCall
from actions.knowledge_answer import HOTLINE_CHANNEL as CHANNEL
from actions.reports import CATEGORY_BY_CODE, mask_phone, normalize_phone, trim_description
from actions.store import InvalidInput, NewReport
from bot.identity import qualify
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
MAX_QUERY_CHARS = 500
MAX_ID_CHARS = 64
MAX_DAYS = 90


class BadRequest(ValueError):
    pass


def error(status: int, message: str) -> HTTPResponse:
    return json({"error": message}, status=status)


def text_field(body: dict, name: str, limit: int, required: bool = True) -> Optional[str]:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    value = value.strip().replace("\x00", "")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    return value


def id_field(body: dict, name: str, limit: int = MAX_ID_CHARS, required: bool = True) -> Optional[str]:
    """An identifier (call id, agent, key, entry id): text without control characters."""
    value = text_field(body, name, limit, required)
    if value is not None and not value.isprintable():
        raise BadRequest(f"{name} must not contain control characters")
    return value


def language_field(body: dict) -> Optional[str]:
    language = body.get("language")
    if language in (None, ""):
        return None
    if language not in ("vi", "en"):
        raise BadRequest("language must be vi or en")
    return language


def phone_field(body: dict) -> Optional[str]:
    """The caller's phone in E.164, or None when not given; a number that is not Vietnamese is refused."""
    raw = text_field(body, "phone", 32, required=False)
    phone = normalize_phone(raw) if raw else None
    if raw and phone is None:
        raise BadRequest("phone is not a Vietnamese phone number")
    return phone


def read_json(request: Request) -> dict:
    try:
        body = request.json
    except Exception as exc:  # noqa: BLE001 - Sanic raises its own parse error type
        raise BadRequest("body must be JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def call_topic(suggestions) -> Optional[str]:
    """A caller's utterance adds the knowledge entry it was about to the call's topics."""
    return suggestions.items[0].entry_id if suggestions.answered and suggestions.items else None


def hotline_api(settings: Settings) -> Blueprint:
    token = settings.api_token()
    bp = Blueprint("hotline_api", url_prefix="/hotline-api")

    def records() -> HotlineStore:
        store = services.current().store
        if store is None:
            raise RuntimeError("the report store is not open")
        return HotlineStore(store)

    @bp.on_request
    async def authorize(request: Request):
        given = request.headers.get("authorization", "")
        # surrogatepass: header bytes that are not UTF-8 must fail the check, not raise (a 500).
        if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), f"Bearer {token}".encode()):
            return error(401, "missing or wrong internal token")
        if len(request.body or b"") > MAX_BODY_BYTES:
            return error(413, f"body over {MAX_BODY_BYTES} bytes")

    def handler(route: Callable) -> Callable:
        """Turns bad input into 400, unknown calls into 404 (each with a JSON error)."""
        @functools.wraps(route)
        async def wrapped(request: Request, *args, **kwargs):
            try:
                return await route(request, *args, **kwargs)
            except (BadRequest, InvalidInput) as exc:  # InvalidInput: a value the store cannot keep
                return error(400, str(exc))
            except UnknownCall:
                return error(404, "no such call")
        return wrapped

    @bp.post("/search")
    @handler
    async def search(request: Request) -> HTTPResponse:
        from knowledge.suggest import suggest

        body = read_json(request)
        query = text_field(body, "query", MAX_QUERY_CHARS)
        language = language_field(body)
        call_id = id_field(body, "call_id", required=False)
        k = body.get("k", 3)
        if not isinstance(k, int) or not 1 <= k <= 10:
            raise BadRequest("k must be an integer from 1 to 10")
        engine = services.current().knowledge
        if engine is None:
            return error(503, "knowledge index not loaded")
        result = await services.in_executor(suggest, engine, query, language, k)
        if call_id:  # a caller's utterance (not the agent's own search): part of the call and the log
            hotline = records()
            await services.in_executor(hotline.record_utterance, call_id, call_topic(result))
            best = result.items[0].entry_id if result.items else None
            await services.in_executor(hotline.log_question, CHANNEL, result.language, best, result.answered,
                              result.confidence)
        return json(result.as_json())

    @bp.post("/calls")
    @handler
    async def start_call(request: Request) -> HTTPResponse:
        body = read_json(request)
        call_id = id_field(body, "call_id")
        agent = id_field(body, "agent")
        phone = phone_field(body)
        summary = await services.in_executor(records().start_call, call_id, agent, phone)
        return json(summary.as_json(), status=201)

    @bp.get("/calls/<call_id>")
    @handler
    async def get_call(request: Request, call_id: str) -> HTTPResponse:
        summary = await services.in_executor(records().call_summary, call_id)
        if summary is None:
            raise UnknownCall(call_id)
        return json(summary.as_json())

    @bp.post("/calls/<call_id>/end")
    @handler
    async def end_call(request: Request, call_id: str) -> HTTPResponse:
        body = read_json(request) if request.body else {}
        intents = body.get("intents", [])
        if not isinstance(intents, list) or not all(isinstance(i, str) and len(i) <= 64 for i in intents):
            raise BadRequest("intents must be a list of intent names")
        return json((await services.in_executor(records().end_call, call_id, intents[:MAX_TOPICS])).as_json())

    @bp.post("/feedback")
    @handler
    async def feedback(request: Request) -> HTTPResponse:
        body = read_json(request)
        call_id = id_field(body, "call_id")
        agent = id_field(body, "agent")
        entry_id = id_field(body, "entry_id", 96)
        verdict = body.get("verdict")
        if verdict not in VERDICTS:
            raise BadRequest(f"verdict must be one of {', '.join(VERDICTS)}")
        engine = services.current().knowledge
        if engine is not None and entry_id not in engine.index.entries:
            raise BadRequest("unknown entry_id")
        await services.in_executor(records().record_suggestion_feedback, call_id, agent, entry_id, verdict)
        return json({"call_id": call_id, "entry_id": entry_id, "verdict": verdict}, status=201)

    @bp.post("/reports")
    @handler
    async def file_report(request: Request) -> HTTPResponse:
        body = read_json(request)
        call_id = id_field(body, "call_id")
        key = id_field(body, "key")
        category = body.get("category")
        if category not in CATEGORY_BY_CODE:
            raise BadRequest("unknown category")
        description, _trimmed = trim_description(text_field(body, "description", 8000))
        place = text_field(body, "location_text", 300, required=False)
        phone = phone_field(body)
        hotline = records()
        call = await services.in_executor(hotline.call_summary, call_id)
        if call is None:
            raise UnknownCall(call_id)
        store = services.current().store
        report, created = await services.in_executor(store.submit_report, NewReport(
            idempotency_key=f"hotline:{call_id}:{key}", sender_id=qualify(CHANNEL, call_id),
            category=category, description=description, channel=CHANNEL, language=language_field(body) or "vi",
            location_text=place, phone=phone))
        await services.in_executor(hotline.record_report, call_id, report.code)
        logger.info("hotline report %s for call %s (phone %s)", report.code, call_id, mask_phone(phone))
        return json({"code": report.code, "created": created, "category": report.category,
                     "status": report.status}, status=201 if created else 200)

    @bp.get("/dashboard")
    @handler
    async def dashboard(request: Request) -> HTTPResponse:
        try:
            days = int(request.args.get("days", 14))
        except ValueError as exc:
            raise BadRequest("days must be an integer") from exc
        if not 1 <= days <= MAX_DAYS:
            raise BadRequest(f"days must be from 1 to {MAX_DAYS}")
        return json(await services.in_executor(records().dashboard, days))

    return bp
