"""channels/hotline.py end to end: every console endpoint against the real Rasa and action servers —
sign-in required (401, or a redirect for pages), the supervisor's routes refused to agents (403), bad
input refused (4xx with a JSON error), and the happy paths through Rasa's NLU, the knowledge engine
and the report store."""
import json
import re
import time

import httpx
import pytest

from tests.channels.conftest import AGENT, FEED_TOKEN, SUPERVISOR

PROTECTED = [
    ("POST", "/logout"), ("GET", "/me"), ("GET", "/categories"), ("POST", "/calls"),
    ("GET", "/calls/call-x"), ("GET", "/calls/call-x/events"), ("POST", "/calls/call-x/end"),
    ("POST", "/webhook"), ("POST", "/feed"), ("POST", "/search"), ("POST", "/feedback"),
    ("POST", "/reports"), ("GET", "/dashboard/data"), ("GET", "/static/console.js"),
    ("GET", "/static/dashboard.js"), ("GET", "/static/chart.umd.js"),
]
CODE_RE = re.compile(r"^HUE-\d{4}-\d{6}$")


def start_call(client, phone="0905 123 456"):
    response = client.post("/calls", json={"phone": phone})
    assert response.status_code == 201, response.text
    return response.json()["call_id"]


@pytest.mark.parametrize("method,path", PROTECTED)
def test_every_endpoint_needs_a_session(anonymous, method, path):
    response = anonymous.request(method, path, json={})
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_pages_send_strangers_to_sign_in(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/webhooks/hotline/login")


def test_sign_in_page_and_its_assets_are_public(anonymous):
    page = anonymous.get("/login")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert anonymous.get("/static/style.css").status_code == 200
    assert anonymous.get("/static/login.js").status_code == 200
    assert anonymous.get("/static/nope.js").status_code == 404


def test_sign_in_sets_a_signed_httponly_samesite_cookie(console_url):
    with httpx.Client(base_url=console_url) as client:
        response = client.post("/login", json={"username": AGENT[0], "password": AGENT[1]})
        assert response.status_code == 200
        assert response.json() == {"user": AGENT[0], "role": "agent"}
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/webhooks/hotline" in cookie
        assert client.get("/me").json() == {"user": AGENT[0], "role": "agent"}
        # A tampered cookie is no session.
        value = client.cookies.get("hue_hotline_session")
        client.cookies.clear()
        client.cookies.set("hue_hotline_session", value.replace(".", "x.", 1))
        assert client.get("/me").status_code == 401


@pytest.mark.parametrize("body,status", [
    ({"username": AGENT[0], "password": "wrong"}, 401),
    ({"username": "nobody", "password": AGENT[1]}, 401),
    ({"username": AGENT[0]}, 400),
    ([1, 2], 400),
])
def test_sign_in_refuses_bad_credentials_and_input(anonymous, body, status):
    response = anonymous.post("/login", json=body)
    assert response.status_code == status
    assert "hue_hotline_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; application/json",
                                          "application/x-www-form-urlencoded; x=application/json",
                                          "multipart/form-data; boundary=application/json", ""])
def test_console_accepts_exactly_application_json(agent, anonymous, content_type):
    """A cross-site form can send "simple" content types without a CORS preflight: all refused."""
    body = json.dumps({"username": AGENT[0], "password": AGENT[1]})
    assert anonymous.post("/login", content=body, headers={"content-type": content_type}).status_code == 415
    query = json.dumps({"query": "giờ mở cửa Đại Nội"})
    assert agent.post("/search", content=query, headers={"content-type": content_type}).status_code == 415
    assert agent.post("/search", content=query,
                      headers={"content-type": "application/json; charset=utf-8"}).status_code == 200


def test_sign_in_refuses_non_json_and_oversized_bodies(anonymous):
    assert anonymous.post("/login", content="username=a", headers={"content-type": "text/plain"}).status_code == 415
    assert anonymous.post("/login", json={"username": "a", "password": "x" * 20000}).status_code == 413


def test_repeated_wrong_passwords_slow_the_name_down_with_429(anonymous):
    # A name of its own, so the other tests' sign-ins are not slowed.
    for _ in range(3):
        assert anonymous.post("/login", json={"username": "guessed", "password": "nope"}).status_code == 401
    response = anonymous.post("/login", json={"username": "guessed", "password": "still-nope"})
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 30
    assert "hue_hotline_session" not in response.headers.get("set-cookie", "")


