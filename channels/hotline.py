"""The hotline 1900 1075 agent-assist console: a Rasa input channel at /webhooks/hotline/ serving the
console page, the supervisor dashboard and their JSON endpoints.

Each caller utterance (typed by staff, or posted by a speech-to-text feed) is parsed by Rasa's NLU
(intent, entities) while the action server's hotline API (actions/hotline_api.py) returns the top
knowledge suggestions, concurrently; then it goes through Rasa's dialogue as a message of the call
(conversation `hotline:<call id>`, channel `hotline`) in the background. Sign-in, sessions and roles:
channels/hotline_auth.py. Next step and call feed: channels/hotline_assist.py. See docs/hotline.md.

    python -m channels.hotline hash-password      # a hash for HOTLINE_USERS
"""
from __future__ import annotations

import asyncio
import functools
import getpass
import hmac
import logging
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import ActiveLoop, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.reports import CATEGORIES
from bot.identity import qualify
from bot.privacy import redact_in_logs
from bot.settings import Settings
from channels.token_store import open_seen_store
from channels.hotline_assist import CallFeed, entities_view, next_step
from channels.hotline_auth import (SessionSigner, SignInThrottle, StaffSession, hash_password, parse_users,
                                   verify_password)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "hotline_static"
COOKIE = "hue_hotline_session"
MAX_BODY_BYTES = 16 * 1024
MAX_UTTERANCE_CHARS = 500
API_TIMEOUT_S = 10.0
PUBLIC_ASSETS = {"style.css", "login.js", "i18n.js"}  # what the sign-in page needs
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
VERDICTS = ("used", "helpful", "wrong")
CALL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what the console issues: call-<16 hex>


class BadInput(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def json_error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=SECURITY_HEADERS)


def ok(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=SECURITY_HEADERS)


def json_body(request: Request) -> dict:
    # Exactly application/json (a parameter such as charset allowed): "text/plain; application/json"
    # is a "simple" content type a cross-site form may send without a CORS preflight.
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise BadInput("Content-Type must be application/json", 415)
    try:
        body = request.json
    except Exception as exc:  # noqa: BLE001 - Sanic's own parse error type
        raise BadInput("body must be JSON") from exc
    if not isinstance(body, dict):
        raise BadInput("body must be a JSON object")
    return body


def text_of(body: dict, name: str, limit: int, required: bool = True) -> Optional[str]:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadInput(f"{name} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise BadInput(f"{name} is longer than {limit} characters")
    return value.strip()


def load_assets() -> Dict[str, bytes]:
    """The console's static files, read once at start-up (nothing is fetched at run time)."""
    return {path.name: path.read_bytes() for path in STATIC_DIR.iterdir() if path.suffix in CONTENT_TYPES}


class ActionServerApi:
    """The action server's hotline API, over one httpx.AsyncClient per event loop."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}"}
        self._client: Optional[httpx.AsyncClient] = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, headers=self._headers,
                                             timeout=API_TIMEOUT_S)
        return self._client

    async def call(self, method: str, path: str, body: Optional[dict] = None,
                   params: Optional[dict] = None) -> httpx.Response:
        return await self.client.request(method, f"/hotline-api{path}", json=body, params=params)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def upstream_json(upstream: httpx.Response) -> Any:
    """The action server's JSON body; None when it is not JSON (e.g. Sanic's own 404 or 413 page)."""
    try:
        return upstream.json()
    except ValueError:
        return None


def relay(upstream: httpx.Response) -> HTTPResponse:
    """The action server's answer as ours: its JSON and status for 2xx/4xx, 502 for anything else."""
    body = upstream_json(upstream)
    if upstream.status_code >= 500 or (body is None and upstream.status_code < 400):
        logger.error("hotline API answered %s", upstream.status_code)
        return json_error(502, "the action server failed")
    if body is None:
        return json_error(upstream.status_code, "refused by the action server")
    return ok(body, status=upstream.status_code)


def known_call_id(call_id: str) -> str:
    """A call id from a URL, as the console issues them; anything else is no call of ours (404)."""
    if not CALL_ID.fullmatch(call_id):
        raise BadInput("no such call", 404)
    return call_id


