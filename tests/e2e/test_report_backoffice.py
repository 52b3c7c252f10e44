"""End to end: a report filed in a REST conversation shows up in Open311, a staff status change
through the action server reaches the reporter's conversation (Rasa's trigger_intent), in their
language, with both real servers, the trained model and a Rasa API token."""
import re
from typing import Callable, List

import httpx

from tests.e2e.conftest import E2E_OPEN311_KEY, E2E_RASA_TOKEN, E2E_STAFF_KEY


def texts(replies) -> List[str]:
    return [r["text"] for r in replies if "text" in r]


def file_report(chat: Callable, sender: str, steps: List[str]) -> str:
    """Files a report by chatting; the tracking code. The form's questions come and go with its
    design, so only the last reply (the confirmation with the code) is checked here."""
    for text in steps:
        replies = texts(chat(sender, text))
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(replies)))
    return code


# The first message gives the category and the problem; then the place, no photo, no phone, send.
VI_STEPS = ["đèn đường trước nhà tôi bị hỏng rồi", "45 Nguyễn Huệ", "bỏ qua", "bỏ qua", "/affirm"]
EN_STEPS = ["I want to report a broken street light", "in front of the Saigon Morin hotel", "skip", "skip",
            "/affirm"]


def bot_texts_after(servers, sender: str, marker: str) -> List[str]:
    """Bot messages in the REST conversation of `sender` (`rest:<sender>`) that contain `marker`
    (read through Rasa's API, with its token)."""
    response = httpx.get(f"{servers.rasa_url}/conversations/rest:{sender}/tracker",
                         params={"token": E2E_RASA_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    return [e.get("text") or "" for e in response.json()["events"]
            if e["event"] == "bot" and marker in (e.get("text") or "")]


def change_status(servers, code: str, status: str, note: str) -> dict:
    response = httpx.post(f"{servers.action_url}/staff/reports/{code}/status", timeout=60,
                          headers={"Authorization": f"Bearer {E2E_STAFF_KEY}"},
                          json={"status": status, "note": note})
    assert response.status_code == 200, response.text
    return response.json()


def test_report_reaches_open311_and_the_status_change_reaches_the_reporter(chat, servers):
    sender = "e2e-backoffice-vi"
    code = file_report(chat, sender, VI_STEPS)

    listed = httpx.get(f"{servers.action_url}/open311/v2/requests.json", timeout=30)
    assert listed.status_code == 200
    [request] = [r for r in listed.json() if r["service_request_id"] == code]
    assert request["status"] == "open" and request["service_code"] == "street_lighting"
    assert request["address"] == "45 Nguyễn Huệ" and sender not in listed.text

    changed = change_status(servers, code, "in_progress", "Đội điện chiếu sáng sẽ đến trong ngày")
    assert changed["followers"] == [{"follower": "***e-vi", "channel": "rest", "notified": True,
                                    "will_retry": False}]

    [told] = bot_texts_after(servers, sender, code + ": Đang xử lý")
    assert told.startswith(f"Cập nhật phản ánh {code}: Đang xử lý (")
    assert "Ghi chú: Đội điện chiếu sáng sẽ đến trong ngày" in told

    # The conversation goes on as before, and the lookup shows the new status.
    status = texts(chat(sender, f"tra cứu phản ánh {code}"))[0]
    assert status.startswith(f"{code}: Đang xử lý")
    one = httpx.get(f"{servers.action_url}/open311/v2/requests/{code}.json", timeout=30).json()
    assert one[0]["status"] == "open" and one[0]["status_notes"] == "Đội điện chiếu sáng sẽ đến trong ngày"


def test_an_english_reporter_is_told_in_english(chat, servers):
    sender = "e2e-backoffice-en"
    code = file_report(chat, sender, EN_STEPS)
    change_status(servers, code, "resolved", "The lamp was replaced")
    [told] = bot_texts_after(servers, sender, f"Update on report {code}")
    assert told.startswith(f"Update on report {code}: Resolved (") and "Note: The lamp was replaced" in told
    closed = httpx.get(f"{servers.action_url}/open311/v2/requests.json", params={"status": "closed"},
                       timeout=30).json()
    assert code in [r["service_request_id"] for r in closed]


def test_open311_post_and_staff_keys_are_enforced(servers):
    base = f"{servers.action_url}/open311/v2"
    refused = httpx.post(f"{base}/requests.json", data={"api_key": "wrong", "service_code": "waste"}, timeout=30)
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    posted = httpx.post(f"{base}/requests.json", timeout=30, data={
        "api_key": E2E_OPEN311_KEY, "service_code": "waste", "address_string": "kiệt 12 Phan Bội Châu",
        "description": "Rác chưa thu gom 3 ngày"})
    assert posted.status_code == 200, posted.text
    code = posted.json()[0]["service_request_id"]
    unauthorised = httpx.post(f"{servers.action_url}/staff/reports/{code}/status", json={"status": "resolved"},
                              timeout=30)
    assert unauthorised.status_code == 401
    # An Open311 client has no conversation: nobody to notify, the change still applies.
    assert change_status(servers, code, "rejected", "Ngoài địa bàn")["followers"] == []


def test_a_notice_during_another_report_does_not_answer_the_form(chat, servers):
    sender = "e2e-backoffice-midform"
    first = file_report(chat, sender, VI_STEPS)
    chat(sender, VI_STEPS[0])  # a second report: the form now waits for an answer
    change_status(servers, first, "in_progress", "Đang kiểm tra")
    assert bot_texts_after(servers, sender, f"Cập nhật phản ánh {first}: Đang xử lý")
    second = file_report(chat, sender, VI_STEPS[1:])
    assert second != first
    [request] = httpx.get(f"{servers.action_url}/open311/v2/requests/{second}.json", timeout=30).json()
    assert request["description"] == "Đèn đường trước nhà tôi bị hỏng rồi" and request["address"] == VI_STEPS[1]