def test_a_stranger_guessing_cannot_lock_staff_out(console_url, anonymous):
    """Wrong passwords for the supervisor's name from one address: the supervisor waits seconds (the
    backoff), never 15 minutes, and an agent at the same address is not slowed at all."""
    for _ in range(3):
        assert anonymous.post("/login", json={"username": SUPERVISOR[0], "password": "guess"}).status_code == 401
    refused = anonymous.post("/login", json={"username": SUPERVISOR[0], "password": SUPERVISOR[1]})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 2
    with httpx.Client(base_url=console_url, timeout=60) as colleague:  # same address (loopback)
        assert colleague.post("/login", json={"username": AGENT[0], "password": AGENT[1]}).status_code == 200
    time.sleep(int(refused.headers["retry-after"]) + 0.2)
    with httpx.Client(base_url=console_url, timeout=60) as owner:
        assert owner.post("/login", json={"username": SUPERVISOR[0], "password": SUPERVISOR[1]}).status_code == 200


def test_sign_out_ends_the_session(agent):
    assert agent.get("/me").status_code == 200
    assert agent.post("/logout", json={}).status_code == 200
    assert agent.get("/me").status_code == 401


def test_a_copied_cookie_stops_working_after_sign_out(console_url):
    """Sign-out revokes the session on the server: a copy of the cookie (another tab, a stolen
    value) is refused afterwards, not only the browser's own cookie cleared."""
    with httpx.Client(base_url=console_url, timeout=60) as browser, \
            httpx.Client(base_url=console_url, timeout=60) as copy:
        assert browser.post("/login", json={"username": AGENT[0], "password": AGENT[1]}).status_code == 200
        copy.cookies.set("hue_hotline_session", browser.cookies.get("hue_hotline_session"))
        assert copy.get("/me").status_code == 200
        assert browser.post("/logout", json={}).status_code == 200
        assert copy.get("/me").status_code == 401
        assert copy.post("/search", json={"query": "giờ mở cửa Đại Nội"}).status_code == 401
    with httpx.Client(base_url=console_url, timeout=60) as again:  # signing in again works
        assert again.post("/login", json={"username": AGENT[0], "password": AGENT[1]}).status_code == 200


def test_no_cross_origin_access_to_the_console_or_the_rest_channel(console_url, hotline_servers):
    """No CORS headers for another origin (the launcher used to pass --cors "*")."""
    evil = {"Origin": "https://evil.example"}
    with httpx.Client(timeout=60) as client:
        for method, url in (("OPTIONS", f"{console_url}/login"), ("POST", f"{console_url}/login"),
                            ("OPTIONS", hotline_servers.rest_url), ("GET", f"{hotline_servers.rasa_url}/")):
            response = client.request(method, url, headers={**evil, "Access-Control-Request-Method": "POST"})
            assert "access-control-allow-origin" not in response.headers, (method, url)
            assert "access-control-allow-credentials" not in response.headers


def test_console_page_for_staff(agent, supervisor):
    for client in (agent, supervisor):
        page = client.get("/")
        assert page.status_code == 200 and 'id="suggestions"' in page.text
        assert client.get("/static/console.js").status_code == 200


def test_dashboard_is_for_supervisors_only(agent, supervisor):
    assert agent.get("/dashboard").status_code == 403
    assert agent.get("/dashboard/data").status_code == 403
    page = supervisor.get("/dashboard")
    assert page.status_code == 200 and 'id="chart-questions"' in page.text
    assert supervisor.get("/static/chart.umd.js").text.startswith("/*!\n * Chart.js v4.6.1")


def test_categories_come_from_the_report_rules(agent):
    categories = agent.get("/categories").json()
    assert {"code": "street_lighting", "vi": "Chiếu sáng công cộng", "en": "Street lighting"} in categories


def test_calls_refuse_a_bad_phone_and_unknown_ids(agent):
    response = agent.post("/calls", json={"phone": "12345"})
    assert response.status_code == 400 and "phone" in response.json()["error"]
    assert agent.get("/calls/call-unknown").status_code == 404
    assert agent.post("/calls/call-unknown/end", json={}).status_code == 404
    assert agent.get("/calls/call-x/events", params={"after": "x"}).status_code == 400