class HotlineInput(InputChannel):
    """Rasa input channel `hotline` (credentials.yml: `channels.hotline.HotlineInput:`)."""

    @classmethod
    def name(cls) -> Text:
        return "hotline"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InputChannel":
        return cls(Settings.from_env())

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        redact_in_logs(settings.known_secrets())  # no secret or phone number in any log line
        self.users = parse_users(settings.hotline_users)
        if not self.users:
            logger.warning("hotline console: no staff accounts (set HOTLINE_USERS; see docs/hotline.md)")
        self.signer = SessionSigner(settings.session_secret(), settings.hotline_session_hours * 3600)
        self.throttle = SignInThrottle()
        # Sessions signed out before they expire (Redis or var/, so every Rasa instance refuses them).
        self.revoked = open_seen_store(settings, "hotline-session")
        self.api = ActionServerApi(settings.action_base_url, settings.api_token())
        self.feed_token = settings.hotline_feed_token
        self.feed = CallFeed()
        self.assets = load_assets()
        self._dialogues: Set[asyncio.Task] = set()

    # -- sessions ------------------------------------------------------------------------------------
    def session_of(self, request: Request) -> Optional[StaffSession]:
        """The signed-in staff member, if the cookie is genuine, unexpired and the account still has
        that role in the configuration (removing an account ends its sessions)."""
        session = self.signer.verify(request.cookies.get(COOKIE))
        user = self.users.get(session.name) if session else None
        if user is None or user.role != session.role or self.revoked.seen(session.sid):
            return None
        return session

    def feed_session(self, request: Request) -> Optional[StaffSession]:
        """The speech-to-text feed signs its posts with `Authorization: Bearer HOTLINE_FEED_TOKEN`."""
        given = request.headers.get("authorization", "")
        if self.feed_token and hmac.compare_digest(given.encode("utf-8", "surrogatepass"),  # not-UTF-8 bytes
                                                   f"Bearer {self.feed_token}".encode()):
            return StaffSession("transcript-feed", "feed", 0)
        return None

    def guarded(self, *roles: str, page: bool = False, feed: bool = False) -> Callable:
        """Route decorator: 401 (or, for a page, a redirect to sign-in) without a session (or, where
        `feed`, the feed's token); 403 for a role not in `roles`; 413 for a body over the limit;
        BadInput as its 4xx JSON error."""
        def decorate(route: Callable[..., Awaitable[HTTPResponse]]) -> Callable:
            @functools.wraps(route)
            async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                session = self.session_of(request) or (self.feed_session(request) if feed else None)
                if session is None:
                    if page:
                        return response.redirect(f"{self.prefix}/login", status=303)
                    return json_error(401, "sign in first")
                if roles and session.role not in roles:
                    return json_error(403, "your role may not use this")
                if len(request.body or b"") > MAX_BODY_BYTES:
                    return json_error(413, f"body over {MAX_BODY_BYTES} bytes")
                try:
                    return await route(request, session, *args, **kwargs)
                except BadInput as exc:
                    return json_error(exc.status, str(exc))
                except httpx.HTTPError as exc:
                    logger.error("hotline API unreachable: %s", type(exc).__name__)
                    return json_error(502, "the action server is unreachable")
            return wrapped
        return decorate

    @property
    def prefix(self) -> str:
        return f"/webhooks/{self.name()}"

    def asset(self, name: str) -> HTTPResponse:
        return response.raw(self.assets[name], content_type=CONTENT_TYPES[Path(name).suffix],
                            headers=SECURITY_HEADERS)

    # -- utterances ----------------------------------------------------------------------------------
    async def process_utterance(self, request: Request, on_new_message: Callable, source: str) -> dict:
        """`{call_id, text}` from the request: the NLU parse (intent, entities) and the knowledge
        suggestions, concurrently; the result is added to the call's feed and returned. The utterance
        then goes through the whole dialogue (`on_new_message`, conversation `hotline:<call id>`) in
        the background: the call's Rasa conversation is kept, but the agent does not wait for dialogue
        policies and actions (docs/hotline.md, "Speed")."""
        started = time.perf_counter()
        body = json_body(request)
        call_id = known_call_id(text_of(body, "call_id", 64))  # also the Rasa conversation id
        text = text_of(body, "text", MAX_UTTERANCE_CHARS)
        agent = request.app.ctx.agent
        suggestions_response, parse = await asyncio.gather(
            self.api.call("POST", "/search", {"query": text, "call_id": call_id}),
            self.understand(agent, text), return_exceptions=True)
        if isinstance(suggestions_response, BaseException):
            raise suggestions_response
        if suggestions_response.status_code != 200:
            status = suggestions_response.status_code
            refusal = upstream_json(suggestions_response)
            message = "no such call (start a call first)" if status == 404 else \
                (refusal.get("error") if isinstance(refusal, dict) else None) or "search failed"
            raise BadInput(message, status if status < 500 else 502)
        if isinstance(parse, BaseException):
            logger.error("Rasa could not parse a hotline utterance: %r", parse)
            parse = {}
        self.converse(agent, on_new_message, UserMessage(
            text, CollectingOutputChannel(), qualify(self.name(), call_id), input_channel=self.name(),
            metadata={"hotline_source": source}))
        suggestions = suggestions_response.json()
        intent = parse.get("intent") or {}
        items = suggestions.get("items") or []
        event = {
            "source": source, "text": text,
            "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
            "entities": entities_view(parse.get("entities") or []),
            "language": suggestions.get("language"), "suggestions": suggestions,
            "next_step": next_step(text, intent.get("name"), bool(suggestions.get("answered")),
                                   items[0]["entry_id"] if items else None),
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        return self.feed.add(call_id, event)

    @staticmethod
    async def understand(agent, text: str) -> dict:
        """Rasa's NLU parse of the utterance: the same trained pipeline the dialogue uses."""
        return await agent.parse_message(text)

    def converse(self, agent, on_new_message: Callable, message: UserMessage) -> None:
        """Runs the message through Rasa's dialogue without making the agent wait for it."""
        async def run() -> None:
            try:
                await on_new_message(message)
                await self.close_forms(agent, message.sender_id)
            except Exception:  # noqa: BLE001 - a dialogue failure must not break the console
                logger.exception("Rasa dialogue failed for a hotline utterance")
        task = asyncio.get_running_loop().create_task(run())
        self._dialogues.add(task)  # keep a reference until it ends (asyncio keeps only weak ones)
        task.add_done_callback(self._dialogues.discard)

    @staticmethod
    async def close_forms(agent, sender_id: str) -> None:
        """On the hotline the dialogue only listens: a chat form it started (the report form, on "đèn
        đường hỏng") is closed again, so the caller's later words never fill it and nothing is filed
        behind the agent's back — reports are filed from the console."""
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            if tracker is None or not tracker.active_loop_name:
                return
            tracker.update(ActiveLoop(None))
            tracker.update(SlotSet(REQUESTED_SLOT, None))
            await agent.tracker_store.save(tracker)

    # -- routes --------------------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("hotline_webhook", __name__)
        agent_or_supervisor = self.guarded()
        supervisor = self.guarded("supervisor")

        @bp.route("/", methods=["GET"])
        @self.guarded(page=True)
        async def console(request: Request, session: StaffSession) -> HTTPResponse:
            return self.asset("console.html")

        @bp.route("/dashboard", methods=["GET"])
        @self.guarded("supervisor", page=True)
        async def dashboard_page(request: Request, session: StaffSession) -> HTTPResponse:
            return self.asset("dashboard.html")

        @bp.route("/login", methods=["GET"])
        async def login_page(request: Request) -> HTTPResponse:
            return self.asset("login.html")

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in self.assets:
                return json_error(404, "no such file")
            if name not in PUBLIC_ASSETS and self.session_of(request) is None:
                return json_error(401, "sign in first")
            return self.asset(name)

        @bp.route("/login", methods=["POST"])
        async def login(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return json_error(413, f"body over {MAX_BODY_BYTES} bytes")
            try:
                body = json_body(request)
                name = text_of(body, "username", 64)
                password = body.get("password")
                if not isinstance(password, str) or not password or len(password) > 256:
                    raise BadInput("password is required")
            except BadInput as exc:
                return json_error(exc.status, str(exc))
            wait = self.throttle.retry_after(name)
            if wait:
                logger.warning("hotline sign-in slowed down after repeated failures")
                response = json_error(429, f"too many failed sign-ins; try again in {wait} s")
                response.headers["Retry-After"] = str(wait)
                return response
            user = self.users.get(name)
            # Hash even for an unknown name, so timing does not tell which names exist.
            stored = user.password_hash if user else hash_password("x", salt=b"\0" * 16)
            valid = await asyncio.get_running_loop().run_in_executor(None, verify_password, password, stored)
            if user is None or not valid:
                self.throttle.failed(name)
                logger.info("hotline sign-in refused")
                return json_error(401, "wrong user name or password")
            self.throttle.succeeded(name)
            result = ok({"user": user.name, "role": user.role})
            result.cookies[COOKIE] = self.signer.sign(user)
            cookie = result.cookies[COOKIE]
            cookie["httponly"] = True
            cookie["samesite"] = "Strict"
            cookie["path"] = self.prefix
            cookie["max-age"] = self.signer.max_age_s
            if request.scheme == "https":
                cookie["secure"] = True
            logger.info("hotline sign-in: %s (%s)", user.name, user.role)
            return result

        @bp.route("/logout", methods=["POST"])
        @agent_or_supervisor
        async def logout(request: Request, session: StaffSession) -> HTTPResponse:
            if session.sid:  # the cookie stops working everywhere, also a copy of it
                await asyncio.get_running_loop().run_in_executor(None, self.revoked.first_time, session.sid)
            result = ok({"signed_out": True})
            result.cookies[COOKIE] = ""
            result.cookies[COOKIE]["path"] = self.prefix
            result.cookies[COOKIE]["max-age"] = 0
            return result

        @bp.route("/me", methods=["GET"])
        @agent_or_supervisor
        async def me(request: Request, session: StaffSession) -> HTTPResponse:
            return ok({"user": session.name, "role": session.role})

        @bp.route("/categories", methods=["GET"])
        @agent_or_supervisor
        async def categories(request: Request, session: StaffSession) -> HTTPResponse:
            return ok([{"code": c.code, "vi": c.vi, "en": c.en} for c in CATEGORIES])

        @bp.route("/calls", methods=["POST"])
        @agent_or_supervisor
        async def start_call(request: Request, session: StaffSession) -> HTTPResponse:
            body = json_body(request)
            phone = text_of(body, "phone", 32, required=False)
            call_id = f"call-{uuid.uuid4().hex[:16]}"
            return relay(await self.api.call("POST", "/calls", {"call_id": call_id, "agent": session.name,
                                                                "phone": phone}))

        @bp.route("/calls/<call_id>", methods=["GET"])
        @agent_or_supervisor
        async def get_call(request: Request, session: StaffSession, call_id: str) -> HTTPResponse:
            return relay(await self.api.call("GET", f"/calls/{known_call_id(call_id)}"))

        @bp.route("/calls/<call_id>/events", methods=["GET"])
        @agent_or_supervisor
        async def call_events(request: Request, session: StaffSession, call_id: str) -> HTTPResponse:
            try:
                after = int(request.args.get("after", 0))
            except ValueError as exc:
                raise BadInput("after must be an integer") from exc
            return ok({"events": self.feed.since(known_call_id(call_id), after)})

        @bp.route("/calls/<call_id>/end", methods=["POST"])
        @agent_or_supervisor
        async def end_call(request: Request, session: StaffSession, call_id: str) -> HTTPResponse:
            upstream = await self.api.call("POST", f"/calls/{known_call_id(call_id)}/end",
                                           {"intents": self.feed.intents(call_id)})
            if upstream.status_code == 200:
                self.feed.forget(call_id)
            return relay(upstream)

        @bp.route("/webhook", methods=["POST"])
        @agent_or_supervisor
        async def receive(request: Request, session: StaffSession) -> HTTPResponse:
            return ok(await self.process_utterance(request, on_new_message, "agent"))

        @bp.route("/feed", methods=["POST"])
        @self.guarded(feed=True)
        async def transcript_feed(request: Request, session: StaffSession) -> HTTPResponse:
            """Utterance segments from a speech-to-text system on the phone line."""
            return ok(await self.process_utterance(request, on_new_message, "transcript"))

        @bp.route("/search", methods=["POST"])
        @agent_or_supervisor
        async def search(request: Request, session: StaffSession) -> HTTPResponse:
            body = json_body(request)
            query = text_of(body, "query", MAX_UTTERANCE_CHARS)
            language = body.get("language") or None
            return relay(await self.api.call("POST", "/search", {"query": query, "language": language}))

        @bp.route("/feedback", methods=["POST"])
        @agent_or_supervisor
        async def feedback(request: Request, session: StaffSession) -> HTTPResponse:
            body = json_body(request)
            if body.get("verdict") not in VERDICTS:
                raise BadInput(f"verdict must be one of {', '.join(VERDICTS)}")
            return relay(await self.api.call("POST", "/feedback", {
                "call_id": text_of(body, "call_id", 64), "entry_id": text_of(body, "entry_id", 96),
                "verdict": body["verdict"], "agent": session.name}))

        @bp.route("/reports", methods=["POST"])
        @agent_or_supervisor
        async def file_report(request: Request, session: StaffSession) -> HTTPResponse:
            body = json_body(request)
            fields = ("call_id", "key", "category", "description", "location_text", "phone", "language")
            return relay(await self.api.call("POST", "/reports", {name: body.get(name) for name in fields}))

        @bp.route("/dashboard/data", methods=["GET"])
        @supervisor
        async def dashboard_data(request: Request, session: StaffSession) -> HTTPResponse:
            return relay(await self.api.call("GET", "/dashboard", params={"days": request.args.get("days", 14)}))

        @bp.listener("after_server_stop")
        async def close_client(app, loop) -> None:  # noqa: ANN001 - Sanic listener signature
            await self.api.close()

        return bp


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m channels.hotline hash-password`: prints a hash for HOTLINE_USERS (name:role:hash)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["hash-password"]:
        print("usage: python -m channels.hotline hash-password", file=sys.stderr)
        return 2
    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty() and getpass.getpass("Again: ") != password:
        print("the passwords differ", file=sys.stderr)
        return 1
    if len(password) < 8:
        print("use at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
