"""actions/open311.py: the GeoReport v2 routes served for real on a loopback port, with the store on
SQLite and PostgreSQL, and every response checked against a JSON schema of the spec's field list
(https://wiki.open311.org/GeoReport_v2)."""
import datetime as dt

import httpx
import jsonschema
import pytest
from sqlalchemy import update

from actions import open311, services
from actions.models import Report
from actions.reports import CATEGORIES
from actions.server import build_app, mount_back_office
from actions.store import NewReport
from bot.settings import Settings
from tests.actions.conftest import new_app, served

KEY = "city-crm-key-1"
NULLABLE_TEXT = {"type": ["string", "null"]}
W3C = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}

SERVICES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "additionalProperties": False,
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": NULLABLE_TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": NULLABLE_TEXT,
            "group": NULLABLE_TEXT,
        },
    },
}
DEFINITION_SCHEMA = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "additionalProperties": False,
    "properties": {"service_code": {"type": "string"}, "attributes": {"type": "array"}},
}
REQUESTS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "status_notes", "service_name", "service_code",
                     "description", "agency_responsible", "service_notice", "requested_datetime",
                     "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                     "lat", "long", "media_url"],
        "additionalProperties": False,
        "properties": {
            "service_request_id": {"type": "string", "pattern": r"^HUE-\d{4}-\d{6}$"},
            "status": {"enum": ["open", "closed"]},
            "status_notes": NULLABLE_TEXT,
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": NULLABLE_TEXT,
            "agency_responsible": NULLABLE_TEXT,
            "service_notice": NULLABLE_TEXT,
            "requested_datetime": W3C,
            "updated_datetime": {"anyOf": [W3C, {"type": "null"}]},
            "expected_datetime": {"anyOf": [W3C, {"type": "null"}]},
            "address": NULLABLE_TEXT,
            "address_id": NULLABLE_TEXT,
            "zipcode": NULLABLE_TEXT,
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": {"anyOf": [{"type": "string", "pattern": "^https?://"}, {"type": "null"}]},
        },
    },
}
POST_SCHEMA = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "service_notice", "account_id"],
        "additionalProperties": False,
        "properties": {"service_request_id": {"type": "string", "pattern": r"^HUE-\d{4}-\d{6}$"},
                       "service_notice": NULLABLE_TEXT, "account_id": NULLABLE_TEXT},
    },
}
ERROR_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"], "additionalProperties": False,
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
}


def valid(instance, schema):
    jsonschema.validate(instance, schema)
    return instance


@pytest.fixture
async def api(store):
    """An httpx client on a real server with the Open311 routes, keys configured."""
    services.install(services.Services(settings=Settings(open311_api_keys=(KEY, "other-key")), store=store))
    app = new_app("open311")
    mount_back_office(app)
    async with served(app) as url:
        async with httpx.AsyncClient(base_url=f"{url}/open311/v2") as client:
            yield client
    services.install(None)


def form(**overrides):
    values = {"api_key": KEY, "service_code": "road_damage", "lat": "16.4637", "long": "107.5909",
              "address_string": "12 Lê Lợi, Phú Hội", "description": "Ổ gà sâu giữa đường",
              "phone": "0905 123 456", "first_name": "Lan", "media_url": "https://example.org/o-ga.jpg"}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def assert_error(response, code, words):
    assert response.status_code == code, response.text
    [error] = valid(response.json(), ERROR_SCHEMA)
    assert error["code"] == code and words in error["description"]


