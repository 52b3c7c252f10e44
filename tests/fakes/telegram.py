"""A fake Telegram Bot API (https://core.telegram.org/bots/api) for python-telegram-bot's real Bot:
`Bot(token, base_url=f"{fake.url}/bot")`. It also plays Telegram's side of the webhook: `deliver`
POSTs an update to our webhook with the secret header, as Telegram does.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import httpx

from tests.fakes.http import FakeAPI

JSON_FIELDS = {"reply_markup", "allowed_updates"}  # PTB sends these JSON-encoded in a form


class FakeTelegram(FakeAPI):
    def __init__(self, token: str = "123456:TEST-token") -> None:
        super().__init__()
        self.token = token
        self.flood = 0  # the next `flood` calls get 429 Too Many Requests
        self.retry_after = 1
        self.updates: List[Dict[str, Any]] = []  # served by getUpdates
        self.webhook_url = ""
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # --- the Bot API ---

    def answer(self, path: str, headers: Dict[str, str], params: Dict[str, Any]) -> Tuple[int, Any]:
        for name in JSON_FIELDS & params.keys():
            params[name] = json.loads(params[name])
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._lock:
            if self.flood > 0:
                self.flood -= 1
                return 429, {"ok": False, "error_code": 429,
                             "description": f"Too Many Requests: retry after {self.retry_after}",
                             "parameters": {"retry_after": self.retry_after}}
        if method in ("sendMessage", "sendPhoto"):
            message = {"message_id": next(self._ids), "date": int(time.time()),
                       "chat": {"id": int(params["chat_id"]), "type": "private"}}
            if method == "sendMessage":
                message["text"] = params["text"]
            else:
                message["photo"] = [{"file_id": "sent-photo", "file_unique_id": "u", "width": 1, "height": 1}]
            return 200, {"ok": True, "result": message}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "Hue",
                                                "username": "hue_test_bot"}}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if not pending:
                time.sleep(0.2)  # a short "long poll"
            return 200, {"ok": True, "result": pending}
        if method == "setWebhook":
            self.webhook_url = params["url"]
            return 200, {"ok": True, "result": True}
        if method == "deleteWebhook":
            self.webhook_url = ""
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": self.webhook_url, "has_custom_certificate": False,
                                                "pending_update_count": 0}}
        if method == "answerCallbackQuery":
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    # --- what the tests look at ---

    def sent(self, chat_id: Any = None, method: Optional[str] = None) -> List[Dict[str, Any]]:
        """Parameters of successful calls, optionally only to one chat / of one method."""
        return [call["params"] for call in self.calls
                if call["status"] == 200 and (method is None or call["path"].endswith("/" + method))
                and (chat_id is None or str(call["params"].get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: Any) -> List[str]:
        return [p["text"] for p in self.sent(chat_id, "sendMessage")]

    def wait_for_texts(self, chat_id: Any, count: int, timeout: float = 60.0) -> List[str]:
        found = self.wait_for(lambda calls: self.texts(chat_id), count, timeout)
        time.sleep(0.3)  # replies of one turn arrive one after the other: let the rest land
        return self.texts(chat_id) if len(found) >= count else found

    # --- Telegram's side of the webhook ---

    def deliver(self, webhook_url: str, update: Dict[str, Any], secret: Optional[str]) -> httpx.Response:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return httpx.post(webhook_url, json=update, headers=headers, timeout=30)


_update_ids = itertools.count(1000)


def _user(chat_id: int, language: str) -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}


def message_update(chat_id: int, language: str = "vi", update_id: Optional[int] = None,
                   **content: Any) -> Dict[str, Any]:
    """An update carrying a message with `content` (text=…, location=…, photo=…, sticker=…)."""
    return {"update_id": update_id if update_id is not None else next(_update_ids),
            "message": {"message_id": next(_update_ids), "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"}, "from": _user(chat_id, language),
                        **content}}


def text_update(chat_id: int, text: str, language: str = "vi", **kwargs: Any) -> Dict[str, Any]:
    return message_update(chat_id, language, text=text, **kwargs)


def location_update(chat_id: int, latitude: float, longitude: float, language: str = "vi") -> Dict[str, Any]:
    return message_update(chat_id, language, location={"latitude": latitude, "longitude": longitude})


def photo_update(chat_id: int, file_ids: List[str], language: str = "vi") -> Dict[str, Any]:
    """Telegram sends each photo in several sizes, smallest first."""
    sizes = [{"file_id": fid, "file_unique_id": f"u{i}", "width": 90 * (i + 1), "height": 60 * (i + 1),
              "file_size": 1000 * (i + 1)} for i, fid in enumerate(file_ids)]
    return message_update(chat_id, language, photo=sizes)


def callback_update(chat_id: int, data: str, language: str = "vi") -> Dict[str, Any]:
    return {"update_id": next(_update_ids),
            "callback_query": {"id": f"cq{next(_update_ids)}", "from": _user(chat_id, language),
                               "chat_instance": "ci", "data": data,
                               "message": {"message_id": next(_update_ids), "date": int(time.time()),
                                           "chat": {"id": chat_id, "type": "private"}, "text": "…"}}}
