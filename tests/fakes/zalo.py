"""A fake Zalo OpenAPI (OA messages, /v3.0/oa/message/cs) and OAuth server (/v4/oa/access_token)
for zalo-sdk's real OA client (`endpoint_prefix=fake.url`). Tokens rotate like Zalo's: each refresh
issues a new access token and a new single-use refresh token. `deliver` plays Zalo's side of the
webhook, signed as the Zalo docs specify (written here independently of channels/zalo.py).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from typing import Any, Dict, List, Optional, Set, Tuple

import httpx

from tests.fakes.http import FakeAPI


class FakeZalo(FakeAPI):
    def __init__(self, app_id: str = "3608465249409", app_secret: str = "app-secret-xyz",
                 oa_secret_key: str = "oa-secret-key-abc") -> None:
        super().__init__()
        self.app_id, self.app_secret, self.oa_secret_key = app_id, app_secret, oa_secret_key
        self.access_token = "AT-0"
        self.refresh_token = "RT-0"
        self.expires_in = 90000  # Zalo's 25 hours
        self.expired: Set[str] = set()  # access tokens Zalo now calls expired
        self.outside_window: Dict[str, int] = {}  # user id → -230 or -232
        self.refreshes = 0
        self.delay = 0.0  # seconds each message send takes
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def answer(self, path: str, headers: Dict[str, str], params: Dict[str, Any]) -> Tuple[int, Any]:
        if path == "/v4/oa/access_token":
            return self._refresh(headers, params)
        if path == "/v3.0/oa/message/cs":
            time.sleep(self.delay)
            token = headers.get("access_token")
            if token in self.expired:
                return 200, {"error": -216, "message": "Access token has expired"}
            if token != self.access_token:
                return 200, {"error": -216, "message": "Access token is invalid"}
            user = (params.get("recipient") or {}).get("user_id")
            if user in self.outside_window:
                return 200, {"error": self.outside_window[user],
                             "message": "User has not interacted with the OA in the allowed period"}
            return 200, {"error": 0, "message": "Success",
                         "data": {"message_id": f"m{next(self._serial)}", "user_id": user}}
        return 404, {"error": -404, "message": "not found"}

    def _refresh(self, headers: Dict[str, str], params: Dict[str, Any]) -> Tuple[int, Any]:
        with self._lock:
            if headers.get("secret_key") != self.app_secret or params.get("app_id") != self.app_id:
                return 200, {"error": -14001, "error_name": "Invalid app", "error_description": "bad secret"}
            if params.get("grant_type") != "refresh_token" or params.get("refresh_token") != self.refresh_token:
                return 200, {"error": -14014, "error_name": "Invalid refresh token",
                             "error_description": "refresh token is invalid or was already used"}
            self.refreshes += 1
            self.access_token = f"AT-{self.refreshes}"
            self.refresh_token = f"RT-{self.refreshes}"
            return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token,
                         "expires_in": str(self.expires_in)}

    # --- what the tests look at ---

    def messages(self, user_id: Any = None) -> List[Dict[str, Any]]:
        """The `message` objects delivered (error 0) to one user, or to anyone."""
        return [call["params"]["message"] for call in self.calls
                if call["path"] == "/v3.0/oa/message/cs" and call["response"].get("error") == 0
                and (user_id is None or call["params"]["recipient"].get("user_id") == str(user_id))]

    def texts(self, user_id: Any) -> List[str]:
        return [m["text"] for m in self.messages(user_id) if "text" in m]

    def wait_for_texts(self, user_id: Any, count: int, timeout: float = 60.0) -> List[str]:
        found = self.wait_for(lambda calls: self.texts(user_id), count, timeout)
        time.sleep(0.3)  # replies of one turn arrive one after the other: let the rest land
        return self.texts(user_id) if len(found) >= count else found

    # --- Zalo's side of the webhook ---

    def sign(self, body: bytes, timestamp: str) -> str:
        text = self.app_id + body.decode("utf-8") + timestamp + self.oa_secret_key
        return "mac=" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def deliver(self, webhook_url: str, event: Dict[str, Any], signature: Optional[str] = "valid") -> httpx.Response:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-ZEvent-Signature"] = self.sign(body, str(event.get("timestamp", "")))
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        return httpx.post(webhook_url, content=body, headers=headers, timeout=30)

    def event(self, name: str, user_id: str, **message: Any) -> Dict[str, Any]:
        """A user event as Zalo sends it (user_send_text, user_send_image, user_send_location…)."""
        serial = next(self._serial)
        return {"app_id": self.app_id, "sender": {"id": user_id}, "user_id_by_app": f"app-{user_id}",
                "recipient": {"id": "oa-1"}, "event_name": name,
                "message": {"msg_id": f"msg-{user_id}-{serial}", **message},
                "timestamp": str(int(time.time() * 1000) + serial)}

    def text_event(self, user_id: str, text: str) -> Dict[str, Any]:
        return self.event("user_send_text", user_id, text=text)

    def location_event(self, user_id: str, latitude: float, longitude: float) -> Dict[str, Any]:
        return self.event("user_send_location", user_id, attachments=[
            {"type": "location", "payload": {"coordinates": {"latitude": str(latitude),
                                                             "longitude": str(longitude)}}}])

    def image_event(self, user_id: str, url: str) -> Dict[str, Any]:
        return self.event("user_send_image", user_id, text="", attachments=[
            {"type": "image", "payload": {"thumbnail": url + "?thumb", "url": url}}])

    def follow_event(self, user_id: str) -> Dict[str, Any]:
        return {"app_id": self.app_id, "oa_id": "oa-1", "follower": {"id": user_id}, "event_name": "follow",
                "source": "oa_profile", "timestamp": str(int(time.time() * 1000) + next(self._serial))}