async def test_services_list_every_category(api):
    response = await api.get("/services.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    listed = valid(response.json(), SERVICES_SCHEMA)
    assert [s["service_code"] for s in listed] == [c.code for c in CATEGORIES]
    lighting = next(s for s in listed if s["service_code"] == "street_lighting")
    assert lighting["service_name"] == "Chiếu sáng công cộng" and "den duong" in lighting["keywords"]
    assert lighting["metadata"] is False and lighting["type"] == "realtime"


async def test_service_definition_and_unknown_service(api):
    response = await api.get("/services/trees.json")
    assert valid(response.json(), DEFINITION_SCHEMA) == {"service_code": "trees", "attributes": []}
    assert_error(await api.get("/services/graffiti.json"), 404, "graffiti")


async def test_post_stores_a_request_that_get_shows_without_private_fields(api, store):
    response = await api.post("/requests.json", data=form())
    assert response.status_code == 200, response.text
    [created] = valid(response.json(), POST_SCHEMA)
    code = created["service_request_id"]
    stored = store.report_by_code(code)
    assert (stored.channel, stored.category, stored.phone) == ("open311", "road_damage", "+84905123456")
    assert stored.description == "Ổ gà sâu giữa đường" and stored.location_text == "12 Lê Lợi, Phú Hội"

    one = await api.get(f"/requests/{code}.json")
    [shown] = valid(one.json(), REQUESTS_SCHEMA)
    assert shown["service_request_id"] == code and shown["status"] == "open"
    assert (shown["lat"], shown["long"]) == (16.4637, 107.5909)
    assert shown["address"] == "12 Lê Lợi, Phú Hội" and shown["media_url"] == "https://example.org/o-ga.jpg"
    assert shown["requested_datetime"].endswith("+07:00")
    listed = valid((await api.get("/requests.json")).json(), REQUESTS_SCHEMA)
    assert [r["service_request_id"] for r in listed] == [code]
    for body in (one.text, (await api.get("/requests.json")).text):
        for private in ("0905", "905123456", "+84", stored.sender_id + '"', "Lan"):
            assert private not in body


async def test_post_without_a_usable_key_is_forbidden(api, store):
    assert_error(await api.post("/requests.json", data=form(api_key=None)), 403, "api_key")
    assert_error(await api.post("/requests.json", data=form(api_key="city-crm-key-2")), 403, "api_key")
    assert_error(await api.post("/requests.json", data=form(api_key=KEY[:-1])), 403, "api_key")
    assert store.list_reports() == []


async def test_post_refused_when_no_keys_are_configured(store):
    services.install(services.Services(settings=Settings(), store=store))
    app = new_app("open311_nokeys")
    mount_back_office(app)
    try:
        async with served(app) as url, httpx.AsyncClient(base_url=f"{url}/open311/v2") as client:
            assert_error(await client.post("/requests.json", data=form(api_key="")), 403, "not configured")
            assert (await client.get("/services.json")).status_code == 200  # GETs stay public
    finally:
        services.install(None)


@pytest.mark.parametrize("overrides, code, words", [
    ({"service_code": None}, 400, "service_code was not provided"),
    ({"service_code": "graffiti"}, 404, "service_code graffiti not found"),
    ({"lat": None, "long": None, "address_string": None}, 400, "location is required"),
    ({"long": None}, 400, "together"),
    ({"lat": "north"}, 400, "lat must be a number"),
    ({"lat": "21.0285", "long": "105.8542"}, 400, "outside the Hue"),  # Hà Nội
    ({"description": "   "}, 400, "description was not provided"),
    ({"phone": "12345"}, 400, "phone"),
    ({"media_url": "file-id-1"}, 400, "media_url"),
])
async def test_post_with_a_missing_or_invalid_field(api, store, overrides, code, words):
    assert_error(await api.post("/requests.json", data=form(**overrides)), code, words)
    assert store.list_reports() == []


async def test_post_with_address_only_and_no_phone(api, store):
    response = await api.post("/requests.json", data=form(lat=None, long=None, phone=None, media_url=None))
    [created] = valid(response.json(), POST_SCHEMA)
    [shown] = valid((await api.get(f"/requests/{created['service_request_id']}.json")).json(), REQUESTS_SCHEMA)
    assert shown["lat"] is None and shown["address"] == "12 Lê Lợi, Phú Hội" and shown["media_url"] is None


async def test_idempotency_key_makes_a_retry_return_the_same_request(api, store):
    first = await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "crm-4711"})
    retry = await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "crm-4711"})
    assert first.json() == retry.json() and retry.headers.get("idempotent-replayed") == "true"
    # The same header from another client (another key) is another request.
    other = await api.post("/requests.json", data=form(api_key="other-key"), headers={"Idempotency-Key": "crm-4711"})
    # Without the header every POST is a new request.
    plain = [await api.post("/requests.json", data=form()) for _ in range(2)]
    ids = {r.json()[0]["service_request_id"] for r in [first, other, *plain]}
    assert len(ids) == 4 and len(store.list_reports()) == 4
    assert_error(await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "x" * 101}),
                 400, "Idempotency-Key")


def file(store, key, category="road_damage", **extra):
    report, _ = store.submit_report(NewReport(idempotency_key=key, sender_id=f"zalo-{key}", channel="zalo",
                                              category=category, description=f"mô tả {key}",
                                              phone="+84905000111", **extra))
    return report.code


def backdate(store, code, days):
    with store.session() as session, session.begin():
        session.execute(update(Report).where(Report.code == code).values(
            created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)))


async def codes(api, **params):
    response = await api.get("/requests.json", params=params)
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in valid(response.json(), REQUESTS_SCHEMA)]


