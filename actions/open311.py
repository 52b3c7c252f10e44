"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) for the city's back office: pure
translations between our reports and the spec's services / service requests, then the Sanic routes
(JSON only) that the action server mounts under /open311/v2.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlparse

from sanic import Blueprint, Request
from sanic.exceptions import SanicException
from sqlalchemy.exc import SQLAlchemyError
from sanic.response import HTTPResponse, json as json_response

from actions import services
from actions.reports import (
    CATEGORIES, CATEGORY_BY_CODE, CLOSED_STATUSES, OPEN_STATUSES, Category, find_tracking_code,
    in_hue_area, normalize_phone, trim_description,
)
from actions.store import LOCAL_TIME, NewReport, ReportView, aware
from bot.privacy import mask_phones

logger = logging.getLogger(__name__)

SPEC_URL = "https://wiki.open311.org/GeoReport_v2"
CHANNEL = "open311"  # one of store.SYSTEM_CHANNELS: followers that poll, never notified
AGENCY = "UBND thành phố Huế"
DEFAULT_SPAN = dt.timedelta(days=90)  # the spec's default window for GET requests …
MAX_REQUESTS = 1000  # … and its cap on the number returned
MAX_IDEMPOTENCY_KEY = 100
RETRY_AFTER_S = 30  # what a 503 asks clients to wait before retrying
# Input limits: each gives a 400 (413 for the body) that names the field, never a 500.
MAX_FORM_BYTES = 128 * 1024  # a 4000-character description, percent-encoded, fits four times
MAX_ADDRESS_CHARS = 500
MAX_PHONE_CHARS = 32
MAX_MEDIA_URL_CHARS = 2048  # what browsers and CDNs reliably handle; a photo link is far shorter

# service group per category (the spec's `group`: a heading for back-office pickers)
GROUPS = {
    "road_damage": "Hạ tầng", "street_lighting": "Hạ tầng", "flooding": "Hạ tầng",
    "water_supply": "Hạ tầng", "waste": "Môi trường", "trees": "Môi trường",
    "noise_pollution": "Môi trường", "urban_order": "Trật tự đô thị", "forest_fire": "An toàn",
    "other": "Khác",
}
SERVICE_NOTICES = {
    "received": "Đã tiếp nhận; phản ánh đang được chuyển đến đơn vị xử lý.",
    "in_progress": "Đơn vị chức năng đang xử lý.",
    "resolved": "Đã xử lý xong.",
    "rejected": "Không xử lý; xem ghi chú trạng thái.",
}


class Open311Error(Exception):
    """An error the spec's way: HTTP status `code` and a body [{"code": …, "description": …}]."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def body(self) -> List[Dict[str, Any]]:
        return [{"code": self.code, "description": self.description}]


# --- pure translations -------------------------------------------------------------------------

def key_allowed(given: Optional[str], keys: Sequence[str]) -> bool:
    """True when `given` is one of `keys`, compared in constant time (every key is tried)."""
    if not given:
        return False
    # surrogatepass: a header with bytes that are not UTF-8 arrives with lone surrogates; it simply
    # does not match (plain encode() raised, a 500).
    given_bytes = given.encode("utf-8", "surrogatepass")
    matches = [hmac.compare_digest(given_bytes, key.encode()) for key in keys]
    return any(matches)


def service(category: Category) -> Dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.vi,
        "description": f"{category.vi} ({category.en})",
        "metadata": False,  # no extra attributes: GET services/{code}.json has none to describe
        "type": "realtime",  # a POST answers with the service_request_id at once
        "keywords": ", ".join(category.keywords),
        "group": GROUPS.get(category.code, "Khác"),
    }


def service_list() -> List[Dict[str, Any]]:
    return [service(c) for c in CATEGORIES]


def service_definition(code: str) -> Dict[str, Any]:
    """Our services take no attributes, so a definition is the code with an empty list."""
    if code not in CATEGORY_BY_CODE:
        raise Open311Error(404, f"service_code {code} not found")
    return {"service_code": code, "attributes": []}


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def internal_statuses(value: str) -> Tuple[str, ...]:
    """The spec's comma list of open/closed as our statuses."""
    result: List[str] = []
    for part in filter(None, (p.strip().lower() for p in value.split(","))):
        if part == "open":
            result += OPEN_STATUSES
        elif part == "closed":
            result += CLOSED_STATUSES
        else:
            raise Open311Error(400, f"status must be open or closed, not {part!r}")
    return tuple(result)


def w3c_datetime(moment: Optional[dt.datetime]) -> Optional[str]:
    """ISO 8601 with the offset the spec requires, in Vietnam time: 2026-11-22T05:03:00+07:00."""
    return aware(moment).astimezone(LOCAL_TIME).isoformat(timespec="seconds") if moment else None


def parse_w3c_datetime(text: str, name: str) -> dt.datetime:
    """A W3C/ISO 8601 date-time (Z or ±hh:mm); a date or a time without offset is read as Vietnam
    time, since the spec's clients do send both."""
    # An unencoded "+07:00" in a query string arrives as " 07:00".
    text = re.sub(r" (\d{2}(?::?\d{2})?)$", r"+\1", text.strip())
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C date-time such as 2026-11-01T00:00:00+07:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TIME)


