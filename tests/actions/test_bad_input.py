"""Bad input on the action server's HTTP routes (Open311, the staff endpoint, the hotline API), served
for real on a loopback port with the store on SQLite and PostgreSQL: each gets a clear 4xx naming
the problem, never a 500, and nothing is stored. Each case here was a 500 (or an accepted 20 MB
media_url) before."""
import httpx
import pytest
from sanic import Sanic

from actions import services
from actions.hotline_api import hotline_api
from actions.open311 import MAX_MEDIA_URL_CHARS
from actions.server import REQUEST_LIMITS, build_app, mount_back_office
from actions.store import NewReport
from bot.settings import Settings
from tests.actions.conftest import new_app, served

OPEN311_KEY, STAFF_KEY, API_TOKEN = "crm-key", "staff-key", "internal-token"
NOT_UTF8 = b"\xff\xfe\xfd"


@pytest.fixture
async def client(store):
    """One client on a server with Open311, staff and hotline API routes, keys configured."""
    settings = Settings(open311_api_keys=(OPEN311_KEY,), staff_api_keys=(STAFF_KEY,),
                        hotline_api_token=API_TOKEN, rasa_url="http://127.0.0.1:9")
    services.install(services.Services(settings=settings, store=store))
    app = new_app("bad_input")
    mount_back_office(app)
    app.blueprint(hotline_api(settings))
    async with served(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield http
    services.install(None)


def form(**overrides):
    values = {"api_key": OPEN311_KEY, "service_code": "waste", "address_string": "12 Lê Lợi",
              "description": "Rác ùn ứ", "media_url": "https://example.org/rac.jpg"}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def refused(response, status, words):
    assert response.status_code == status, response.text
    body = response.json()
    text = body[0]["description"] if isinstance(body, list) else body["error"]
    assert words in text, text


# --- Open311 ---

@pytest.mark.parametrize("overrides, words", [
    ({"media_url": "https://example.org/" + "a" * MAX_MEDIA_URL_CHARS}, "media_url is longer"),
    ({"media_url": "http://[::1"}, "media_url must be"),  # unclosed IPv6 host: urlparse raised
    ({"media_url": "https://example.org/a b.jpg"}, "media_url must be"),
    ({"media_url": "https:///no-host.jpg"}, "media_url must be"),
    ({"media_url": "javascript:alert(1)"}, "media_url must be"),
    ({"address_string": "x" * 501}, "address_string is longer"),
    ({"phone": "0" * 33}, "phone is longer"),
])
async def test_open311_refuses_oversized_and_malformed_fields(client, store, overrides, words):
    refused(await client.post("/open311/v2/requests.json", data=form(**overrides)), 400, words)
    assert store.list_reports() == []


async def test_open311_refuses_a_body_over_its_limit(client, store):
    """A 20 MB media_url was accepted and served back publicly; now the body is refused, by the route
    (over 128 KiB) and, beyond 16 MiB, by the server itself before any handler runs."""
    response = await client.post("/open311/v2/requests.json",
                                 data=form(media_url="https://example.org/" + "a" * 200_000))
    refused(response, 413, "body is over")
    assert store.list_reports() == []


@pytest.mark.parametrize("key", [NOT_UTF8, "ключ".encode(), b"crm\x01key"])
async def test_open311_refuses_an_idempotency_key_that_is_not_printable_ascii(client, store, key):
    response = await client.post("/open311/v2/requests.json", data=form(), headers={"Idempotency-Key": key})
    refused(response, 400, "Idempotency-Key must be printable ASCII")
    assert store.list_reports() == []


async def test_open311_keeps_a_report_with_nul_characters_without_them(client, store):
    response = await client.post("/open311/v2/requests.json",
                                 data=form(description="Rác\x00 ùn ứ", address_string="12\x00 Lê Lợi"))
    assert response.status_code == 200, response.text
    stored = store.report_by_code(response.json()[0]["service_request_id"])
    assert (stored.description, stored.location_text) == ("Rác ùn ứ", "12 Lê Lợi")


async def test_open311_api_key_that_is_not_utf8_is_forbidden(client, store):
    response = await client.post("/open311/v2/requests.json?api_key=%FF%FE", data=form(api_key=None))
    refused(response, 403, "api_key")


@pytest.mark.parametrize("path", ["/open311/v2/requests.xml", "/open311/v2/services.xml",
                                  "/open311/v2/services/waste.xml", "/open311/v2/requests/HUE-2026-000001.xml",
                                  "/open311/v2/nothing", "/open311/v3/services.json", "/no/such/route"])
async def test_unknown_formats_and_routes_are_404(client, path):
    assert (await client.get(path)).status_code == 404


async def test_a_stored_chat_photo_that_is_no_url_does_not_break_the_public_list(client, store):
    """Photos typed in a chat are stored as given; one such as "http://[x" made GET requests.json 500."""
    store.submit_report(NewReport(idempotency_key="chat-1", sender_id="zalo-1", category="waste",
                                  description="Rác", location_text="Chợ Đông Ba",
                                  photos=["http://[x", "https://example.org/ok.jpg"]))
    response = await client.get("/open311/v2/requests.json")
    assert response.status_code == 200, response.text
    assert response.json()[0]["media_url"] == "https://example.org/ok.jpg"


# --- staff endpoint ---

@pytest.mark.parametrize("authorization", [b"Bearer " + NOT_UTF8, "Bearer " + "k" * 7000, "Bearer ключ".encode()])
async def test_staff_authorization_that_is_not_a_key_is_401(client, store, authorization):
    response = await client.post("/staff/reports/1/status", headers={"Authorization": authorization},
                                 json={"status": "resolved"})
    refused(response, 401, "missing or invalid")


@pytest.mark.parametrize("code", ["9" * 40, "99999999999", "%C2%B2", "%00", "HUE-2026-000001%00"])
async def test_staff_code_that_is_no_report_is_404(client, store, code):
    response = await client.post(f"/staff/reports/{code}/status", headers={"Authorization": f"Bearer {STAFF_KEY}"},
                                 json={"status": "resolved"})
    assert response.status_code == 404, response.text


async def test_staff_body_over_its_limit_is_413(client, store):
    response = await client.post("/staff/reports/1/status", headers={"Authorization": f"Bearer {STAFF_KEY}"},
                                 json={"status": "resolved", "note": "x" * 40_000})
    refused(response, 413, "body is over")


def test_the_action_server_has_its_own_request_limits():
    """actions/server.py REQUEST_LIMITS, not Sanic's defaults (100 MB bodies)."""
    # Sanic allows one app per name and process: build ours in test mode, unregister it afterwards,
    # so other tests that build the app run in any order.
    before, Sanic.test_mode = Sanic.test_mode, True
    try:
        app = build_app(Settings(var_dir=Settings().var_dir))
    finally:
        Sanic.test_mode = before
    try:
        assert app.config.REQUEST_MAX_SIZE == REQUEST_LIMITS["REQUEST_MAX_SIZE"] <= 16 * 1024 * 1024
        assert app.config.REQUEST_MAX_HEADER_SIZE == REQUEST_LIMITS["REQUEST_MAX_HEADER_SIZE"] == 8 * 1024
    finally:
        Sanic._app_registry.pop(app.name, None)


# --- hotline API (the console's internal API) ---

def internal(token=API_TOKEN):
    return {"Authorization": f"Bearer {token}"}


async def test_hotline_api_token_that_is_not_utf8_is_401(client):
    response = await client.get("/hotline-api/calls/call-1", headers={"Authorization": b"Bearer " + NOT_UTF8})
    refused(response, 401, "internal token")


async def test_hotline_api_report_with_the_longest_ids_is_stored_once(client, store):
    """call id and key of 64 characters each made an idempotency key over the column (a 500 on
    PostgreSQL); long keys are now hashed by the store."""
    call_id, key = "c" * 64, "k" * 64
    assert (await client.post("/hotline-api/calls", headers=internal(),
                              json={"call_id": call_id, "agent": "an.nguyen"})).status_code == 201
    body = {"call_id": call_id, "key": key, "category": "waste", "description": "Rác ùn ứ"}
    first = await client.post("/hotline-api/reports", headers=internal(), json=body)
    again = await client.post("/hotline-api/reports", headers=internal(), json=body)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert first.json()["code"] == again.json()["code"] and len(store.list_reports()) == 1


@pytest.mark.parametrize("body, words", [
    ({"call_id": "call\x01", "agent": "an"}, "call_id must not contain control characters"),
    ({"call_id": "call-1", "agent": "an\x1b[31m"}, "agent must not contain control characters"),
    ({"call_id": "call-1", "agent": "a" * 65}, "agent is longer"),
])
async def test_hotline_api_refuses_ids_with_control_characters(client, store, body, words):
    refused(await client.post("/hotline-api/calls", headers=internal(), json=body), 400, words)


async def test_hotline_api_drops_nul_from_ids(client, store):
    response = await client.post("/hotline-api/calls", headers=internal(),
                                 json={"call_id": "call-\x00nul", "agent": "an"})
    assert response.status_code == 201 and response.json()["call_id"] == "call-nul"
