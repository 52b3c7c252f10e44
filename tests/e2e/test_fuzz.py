"""Seeded random requests against every entry point of the real servers (the shared `servers`
fixture: Rasa server with REST, Telegram, Zalo and the hotline console; action server with Open311,
the staff endpoint and the hotline API): malformed, oversized, mistyped, unsigned and signed.

Every answer must come within 5 s, be no 5xx, and carry no stack trace, secret or planted phone
number; unknown routes must be 404. The counts per entry point and the 5xx count are printed and
written to test-output/fuzz-summary.json. Reproduce a run with HUE_FUZZ_SEED=<seed>.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from urllib.parse import quote

import httpx

from bot.settings import PROJECT_ROOT
from channels.zalo import zalo_signature
from tests.conftest import (E2E_AGENT, E2E_FEED_TOKEN, E2E_OPEN311_KEY, E2E_RASA_TOKEN, E2E_STAFF_KEY,
                            E2E_TELEGRAM_SECRET)

SEED = int(os.environ.get("HUE_FUZZ_SEED", "20261201"))
HANG_S = 5.0
# Requests per entry point (≥ 2,000 in all). REST runs the whole dialogue per request, so it gets fewer.
COUNTS = {"rest": 120, "telegram": 350, "zalo": 350, "open311": 350, "staff": 250, "console": 300,
          "hotline_api": 250, "routes": 60}
CONCURRENCY = {"rest": 1, "console": 3}  # the others: 6 at a time

# REST bodies Rasa's built-in REST channel cannot take. With it, the bodies [], "x", null and 42 get a
# 500 and a 180 KB message is answered after ~11 s (the fuzz's 5 s limit); the others get a 200 they
# should not (a missing or non-text sender lands in the shared `default` conversation, a non-text
# message is silently dropped). wt-identity's channels/rest.py (issue 13, item 1) replaces that
# channel and refuses them with 4xx. After merging it, set RUN_REST_CASES_AFTER_CUSTOM_REST_CHANNEL
# = True so every fuzz run includes them.
RUN_REST_CASES_AFTER_CUSTOM_REST_CHANNEL = True
REST_CASES_AFTER_CUSTOM_REST_CHANNEL: List[Dict[str, Any]] = [
    {"content": b"[]"},
    {"content": b'"x"'},
    {"content": b"null"},
    {"content": b"42"},
    {"content": b'{"sender": "fuzz-r1"}'},  # no message
    {"json": {"sender": "fuzz-r2", "message": None}},
    {"json": {"sender": "fuzz-r3", "message": 42}},
    {"json": {"sender": "fuzz-r4", "message": ["a"]}},
    {"json": {"sender": "fuzz-r5", "message": {"text": "hi"}}},
    {"json": {"message": "xin chào"}},  # no sender
    {"json": {"sender": None, "message": "xin chào"}},
    {"json": {"sender": 42, "message": "xin chào"}},
    {"json": {"sender": ["a"], "message": "xin chào"}},
    {"json": {"sender": "s" * 129, "message": "xin chào"}},
    {"json": {"sender": "s" * 5000, "message": "xin chào"}},
    {"json": {"sender": "fuzz-r6", "message": "x" * 200_000}},
    {"json": {"sender": "fuzz-r7", "message": "xin chào " * 20_000}},
    {"content": b'{"sender": "fuzz-r8", "message": "a\\u0000b"}'},
    {"content": b"\xff\xfe not utf-8"},
    {"content": b"[" * 50_000 + b"]" * 50_000},
]

WORDS = ["xin chào", "làm căn cước", "lam can cuoc", "phí bao nhiêu", "đèn đường hỏng", "rác", "Đại Nội",
         "hello", "how long", "report", "tra cứu HUE-2026-000001", "cảm ơn", "hủy", "/start", "/share_location",
         "/share_photo{\"photo\": 5}", "/greet{\"x\": [}", "🙂", "👍", "?", "...", "ổ gà", "ngập", "113"]
ODD = ["\x00", "\x01", "\x1b[31m", "\u202e", "\ufeff", "\u200b", "𝓗𝓾𝓮", "%s%n", "{{7*7}}", "<script>", "' OR 1=1 --",
       "../../etc/passwd", "\\u0000", "ﬀ", "Å", "ệ", "\r\n", "\t"]


def text(r: random.Random, longest: int = 300) -> str:
    parts = []
    for _ in range(r.randint(0, 6)):
        pick = r.random()
        if pick < 0.55:
            parts.append(r.choice(WORDS))
        elif pick < 0.8:
            parts.append(r.choice(ODD))
        elif pick < 0.95:
            parts.append("".join(chr(r.randint(0x20, 0x2FFF)) for _ in range(r.randint(1, 12))))
        else:
            parts.append(r.choice(WORDS) * r.randint(5, 40))
    return " ".join(parts)[:longest]


def value(r: random.Random, depth: int = 0) -> Any:
    """Any JSON value, mostly of the wrong type for wherever it lands."""
    makers = [lambda: None, lambda: True, lambda: r.randint(-2**63, 2**63), lambda: 10**30,
              lambda: r.random() * 1e308, lambda: text(r, 40), lambda: "", lambda: "9" * 40,
              lambda: [value(r, depth + 1) for _ in range(r.randint(0, 3))],
              lambda: {text(r, 8): value(r, depth + 1) for _ in range(r.randint(0, 3))}]
    return makers[r.randint(0, 9 if depth < 3 else 7)]()


def nested(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth


def garbage_body(r: random.Random) -> bytes:
    return r.choice([b"", b"{", b"[1, 2", b"\xff\xfe\xfd", b"null", b"[]", b'"x"', b"1e99999", b"NaN",
                     nested(r.choice([100, 2000, 100_000])), nested(2000, b'{"a":', b"}"),
                     json.dumps(value(r)).encode(), bytes(r.randrange(256) for _ in range(r.randint(1, 200)))])


def segment(r: random.Random, longest: int = 20) -> str:
    """Random text as one URL path segment (percent-encoded: httpx refuses control characters)."""
    return quote(text(r, longest), safe="") or "c"


def phone(r: random.Random) -> str:
    """A Vietnamese mobile number to plant in phone fields; none may come back in any answer."""
    national = r.choice("35789") + "".join(str(r.randrange(10)) for _ in range(8))
    return national


@dataclass
class Case:
    entry: str
    method: str
    url: str
    kwargs: Dict[str, Any] = field(default_factory=dict)
    expect_404: bool = False


@dataclass
class Context:
    servers: Any
    platforms: Any
    agent_cookie: str
    api_token: str
    report_codes: List[str]
    planted_phones: List[str] = field(default_factory=list)
    update_id: int = 900_000_000

    def next_update_id(self) -> int:
        self.update_id += 1
        return self.update_id


# --- cases per entry point -----------------------------------------------------------------------

def rest_case(r: random.Random, ctx: Context) -> Case:
    """Well-formed REST messages with random text (Rasa's built-in channel takes these; the shapes it
    does not are in REST_CASES_AFTER_CUSTOM_REST_CHANNEL)."""
    return Case("rest", "POST", ctx.servers.rest_url,
                {"json": {"sender": f"fuzz-rest-{r.randrange(40)}", "message": text(r, 500) or "?"}})


def telegram_case(r: random.Random, ctx: Context) -> Case:
    url = ctx.servers.webhook_url("telegram")
    chat = r.choice([7_300_000 + r.randrange(50), "x", None, {"id": 1}, True, 10**30, -1])
    user = r.choice([{"id": 7_300_001, "is_bot": False, "first_name": "F", "language_code": r.choice(["vi", "en", 5])},
                     None, "x", {"id": "y"}, {}])
    message = r.choice([
        {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "from": user, "text": text(r)},
        {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": value(r)},
        {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
         "location": {"latitude": value(r), "longitude": value(r)}},
        {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
         "photo": [{"file_id": value(r), "file_unique_id": "u", "width": value(r), "height": 1}] * r.randint(0, 3)},
        {"message_id": 1, "date": 0, "chat": chat}, value(r), "x", None,
    ])
    callback = r.choice([
        {"id": "q", "from": user, "chat_instance": "c", "data": r.choice([text(r, 64), value(r), None])},
        {"id": "q", "chat_instance": "c", "data": "hi"},  # no message, no from
        {"id": "q", "from": user, "message": message, "chat_instance": "c", "data": "#k:" + "0" * 24},
        value(r), "x",
    ])
    payload = r.choice([{"update_id": ctx.next_update_id(), "message": message},
                        {"update_id": ctx.next_update_id(), "callback_query": callback},
                        {"update_id": r.choice([value(r), None]), "message": message},
                        {"update_id": ctx.next_update_id(), "edited_message": message}])
    secret = r.choice([E2E_TELEGRAM_SECRET] * 3 + [None, "", "wrong", b"\xff\xfe", "x" * 300])
    headers = {"Content-Type": r.choice(["application/json"] * 6 + ["text/plain", "application/json; charset=latin-1",
                                                                     "multipart/form-data", ""])}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    if r.random() < 0.8:
        body = json.dumps(payload, ensure_ascii=r.random() < 0.5).encode()
    elif r.random() < 0.9:
        body = garbage_body(r)
    else:
        body = json.dumps({"update_id": 1, "pad": "x" * 300_000}).encode()  # over the 256 KiB limit
    return Case("telegram", "POST", url, {"content": body, "headers": headers})


def zalo_case(r: random.Random, ctx: Context) -> Case:
    zalo = ctx.platforms.zalo
    timestamp = r.choice([str(int(time.time() * 1000)), str(int(time.time() * 1000)), value(r), "1"])
    sender = r.choice([{"id": f"fz{r.randrange(50)}"}, {"id": value(r)}, "x", None, {"id": "u" * 200}])
    message = r.choice([
        {"msg_id": f"fm{r.randrange(10**9)}", "text": text(r)},
        {"msg_id": value(r), "text": value(r)},
        {"msg_id": f"fm{r.randrange(10**9)}", "attachments": value(r)},
        {"msg_id": f"fm{r.randrange(10**9)}", "attachments": [{"type": "location", "payload": value(r)}]},
        {"msg_id": f"fm{r.randrange(10**9)}",
         "attachments": [{"payload": {"coordinates": {"latitude": value(r), "longitude": value(r)}}}]},
        {"msg_id": f"fm{r.randrange(10**9)}", "attachments": [{"payload": {"url": value(r)}}] * r.randint(0, 3)},
        "a string", value(r), None,
    ])
    event = r.choice(["user_send_text", "user_send_location", "user_send_image", "user_send_file",
                      "follow", "unfollow", "oa_send_text", value(r), "user_send_" + text(r, 10)])
    payload = {"app_id": zalo.app_id, "event_name": event, "sender": sender, "recipient": {"id": "oa-1"},
               "message": message, "timestamp": timestamp}
    if event == "follow":
        payload["follower"] = sender
    if r.random() < 0.15:
        payload = value(r)
    body = json.dumps(payload, ensure_ascii=r.random() < 0.5).encode() if r.random() < 0.85 else garbage_body(r)
    signed = str(payload.get("timestamp", "")) if isinstance(payload, dict) else ""
    signature = r.choice([zalo_signature(zalo.app_id, body, signed, zalo.oa_secret_key)] * 3 +
                         [None, "", "mac=" + "0" * 64, b"mac=\xff", "x" * 500])
    headers = {"Content-Type": r.choice(["application/json"] * 6 + ["text/plain", ""])}
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return Case("zalo", "POST", ctx.servers.webhook_url("zalo"), {"content": body, "headers": headers})


def open311_case(r: random.Random, ctx: Context) -> Case:
    base = f"{ctx.servers.action_url}/open311/v2"
    pick = r.random()
    if pick < 0.35:
        path = r.choice(["/services.json", "/services.xml", f"/services/{r.choice(['waste', 'trees', 'x'])}."
                         f"{r.choice(['json', 'xml', ''])}", "/requests.json", "/requests.xml",
                         f"/requests/{r.choice(ctx.report_codes + ['HUE-2026-9', '%00', '9' * 40])}."
                         f"{r.choice(['json', 'xml'])}"])
        params = {k: r.choice([text(r, 60), "open", "closed", "2026-11-01T00:00:00+07:00", "9" * 30,
                               ",".join(ctx.report_codes)])
                  for k in r.sample(["service_request_id", "service_code", "status", "start_date", "end_date",
                                     "api_key", "jurisdiction_id"], r.randint(0, 4))}
        return Case("open311", "GET", base + path, {"params": params})
    number = phone(r)
    ctx.planted_phones.append(number)
    form = {"api_key": r.choice([E2E_OPEN311_KEY] * 4 + ["", "wrong", text(r, 20)]),
            "service_code": r.choice(["waste", "trees", "road_damage", "", text(r, 20)]),
            "lat": r.choice(["16.4637", "", "nan", "inf", "1e309", "north", "90.0000001", text(r, 10)]),
            "long": r.choice(["107.5909", "", "-inf", text(r, 10)]),
            "address_string": r.choice([text(r, 200), "", "x" * r.choice([500, 501, 5000])]),
            "description": r.choice([text(r, 2000), "", "d" * 4001, "mô tả " * 3000]),
            "phone": r.choice(["0" + number, "+84 " + number, "", "12345", "0" * 40]),
            "media_url": r.choice(["https://example.org/a.jpg", "", "http://[::1", "javascript:alert(1)",
                                   "https://example.org/" + "a" * r.choice([100, 2100, 30_000]),
                                   "https://example.org/a b.jpg", text(r, 50)]),
            "device_id": r.choice(["", text(r, 150)]), "first_name": text(r, 30)}
    form = {k: v for k, v in form.items() if r.random() < 0.9}
    headers = {}
    if r.random() < 0.4:
        headers["Idempotency-Key"] = r.choice(["crm-" + str(r.randrange(1000)), "k" * 101, b"\xff\xfe",
                                               "ключ".encode(), b"a\x01b"])
    how = r.random()
    if how < 0.75:
        kwargs = {"data": form, "headers": headers}
    elif how < 0.85:
        kwargs = {"json": form, "headers": headers}
    elif how < 0.95:
        kwargs = {"content": garbage_body(r), "headers": {**headers, "Content-Type":
                  r.choice(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"])}}
    else:
        kwargs = {"data": {**form, "media_url": "https://example.org/" + "a" * 200_000}, "headers": headers}
    return Case("open311", "POST", base + r.choice(["/requests.json"] * 9 + ["/requests.xml"]), kwargs)


def staff_case(r: random.Random, ctx: Context) -> Case:
    code = r.choice(ctx.report_codes + ["HUE-2026-999999", "9" * r.choice([10, 11, 40, 400]), "%C2%B2", "%00",
                                        "0", "-1", "%FF", segment(r, 30)])
    auth = r.choice([f"Bearer {E2E_STAFF_KEY}"] * 4 + ["", "Bearer", "Basic x", f"bearer {E2E_STAFF_KEY}",
                                                       b"Bearer \xff\xfe", "Bearer " + "k" * 7000,
                                                       "Bearer " + "k" * 10_000])
    body = r.choice([{"status": r.choice(["in_progress", "resolved", "rejected", "received", "x", None, 5]),
                      "note": r.choice([None, text(r, 200), 42, "n" * 2001, ["x"]])}, value(r)])
    headers = {"Authorization": auth} if auth else {}
    if r.random() < 0.85:
        kwargs = {"content": json.dumps(body).encode(), "headers": {**headers, "Content-Type": "application/json"}}
    elif r.random() < 0.5:
        kwargs = {"content": garbage_body(r), "headers": headers}
    else:
        kwargs = {"json": {"status": "resolved", "note": "x" * 40_000}, "headers": headers}
    method = r.choice(["POST"] * 9 + ["GET"])
    return Case("staff", method, f"{ctx.servers.action_url}/staff/reports/{code}/status", kwargs)


CONSOLE_ROUTES = [("GET", "/"), ("GET", "/dashboard"), ("GET", "/login"), ("POST", "/login"), ("GET", "/me"),
                  ("GET", "/categories"), ("POST", "/calls"), ("GET", "/calls/{call}"), ("GET", "/calls/{call}/events"),
                  ("POST", "/calls/{call}/end"), ("POST", "/webhook"), ("POST", "/feed"), ("POST", "/search"),
                  ("POST", "/feedback"), ("POST", "/reports"), ("GET", "/dashboard/data"),
                  ("GET", "/static/{asset}"), ("POST", "/logout"), ("DELETE", "/calls/{call}")]


def console_case(r: random.Random, ctx: Context) -> Case:
    method, route = r.choice(CONSOLE_ROUTES)
    call = r.choice(["call-0123456789abcdef", "call-" + "f" * 16, "x" * 65, "%00", "%3F", "..", segment(r),
                     "%C3%A4"])
    path = route.format(call=call, asset=r.choice(["console.js", "style.css", "nope.js", "..%2Fhotline.py"]))
    # Who asks: the signed-in agent (not for logout: the session is shared by every case), nobody,
    # a forged or non-ASCII cookie, or the transcript feed's token.
    who = r.choice(["agent"] * 5 + ["nobody", "forged", "feed"])
    if route == "/logout" and who == "agent":
        who = "forged"
    headers: Dict[str, Any] = {}
    if who == "agent":
        headers["Cookie"] = f"hue_hotline_session={ctx.agent_cookie}"
    elif who == "forged":
        headers["Cookie"] = r.choice(["hue_hotline_session=x.y", "hue_hotline_session=" + "a" * 3000,
                                      "hue_hotline_session=é.ü".encode(), "hue_hotline_session=\"a.b\""])
    elif who == "feed":
        headers["Authorization"] = r.choice([f"Bearer {E2E_FEED_TOKEN}", b"Bearer \xff"])
    number = phone(r)
    ctx.planted_phones.append(number)
    body = r.choice([
        {"call_id": call, "text": r.choice([text(r, 500), "", "x" * 501])},
        {"query": r.choice([text(r, 300), "", None, 5]), "language": r.choice(["vi", "en", "fr", None, []])},
        {"phone": r.choice(["0" + number, "+84" + number, "12", "9" * 40, 5])},
        {"call_id": call, "entry_id": r.choice(["proc.cccd", text(r, 20), "e" * 97]),
         "verdict": r.choice(["used", "helpful", "wrong", "x", None])},
        {"call_id": call, "key": text(r, 70), "category": r.choice(["waste", "x", None]),
         "description": text(r, 500), "location_text": text(r, 400), "phone": "0" + number,
         "language": r.choice(["vi", "en", 5])},
        {"username": r.choice(["nobody", text(r, 70), 5]), "password": r.choice(["x", "", None, "p" * 300])},
        value(r),
    ])
    content_type = r.choice(["application/json"] * 5 + ["text/plain", "application/json; charset=utf-8", ""])
    kwargs: Dict[str, Any] = {"headers": {**headers, "Content-Type": content_type}}
    if method != "GET":
        kwargs["content"] = json.dumps(body).encode() if r.random() < 0.85 else garbage_body(r)
        if r.random() < 0.03:
            kwargs["content"] = json.dumps({"text": "x" * 20_000}).encode()
    if route.endswith("/events"):
        kwargs["params"] = {"after": r.choice(["0", "-1", "x", "9" * 5000])}
    if route == "/dashboard/data":
        kwargs["params"] = {"days": r.choice(["14", "0", "x", "91"])}
    if route == "/login" and method == "POST" and isinstance(body, dict) and body.get("username") == E2E_AGENT[0]:
        body["username"] = "nobody"  # wrong passwords for the shared account would lock it
    return Case("console", method, f"{ctx.servers.rasa_url}/webhooks/hotline{path}", kwargs)


HOTLINE_API_ROUTES = [("POST", "/search"), ("POST", "/calls"), ("GET", "/calls/{call}"), ("POST", "/calls/{call}/end"),
                      ("POST", "/feedback"), ("POST", "/reports"), ("GET", "/dashboard"), ("PUT", "/calls")]


def hotline_api_case(r: random.Random, ctx: Context) -> Case:
    method, route = r.choice(HOTLINE_API_ROUTES)
    call = r.choice(["fuzz-call-1", "fuzz-call-2", "c" * 64, "c" * 65, "%00", segment(r)])
    number = phone(r)
    ctx.planted_phones.append(number)
    body = r.choice([
        {"query": r.choice([text(r, 400), "q" * 501, None]), "call_id": r.choice([call, None, "a\x01"]),
         "k": r.choice([3, 0, 11, "3", True, None]), "language": r.choice(["vi", "en", "x"])},
        {"call_id": r.choice([call, "a\x00b", "x" * 64]), "agent": r.choice(["an", "a" * 65, "a\x1b"]),
         "phone": r.choice(["0" + number, "123", None, 5])},
        {"intents": r.choice([["greet"], "x", [5], ["i" * 65], None])},
        {"call_id": call, "agent": "an", "entry_id": r.choice(["proc.cccd", "x", "e" * 97]),
         "verdict": r.choice(["used", "x"])},
        {"call_id": call, "key": r.choice(["k" * 64, "k", "k\x01"]), "category": r.choice(["waste", "x"]),
         "description": r.choice([text(r, 500), "d" * 8001, ""]), "location_text": r.choice([None, "l" * 301]),
         "phone": "+84" + number},
        value(r),
    ])
    token = r.choice([ctx.api_token] * 4 + ["", "wrong", b"\xff"])
    # (no trailing space: HTTP clients refuse to send a header value that ends in whitespace)
    headers = {"Authorization": b"Bearer " + token if isinstance(token, bytes) else f"Bearer {token}".strip(),
               "Content-Type": "application/json"}
    kwargs: Dict[str, Any] = {"headers": headers}
    if method != "GET":
        kwargs["content"] = json.dumps(body).encode() if r.random() < 0.85 else garbage_body(r)
        if r.random() < 0.03:
            kwargs["content"] = json.dumps({"query": "x" * 20_000}).encode()
    if route == "/dashboard":
        kwargs["params"] = {"days": r.choice(["14", "0", "x", "9" * 5000, "91"])}
    return Case("hotline_api", method, f"{ctx.servers.action_url}/hotline-api{route.format(call=call)}", kwargs)


def route_case(r: random.Random, ctx: Context) -> Case:
    """Paths no server has: 404 on both (with or without the credentials of their neighbours)."""
    server = r.choice([ctx.servers.rasa_url, ctx.servers.action_url])
    path = r.choice(["/nope", "/webhooks/nope/webhook", "/webhooks/telegram/nope", "/open311/v3/services.json",
                     "/staff/nope", "/hotline-api-x", "/.env", "/admin", "/" + "a" * 2000,
                     "/webhooks/hotline/nope", "/open311/v2/services/x/y.json"])
    return Case("routes", r.choice(["GET", "POST"]), server + path, {"headers": {"Content-Type": "application/json"},
                                                                     "content": b"{}"}, expect_404=True)


MAKERS: Dict[str, Callable[[random.Random, Context], Case]] = {
    "rest": rest_case, "telegram": telegram_case, "zalo": zalo_case, "open311": open311_case, "staff": staff_case,
    "console": console_case, "hotline_api": hotline_api_case, "routes": route_case}


# --- running and checking ------------------------------------------------------------------------

def secrets_of(ctx: Context) -> List[str]:
    settings, platforms = ctx.servers.settings, ctx.platforms
    return [s for s in (E2E_TELEGRAM_SECRET, platforms.telegram.token, platforms.zalo.app_secret,
                        platforms.zalo.oa_secret_key, platforms.zalo.refresh_token, platforms.zalo.access_token,
                        E2E_OPEN311_KEY, E2E_STAFF_KEY, E2E_RASA_TOKEN, E2E_FEED_TOKEN, E2E_AGENT[1],
                        ctx.api_token, settings.session_secret()) if s]


TRACE = re.compile(r"Traceback \(most recent call last\)|File \"/[^\"]+\.py\", line \d+")


@dataclass
class Outcome:
    case: Case
    status: Optional[int]
    elapsed: float
    problem: Optional[str]


async def run_case(client: httpx.AsyncClient, case: Case, secrets: List[str], phones: List[str]) -> Outcome:
    started = time.monotonic()
    try:
        response = await asyncio.wait_for(client.request(case.method, case.url, **case.kwargs), HANG_S + 5)
    except asyncio.TimeoutError:
        return Outcome(case, None, time.monotonic() - started, "no answer")
    except httpx.HTTPError as exc:
        return Outcome(case, None, time.monotonic() - started, f"connection failed: {type(exc).__name__}")
    except Exception as exc:  # noqa: BLE001 - a case the client cannot send is this test's bug: report it
        return Outcome(case, None, time.monotonic() - started, f"client error: {exc!r}")
    elapsed = time.monotonic() - started
    body = response.content.decode("utf-8", "replace")
    problem = None
    if response.status_code >= 500:
        problem = f"{response.status_code}"
    elif elapsed > HANG_S:
        problem = f"answered after {elapsed:.1f} s"
    elif TRACE.search(body):
        problem = "stack trace in the answer"
    elif any(secret in body for secret in secrets):
        problem = "a secret in the answer"
    elif any(number in body for number in phones):
        problem = "a planted phone number in the answer"
    elif case.expect_404 and response.status_code != 404:
        problem = f"unknown route answered {response.status_code}"
    return Outcome(case, response.status_code, elapsed, problem)


async def fuzz(ctx: Context, cases: List[Case]) -> List[Outcome]:
    secrets = secrets_of(ctx)
    outcomes: List[Outcome] = []
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(timeout=HANG_S + 5, limits=limits) as client:
        for entry in COUNTS:
            gate = asyncio.Semaphore(CONCURRENCY.get(entry, 6))

            async def one(case: Case) -> Outcome:
                async with gate:
                    # phone numbers: the ones planted so far (a case plants its own before it is sent)
                    return await run_case(client, case, secrets, ctx.planted_phones)

            outcomes += await asyncio.gather(*(one(c) for c in cases if c.entry == entry))
    return outcomes


def sign_in(servers) -> str:
    response = httpx.post(f"{servers.rasa_url}/webhooks/hotline/login", timeout=30,
                          json={"username": E2E_AGENT[0], "password": E2E_AGENT[1]})
    assert response.status_code == 200, response.text
    return response.cookies["hue_hotline_session"]


def some_reports(servers) -> List[str]:
    codes = []
    for n in range(3):
        response = httpx.post(f"{servers.action_url}/open311/v2/requests.json", timeout=30, data={
            "api_key": E2E_OPEN311_KEY, "service_code": "waste", "address_string": f"Chợ Đông Ba {n}",
            "description": "Rác ùn ứ"})
        assert response.status_code == 200, response.text
        codes.append(response.json()[0]["service_request_id"])
    return codes


def build_cases(ctx: Context, seed: int) -> List[Case]:
    r = random.Random(seed)
    cases = [MAKERS[entry](r, ctx) for entry, count in COUNTS.items() for _ in range(count)]
    if RUN_REST_CASES_AFTER_CUSTOM_REST_CHANNEL:
        cases += [Case("rest", "POST", ctx.servers.rest_url,
                       {**case, "headers": {"Content-Type": "application/json"}} if "content" in case else case)
                  for case in REST_CASES_AFTER_CUSTOM_REST_CHANNEL]
    return cases


def test_fuzz_every_entry_point(servers, platforms):
    api_token = servers.settings.api_token()
    ctx = Context(servers, platforms, sign_in(servers), api_token, some_reports(servers))
    cases = build_cases(ctx, SEED)
    started = time.monotonic()
    outcomes = asyncio.run(fuzz(ctx, cases))
    took = time.monotonic() - started

    per_entry = Counter(o.case.entry for o in outcomes)
    errors_5xx = Counter(o.case.entry for o in outcomes if o.status is not None and o.status >= 500)
    statuses = {entry: dict(sorted(Counter(str(o.status) for o in outcomes if o.case.entry == entry).items()))
                for entry in per_entry}
    problems = [o for o in outcomes if o.problem]
    summary = {"seed": SEED, "requests": len(outcomes), "per_entry_point": dict(per_entry),
               "5xx": sum(errors_5xx.values()), "5xx_per_entry_point": dict(errors_5xx),
               "statuses": statuses, "problems": len(problems), "seconds": round(took, 1),
               "slowest_s": round(max(o.elapsed for o in outcomes), 2),
               "rest_cases_after_custom_rest_channel": RUN_REST_CASES_AFTER_CUSTOM_REST_CHANNEL}
    out = PROJECT_ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "fuzz-summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print("\nfuzz summary:", json.dumps(summary))

    def describe(o: Outcome) -> str:
        shown = {k: (v if not isinstance(v, (bytes, str)) or len(v) < 200 else f"<{len(v)} long>")
                 for k, v in o.case.kwargs.items()}
        return f"{o.problem}: {o.case.method} {o.case.url[:120]} {shown}"[:600]

    (out / "fuzz-problems.txt").write_text("".join(describe(o) + "\n" for o in problems), encoding="utf-8")

    assert len(outcomes) >= 2000
    assert not problems, f"{len(problems)} bad answers, e.g.:\n" + "\n".join(describe(o) for o in problems[:15])
    # The servers are still up and serving after the run.
    assert httpx.get(f"{servers.action_url}/health", timeout=10).status_code == 200
    assert httpx.get(servers.rasa_url, timeout=10).status_code == 200