def public_url(text: str) -> bool:
    """An http(s) URL with a host, of sane length, without spaces or control characters."""
    if not text or len(text) > MAX_MEDIA_URL_CHARS or any(c.isspace() or not c.isprintable() for c in text):
        return False
    try:
        parts = urlparse(text)
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 host)
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def media_url(photos: Sequence[str]) -> Optional[str]:
    """The first photo that is a public URL; channel file ids are not shown."""
    return next((p for p in photos if isinstance(p, str) and public_url(p)), None)


def service_request(report: ReportView) -> Dict[str, Any]:
    """A report as a GeoReport v2 service request. Public: never the phone, sender or channel, and a
    phone number typed into a free-text field (description, place, staff note) is masked."""
    category = CATEGORY_BY_CODE.get(report.category)
    history = report.history
    return {
        "service_request_id": report.code,
        "status": open311_status(report.status),
        "status_notes": mask_phones(history[-1][1]) if history else None,
        "service_name": category.vi if category else report.category,
        "service_code": report.category,
        "description": mask_phones(report.description),
        "agency_responsible": AGENCY,
        "service_notice": SERVICE_NOTICES.get(report.status),
        "requested_datetime": w3c_datetime(report.created_at),
        "updated_datetime": w3c_datetime(report.updated_at),
        "expected_datetime": None,
        "address": mask_phones(report.location_text),
        "address_id": None,
        "zipcode": None,
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": media_url(report.photos),
    }


def _float(form: Mapping[str, str], name: str) -> Optional[float]:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number (WGS84 degrees)")


def idempotency_key(api_key: str, header: Optional[str]) -> str:
    """The store's key for a POST: the client's Idempotency-Key scoped to its API key (a hash, the
    key itself is never stored), or a fresh one so that each POST without it is a new report."""
    if header is None or not header.strip():
        return f"{CHANNEL}:{uuid.uuid4()}"
    header = header.strip()
    if len(header) > MAX_IDEMPOTENCY_KEY:
        raise Open311Error(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY} characters")
    if not (header.isascii() and header.isprintable()):
        raise Open311Error(400, "Idempotency-Key must be printable ASCII (e.g. a UUID)")
    client = hashlib.sha256(api_key.encode()).hexdigest()[:12]
    return f"{CHANNEL}:{client}:{header}"


def new_report(form: Mapping[str, str], key: str) -> NewReport:
    """A POSTed service request (form fields of the spec) as a report to store, or Open311Error."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    if code not in CATEGORY_BY_CODE:
        raise Open311Error(404, f"service_code {code} not found")
    latitude, longitude = _float(form, "lat"), _float(form, "long")
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "lat and long must be given together")
    if latitude is not None and not in_hue_area(latitude, longitude):
        raise Open311Error(400, "lat/long is outside the Hue city area")
    for name in ("address_string", "address_id"):
        if len(form.get(name) or "") > MAX_ADDRESS_CHARS:
            raise Open311Error(400, f"{name} is longer than {MAX_ADDRESS_CHARS} characters")
    address = (form.get("address_string") or "").strip() or (form.get("address_id") or "").strip() or None
    if latitude is None and address is None:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description, _ = trim_description(form.get("description") or "")  # the spec's 4000-char cap
    if not description:
        raise Open311Error(400, "description was not provided")
    phone = None
    if (form.get("phone") or "").strip():
        if len(form["phone"]) > MAX_PHONE_CHARS:
            raise Open311Error(400, f"phone is longer than {MAX_PHONE_CHARS} characters")
        phone = normalize_phone(form["phone"])
        if phone is None:
            raise Open311Error(400, "phone is not a Vietnamese phone number (e.g. 0905 123 456)")
    photo = (form.get("media_url") or "").strip()
    if len(photo) > MAX_MEDIA_URL_CHARS:
        raise Open311Error(400, f"media_url is longer than {MAX_MEDIA_URL_CHARS} characters")
    if photo and not public_url(photo):
        raise Open311Error(400, "media_url must be an http(s) URL with a host and no spaces")
    client = (form.get("device_id") or form.get("account_id") or "").strip()[:100]
    return NewReport(
        idempotency_key=key, sender_id=f"{CHANNEL}:{client}" if client else CHANNEL, channel=CHANNEL,
        language="vi", category=code, description=description, location_text=address,
        latitude=latitude, longitude=longitude, photos=[photo] if photo else [], phone=phone)


@dataclass(frozen=True)
class RequestQuery:
    """GET requests.json filters as store arguments; `codes` is None unless ids were asked for."""

    codes: Optional[Tuple[str, ...]] = None
    categories: Tuple[str, ...] = ()
    statuses: Tuple[str, ...] = ()
    start: Optional[dt.datetime] = None
    end: Optional[dt.datetime] = None
    limit: int = MAX_REQUESTS


def _comma_list(value: Optional[str]) -> Tuple[str, ...]:
    return tuple(filter(None, (p.strip() for p in (value or "").split(","))))


def request_query(args: Mapping[str, str], now: dt.datetime) -> RequestQuery:
    """The spec's filters. service_request_id (a comma list) makes the others ignored; without
    dates the window is the last 90 days, at most 1000 requests either way."""
    ids = _comma_list(args.get("service_request_id"))
    if ids:
        return RequestQuery(codes=tuple(code for code in map(find_tracking_code, ids) if code))
    categories = _comma_list(args.get("service_code"))
    for code in categories:
        if code not in CATEGORY_BY_CODE:
            raise Open311Error(404, f"service_code {code} not found")
    start = parse_w3c_datetime(args["start_date"], "start_date") if args.get("start_date") else None
    end = parse_w3c_datetime(args["end_date"], "end_date") if args.get("end_date") else None
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None:
        start = (end or now) - DEFAULT_SPAN
    return RequestQuery(categories=categories, statuses=internal_statuses(args.get("status") or ""),
                        start=start, end=end)


# --- Sanic routes --------------------------------------------------------------------------------

_dumps = partial(json.dumps, ensure_ascii=False)


def reply(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return json_response(body, status=status, headers=headers, dumps=_dumps,
                         content_type="application/json; charset=utf-8")


def error_reply(error: Open311Error, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return reply(error.body(), status=error.code, headers=headers)


def database_unavailable() -> HTTPResponse:
    """503 with Retry-After: the client retries (a POST with the same Idempotency-Key is stored once).
    Connection details stay in our log, never in the answer."""
    error = Open311Error(503, "The report database is unavailable right now; retry later (a POST with "
                              "the same Idempotency-Key is stored once)")
    return error_reply(error, headers={"Retry-After": str(RETRY_AFTER_S)})


def _single(args: Any) -> Dict[str, str]:
    """Sanic's multi-dicts (query args, form) as first-value dicts."""
    return {name: args.get(name) for name in args.keys()}


