"""Impersonation over REST, against the real servers: a REST client that names a Telegram user's chat
id as its sender (bare, or spelled as our qualified id) gets its own, empty REST conversation. It does
not see the Telegram user's report as its owner (place, history), does not find it among "my
reports", and the report's status notice still reaches the Telegram chat, not the REST client."""
import re

import httpx

from tests.channels.users import TelegramUser, new_since, texts
from tests.e2e.conftest import E2E_RASA_TOKEN
from tests.e2e.test_report_backoffice import change_status

CHAT = 740001
VI_STEPS = ["đèn đường trước nhà tôi bị hỏng rồi", "45 Nguyễn Huệ", "bỏ qua", "bỏ qua", "/affirm"]


def rest_texts(replies):
    return [r["text"] for r in replies if "text" in r]


def conversation_texts(servers, conversation):
    response = httpx.get(f"{servers.rasa_url}/conversations/{conversation}/tracker",
                         params={"token": E2E_RASA_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    return [e.get("text") or "" for e in response.json()["events"] if e["event"] == "bot"]


def test_a_rest_sender_cannot_borrow_a_telegram_users_identity(chat, servers, platforms):
    owner = TelegramUser(servers, platforms, chat_id=CHAT)
    for text in VI_STEPS:
        replies = texts(owner.say(text))
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(replies)))
    own_view = texts(owner.say(f"tra cứu phản ánh {code}"))[0]
    assert "Địa điểm: 45 Nguyễn Huệ" in own_view  # the owner's view, so the check below can fail

    for impostor in (str(CHAT), f"telegram:{CHAT}"):
        mine = " ".join(rest_texts(chat(impostor, "tra cứu phản ánh của tôi")))  # no code: "my reports"
        assert code not in mine and "45 Nguyễn Huệ" not in mine
        looked_up = " ".join(rest_texts(chat(impostor, f"tra cứu phản ánh {code}")))
        assert looked_up.startswith(f"{code}: Đã tiếp nhận")  # the public status only
        assert "45 Nguyễn Huệ" not in looked_up and "Địa điểm" not in looked_up and "•" not in looked_up

    # The impostor was the last to write "as" that id; the notice still goes to the Telegram chat.
    before = len(owner.sent())
    changed = change_status(servers, code, "in_progress", "Đội điện đang đến")
    assert [(f["channel"], f["notified"]) for f in changed["followers"]] == [("telegram", True)]
    [told] = texts(new_since(owner.sent, before))
    assert told.startswith(f"Cập nhật phản ánh {code}: Đang xử lý")
    for impostor in (str(CHAT), f"telegram:{CHAT}"):
        assert not [t for t in conversation_texts(servers, f"rest:{impostor}") if "Cập nhật phản ánh" in t]


def test_rest_without_a_sender_is_refused_not_a_shared_default_conversation(servers):
    response = httpx.post(servers.rest_url, json={"message": "xin chào"}, timeout=30)
    assert response.status_code == 400 and "sender" in response.json()["error"]
    for body in (b"[]", b'"x"', b"null"):
        refused = httpx.post(servers.rest_url, content=body, headers={"Content-Type": "application/json"},
                             timeout=30)
        assert refused.status_code == 400 and "error" in refused.json()
    assert conversation_texts(servers, "default") == []