async def test_get_requests_filters(api, store):
    road, waste, tree = file(store, "a"), file(store, "b", "waste"), file(store, "c", "trees")
    store.change_status(tree, "resolved", "đã cắt tỉa")
    old = file(store, "d")
    backdate(store, old, days=120)

    assert await codes(api) == [tree, waste, road]  # newest first; the 120-day-old one is outside 90 days
    assert await codes(api, service_code="waste,trees") == [tree, waste]
    assert await codes(api, status="open") == [waste, road]
    assert await codes(api, status="closed") == [tree]
    assert await codes(api, status="open,closed") == [tree, waste, road]
    assert await codes(api, service_request_id=f"{road},{old.lower()},HUE-2020-000001") == [road, old]
    assert await codes(api, service_request_id="nothing-of-ours") == []
    now = dt.datetime.now(dt.timezone.utc)
    assert await codes(api, start_date=(now - dt.timedelta(days=200)).isoformat()) == [tree, waste, road, old]
    assert await codes(api, end_date=(now - dt.timedelta(days=100)).isoformat()) == [old]
    assert await codes(api, start_date=(now + dt.timedelta(hours=1)).isoformat()) == []
    # an unencoded "+07:00" arrives as " 07:00"
    local = (now - dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert await codes(api, start_date=local.strftime("%Y-%m-%dT%H:%M:%S 07:00")) == [tree, waste, road]
    [closed] = (await api.get("/requests.json", params={"status": "closed"})).json()
    assert closed["status_notes"] == "đã cắt tỉa" and closed["service_notice"] == "Đã xử lý xong."


@pytest.mark.parametrize("params, code, words", [
    ({"status": "pending"}, 400, "status must be open or closed"),
    ({"start_date": "last week"}, 400, "start_date"),
    ({"start_date": "2026-11-10T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, 400, "before"),
    ({"service_code": "graffiti"}, 404, "graffiti"),
])
async def test_get_requests_with_bad_filters(api, params, code, words):
    assert_error(await api.get("/requests.json", params=params), code, words)


async def test_unknown_request_is_404(api, store):
    file(store, "a")
    assert_error(await api.get("/requests/HUE-2026-999999.json"), 404, "HUE-2026-999999")
    assert_error(await api.get("/requests/42.json"), 404, "42")


def test_default_window_and_limit_follow_the_spec():
    now = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
    query = open311.request_query({}, now)
    assert query.start == now - dt.timedelta(days=90) and query.end is None and query.limit == 1000
    end = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    assert open311.request_query({"end_date": "2026-06-01T00:00:00Z"}, now).start == end - dt.timedelta(days=90)
    # a date without a time or offset is Vietnam time
    assert open311.parse_w3c_datetime("2026-11-01", "start_date") == dt.datetime(
        2026, 10, 31, 17, tzinfo=dt.timezone.utc)


def test_keys_are_matched_exactly():
    assert open311.key_allowed("k1", ("k0", "k1"))
    assert not open311.key_allowed("k", ("k0", "k1")) and not open311.key_allowed(None, ("k1",))
    assert not open311.key_allowed("", ("",)) and not open311.key_allowed("k1", ())


def test_build_app_mounts_open311_and_staff_routes():
    app = build_app(Settings(var_dir=Settings().var_dir))
    app.router.finalize()
    paths = {route.path for route in app.router.routes}
    assert {"open311/v2/services.json", "open311/v2/requests.json", "staff/reports/<code:str>/status"} <= paths


@pytest.fixture
async def app_api(postgres_url):
    """The routes inside rasa-sdk's app, as `python -m actions.server` serves them (its app-wide
    error handler included), on a real PostgreSQL store."""
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import Sanic

    from actions.store import Store

    store = Store(postgres_url)
    services.install(services.Services(settings=Settings(open311_api_keys=(KEY,)), store=store))
    Sanic.test_mode = True  # rasa-sdk names every app "rasa_sdk"; test mode allows one per test
    app = create_app(ActionExecutor())
    app.config.TOUCHUP = False
    mount_back_office(app)
    async with served(app) as url:
        async with httpx.AsyncClient(base_url=f"{url}/open311/v2") as client:
            yield client, store
    services.install(None)
    store.close()


def assert_unavailable(response, postgres_url):
    """503 + Retry-After, the spec's error body, and nothing of the connection in it."""
    from sqlalchemy.engine import make_url

    assert_error(response, 503, "retry later")
    assert int(response.headers["retry-after"]) > 0
    database = make_url(postgres_url)
    for secret in (database.database, database.host, str(database.port), "psycopg2", "OperationalError"):
        assert secret not in response.text


async def test_database_outage_is_a_503_with_retry_after_and_a_retried_post_stores_once(app_api, postgres_url):
    from tests.conftest import database_away

    api, store = app_api
    with database_away(postgres_url):
        during = await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "crm-outage-1"})
        assert_unavailable(during, postgres_url)
        assert_unavailable(await api.get("/requests.json"), postgres_url)
        assert_unavailable(await api.get("/requests/HUE-2026-000001.json"), postgres_url)
    # Back: the client's retry with the same key files it, and a second retry replays it.
    first = await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "crm-outage-1"})
    again = await api.post("/requests.json", data=form(), headers={"Idempotency-Key": "crm-outage-1"})
    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json() and again.headers.get("idempotent-replayed") == "true"
    assert len(store.list_reports()) == 1


async def test_phone_numbers_typed_into_public_fields_are_masked(api, store):
    """A citizen who writes their number into the place or the description: Open311 is public."""
    store.submit_report(NewReport(idempotency_key="typed-phone", sender_id="telegram:710009", channel="telegram",
                                  category="waste", description="Rác ở hẻm, gọi tôi 0905 123 456 hoặc +84 914.222.333",
                                  location_text="nhà chị Lan, sđt 0234 3822 222"))
    body = (await api.get("/requests.json")).text
    [shown] = valid((await api.get("/requests.json")).json(), REQUESTS_SCHEMA)
    for digits in ("0905 123 456", "123 456", "914.222", "0234 3822", "3822 222"):
        assert digits not in body
    assert shown["description"] == "Rác ở hẻm, gọi tôi *******456 hoặc ********333"
    assert shown["address"].startswith("nhà chị Lan, sđt ***")