def blueprint() -> Blueprint:
    """A fresh blueprint per app (Sanic registers a blueprint with one app only)."""
    bp = Blueprint("open311", url_prefix="/open311/v2")

    @bp.exception(Open311Error)
    async def on_error(request: Request, error: Open311Error) -> HTTPResponse:
        return error_reply(error)

    # Without these, rasa-sdk's app-wide handler answers: it reads the form body as JSON (a
    # misleading 400) or puts the exception text, with the database host and name, in a 500.
    @bp.exception(SQLAlchemyError)
    async def on_database_error(request: Request, error: SQLAlchemyError) -> HTTPResponse:
        logger.error("Open311 %s %s: database error %s", request.method, request.path, type(error).__name__,
                     exc_info=error)
        return database_unavailable()

    @bp.exception(Exception)
    async def on_unexpected(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException):  # the request itself was wrong (a bad body, 404, 405)
            return error_reply(Open311Error(error.status_code, str(error) or "Bad request"))
        logger.error("Open311 %s %s failed", request.method, request.path, exc_info=error)
        return error_reply(Open311Error(500, "Internal error; the cause is in the server log"))

    @bp.get("/services.json")
    async def get_services(request: Request) -> HTTPResponse:
        return reply(service_list())

    @bp.get("/services/<code:ext=json>")
    async def get_service(request: Request, code: str, ext: str) -> HTTPResponse:
        return reply(service_definition(code))

    @bp.post("/requests.json")
    async def post_request(request: Request) -> HTTPResponse:
        if len(request.body or b"") > MAX_FORM_BYTES:
            raise Open311Error(413, f"the request body is over {MAX_FORM_BYTES} bytes")
        form = _single(request.form or {})
        keys = services.current().settings.open311_api_keys
        given = form.get("api_key") or request.args.get("api_key")
        if not keys:
            raise Open311Error(403, "Open311 API keys are not configured on this server "
                                    "(OPEN311_API_KEYS), so it accepts no service requests")
        if not key_allowed(given, keys):
            raise Open311Error(403, "api_key is missing or invalid")
        report = new_report(form, idempotency_key(given, request.headers.get("Idempotency-Key")))
        stored, created = await services.in_executor(services.current().store.submit_report, report)
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return reply([{"service_request_id": stored.code, "service_notice": SERVICE_NOTICES["received"],
                       "account_id": None}], headers=headers)

    @bp.get("/requests.json")
    async def get_requests(request: Request) -> HTTPResponse:
        query = request_query(_single(request.args), dt.datetime.now(dt.timezone.utc))
        if query.codes == ():
            return reply([])  # ids were asked for, none of them is one of ours
        reports = await services.in_executor(partial(
            services.current().store.list_reports, categories=query.categories, statuses=query.statuses,
            codes=query.codes or (), start=query.start, end=query.end, limit=query.limit))
        return reply([service_request(r) for r in reports])

    @bp.get("/requests/<request_id:ext=json>")
    async def get_request(request: Request, request_id: str, ext: str) -> HTTPResponse:
        code = find_tracking_code(request_id)
        report = await services.in_executor(services.current().store.report_by_code, code) if code else None
        if report is None:
            raise Open311Error(404, f"service_request_id {request_id} not found")
        return reply([service_request(report)])

    return bp