def test_a_vietnamese_question_gets_intent_and_three_sourced_suggestions(agent):
    call_id = start_call(agent)
    response = agent.post("/webhook", json={"call_id": call_id, "text": "làm căn cước công dân ở đâu vậy"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["intent"]["name"] == "ask_procedure"
    assert result["language"] == "vi"
    items = result["suggestions"]["items"]
    assert len(items) == 3
    assert items[0]["entry_id"] == "proc.citizen_id_card"
    assert all(item["source_url"].startswith("http") and item["title"] and item["short_answer"] for item in items)
    assert items[0]["confidence"] >= items[1]["confidence"] and 0 <= items[2]["confidence"] <= 1
    assert result["suggestions"]["answered"] is True
    assert result["next_step"] == {"action": "read_answer", "entry_id": "proc.citizen_id_card"}
    events = agent.get(f"/calls/{call_id}/events").json()["events"]
    assert [e["seq"] for e in events] == [result["seq"]]


def test_each_utterance_also_goes_through_the_dialogue_as_the_calls_conversation(agent, hotline_servers):
    call_id = start_call(agent)
    agent.post("/webhook", json={"call_id": call_id, "text": "giờ mở cửa Đại Nội Huế"})
    deadline = time.monotonic() + 30
    while True:  # the dialogue runs in the background, after the agent has the suggestions
        tracker = httpx.get(f"{hotline_servers.rasa_url}/conversations/hotline:{call_id}/tracker").json()
        bot_jsons = [e.get("data", {}).get("custom") for e in tracker["events"] if e["event"] == "bot"]
        if any(bot_jsons) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    [user] = [e for e in tracker["events"] if e["event"] == "user"]
    assert user["input_channel"] == "hotline" and user["text"] == "giờ mở cửa Đại Nội Huế"
    assert user["parse_data"]["intent"]["name"] == "ask_tourism"
    assert {"kind": "knowledge_answer", "entry_id": "tour.imperial_city"}.items() <= \
        [j for j in bot_jsons if j][0].items()


def test_a_reported_problem_suggests_a_prefilled_report(agent):
    call_id = start_call(agent)
    result = agent.post("/webhook", json={"call_id": call_id,
                                          "text": "đèn đường hỏng ở đường Lê Lợi mấy hôm nay"}).json()
    assert result["next_step"]["action"] == "file_report"
    assert result["next_step"]["category"] == "street_lighting"
    assert result["next_step"]["place"].startswith("đường Lê Lợi")


def test_the_background_dialogue_never_keeps_a_form_open(agent, hotline_servers):
    call_id = start_call(agent)
    agent.post("/webhook", json={"call_id": call_id, "text": "tôi muốn phản ánh đèn đường hỏng ở Lê Lợi"})
    deadline = time.monotonic() + 30
    while True:
        tracker = httpx.get(f"{hotline_servers.rasa_url}/conversations/hotline:{call_id}/tracker").json()
        loops = [e["name"] for e in tracker["events"] if e["event"] == "active_loop"]
        if (loops and loops[-1] is None) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert loops[0] == "incident_report_form"  # the chat dialogue did start its form …
    assert loops[-1] is None and not tracker["active_loop"].get("name")  # … and the channel closed it
    assert tracker["slots"]["requested_slot"] is None


@pytest.mark.parametrize("body,status", [
    ({"text": "xin chào"}, 400),
    ({"call_id": "call-x"}, 400),
    ({"call_id": "call-x", "text": 5}, 400),
    ({"call_id": "call-x", "text": "x" * 501}, 400),
    ({"call_id": "call-unknown", "text": "xin chào"}, 404),
])
def test_utterances_refuse_bad_input(agent, body, status):
    response = agent.post("/webhook", json=body)
    assert response.status_code == status
    assert response.json()["error"]


def test_utterance_bodies_over_the_limit_are_refused(agent):
    assert agent.post("/webhook", json={"call_id": "c", "text": "a" * 17000}).status_code == 413


def test_transcript_feed_needs_its_token_and_reaches_the_console(agent, anonymous):
    call_id = start_call(agent)
    body = {"call_id": call_id, "text": "giờ mở cửa Đại Nội Huế"}
    assert anonymous.post("/feed", json=body).status_code == 401
    assert anonymous.post("/feed", json=body, headers={"authorization": "Bearer wrong"}).status_code == 401
    fed = anonymous.post("/feed", json=body, headers={"authorization": f"Bearer {FEED_TOKEN}"})
    assert fed.status_code == 200, fed.text
    assert fed.json()["source"] == "transcript"
    [event] = agent.get(f"/calls/{call_id}/events", params={"after": 0}).json()["events"]
    assert event["text"] == body["text"]
    assert event["suggestions"]["items"][0]["entry_id"] == "tour.imperial_city"
    assert agent.get(f"/calls/{call_id}/events", params={"after": event["seq"]}).json()["events"] == []


def test_manual_search(agent):
    assert agent.post("/search", json={"query": ""}).status_code == 400
    assert agent.post("/search", json={"query": "a", "language": "fr"}).status_code == 400
    result = agent.post("/search", json={"query": "imperial city opening hours"}).json()
    assert result["language"] == "en"
    assert result["items"][0]["entry_id"] == "tour.imperial_city"


def test_suggestion_feedback(agent):
    call_id = start_call(agent)
    for body in ({"call_id": call_id, "entry_id": "tour.imperial_city", "verdict": "great"},
                 {"call_id": call_id, "entry_id": "no.such.entry", "verdict": "helpful"},
                 {"call_id": call_id, "verdict": "helpful"}):
        response = agent.post("/feedback", json=body)
        assert response.status_code == 400, body
    assert agent.post("/feedback", json={"call_id": "call-unknown", "entry_id": "tour.imperial_city",
                                         "verdict": "used"}).status_code == 404
    response = agent.post("/feedback", json={"call_id": call_id, "entry_id": "tour.imperial_city",
                                             "verdict": "helpful"})
    assert response.status_code == 201
    assert agent.get(f"/calls/{call_id}").json()["entries_used"] == ["tour.imperial_city"]


def test_filing_a_report_for_the_caller(agent):
    call_id = start_call(agent, phone="0905 123 456")
    body = {"call_id": call_id, "key": "k1", "category": "street_lighting",
            "description": "Đèn đường tắt cả tuần", "location_text": "Lê Lợi", "phone": "0905 123 456"}
    for bad in ({"category": "aliens"}, {"phone": "123"}, {"description": ""}, {"key": None}):
        response = agent.post("/reports", json={**body, **bad})
        assert response.status_code == 400, bad
    assert agent.post("/reports", json={**body, "call_id": "call-unknown"}).status_code == 404
    first = agent.post("/reports", json=body)
    assert first.status_code == 201
    code = first.json()["code"]
    assert CODE_RE.match(code) and first.json()["status"] == "received"
    again = agent.post("/reports", json=body)  # a double click files nothing new
    assert again.status_code == 200 and again.json()["code"] == code
    assert agent.get(f"/calls/{call_id}").json()["report_codes"] == [code]


def test_end_of_call_summary(agent):
    call_id = start_call(agent)
    agent.post("/webhook", json={"call_id": call_id, "text": "làm căn cước công dân ở đâu"})
    agent.post("/webhook", json={"call_id": call_id, "text": "tôi muốn báo cáo rác thải ở chợ Đông Ba"})
    agent.post("/feedback", json={"call_id": call_id, "entry_id": "proc.citizen_id_card", "verdict": "used"})
    code = agent.post("/reports", json={"call_id": call_id, "key": "r", "category": "waste",
                                        "description": "Rác thải ở chợ Đông Ba"}).json()["code"]
    summary = agent.post(f"/calls/{call_id}/end", json={}).json()
    assert summary["agent"] == AGENT[0]
    assert summary["utterances"] == 2
    assert summary["topics"][0] == "proc.citizen_id_card" and "intent:report_incident" in summary["topics"]
    assert summary["entries_used"] == ["proc.citizen_id_card"]
    assert summary["report_codes"] == [code]
    assert summary["duration_s"] >= 0 and summary["ended_at"]
    assert summary["phone"] == "+84*****3456"
    assert agent.post(f"/calls/{call_id}/end", json={}).json() == summary  # ending twice changes nothing


def test_dashboard_figures_reflect_the_stores(agent, supervisor):
    before = supervisor.get("/dashboard/data").json()
    call_id = start_call(agent)
    agent.post("/webhook", json={"call_id": call_id, "text": "imperial city opening hours"})
    agent.post("/feedback", json={"call_id": call_id, "entry_id": "tour.imperial_city", "verdict": "wrong"})
    agent.post("/reports", json={"call_id": call_id, "key": "d", "category": "trees",
                                 "description": "Cây đổ trên đường Hùng Vương"})
    after = supervisor.get("/dashboard/data").json()
    assert sum(after["questions"]["answered"]) == sum(before["questions"]["answered"]) + 1
    assert after["questions_by_channel"]["hotline"]["answered"] >= 1
    assert after["suggestions"]["totals"]["wrong"] == before["suggestions"]["totals"]["wrong"] + 1
    assert {"entry_id": "tour.imperial_city", "wrong": after["suggestions"]["totals"]["wrong"]} \
        in after["suggestions"]["most_wrong"]
    assert after["reports"]["by_category"]["trees"]["received"] == \
        before["reports"]["by_category"].get("trees", {}).get("received", 0) + 1
    assert len(after["days"]) == 14
    assert supervisor.get("/dashboard/data", params={"days": "abc"}).status_code == 400
    assert supervisor.get("/dashboard/data", params={"days": 0}).status_code == 400


def test_internal_api_needs_its_token(hotline_servers):
    base = f"http://{hotline_servers.settings.action_host}:{hotline_servers.settings.action_port}/hotline-api"
    assert httpx.post(f"{base}/search", json={"query": "xin chào"}).status_code == 401
    wrong = httpx.post(f"{base}/search", json={"query": "x"}, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    token = hotline_servers.settings.api_token()  # generated into the servers' var/ at start-up
    headers = {"authorization": f"Bearer {token}"}
    assert httpx.post(f"{base}/search", json={"query": "xin chào"}, headers=headers, timeout=30).status_code == 200
    assert httpx.post(f"{base}/search", json={"query": "x" * 20000}, headers=headers).status_code == 413
    assert httpx.post(f"{base}/search", json={"k": 3}, headers=headers).status_code == 400
