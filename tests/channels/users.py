"""A Telegram user and a Zalo user talking to the real servers through the fake platforms: each
action is delivered as the platform would deliver it, and returns what the platform then received."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

from tests.fakes.telegram import callback_update, location_update, photo_update, text_update


def new_since(read: Callable[[], List[Any]], before: int, timeout: float = 90.0, settle: float = 1.5) -> List[Any]:
    """What `read()` gained after index `before`, once something arrived and then nothing more
    for `settle` seconds (one turn's replies are sent one after the other)."""
    deadline, seen, changed = time.monotonic() + timeout, before, None
    while time.monotonic() < deadline:
        count = len(read())
        if count > seen:
            seen, changed = count, time.monotonic()
        if changed is not None and time.monotonic() - changed >= settle:
            break
        time.sleep(0.1)
    return read()[before:]


class TelegramUser:
    def __init__(self, servers: Any, platforms: Any, chat_id: int, language: str = "vi") -> None:
        self.api, self.secret = platforms.telegram, platforms.telegram_secret
        self.url = servers.webhook_url("telegram")
        self.chat_id, self.language = chat_id, language

    def sent(self) -> List[Dict[str, Any]]:
        return self.api.sent(self.chat_id)

    def deliver(self, update: Dict[str, Any], expect_reply: bool = True) -> List[Dict[str, Any]]:
        before = len(self.sent())
        response = self.api.deliver(self.url, update, self.secret)
        assert response.status_code == 200, response.text
        return new_since(self.sent, before, timeout=90 if expect_reply else 3)

    def say(self, text: str) -> List[Dict[str, Any]]:
        return self.deliver(text_update(self.chat_id, text, language=self.language))

    def tap(self, replies: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
        """Tap the inline button `title` shown in `replies`."""
        [data] = [button["callback_data"] for reply in replies
                  for row in (reply.get("reply_markup") or {}).get("inline_keyboard", [])
                  for button in row if button["text"] == title]
        return self.deliver(callback_update(self.chat_id, data, language=self.language))

    def share_location(self, latitude: float, longitude: float) -> List[Dict[str, Any]]:
        return self.deliver(location_update(self.chat_id, latitude, longitude, language=self.language))

    def send_photo(self, file_ids: List[str]) -> List[Dict[str, Any]]:
        return self.deliver(photo_update(self.chat_id, file_ids, language=self.language))


class ZaloUser:
    def __init__(self, servers: Any, platforms: Any, user_id: str) -> None:
        self.api = platforms.zalo
        self.url = servers.webhook_url("zalo")
        self.user_id = user_id

    def sent(self) -> List[Dict[str, Any]]:
        return self.api.messages(self.user_id)

    def deliver(self, event: Dict[str, Any], expect_reply: bool = True) -> List[Dict[str, Any]]:
        before = len(self.sent())
        response = self.api.deliver(self.url, event)
        assert response.status_code == 200, response.text
        return new_since(self.sent, before, timeout=90 if expect_reply else 3)

    def say(self, text: str) -> List[Dict[str, Any]]:
        return self.deliver(self.api.text_event(self.user_id, text))

    def tap(self, replies: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
        """Tap the oa.query.hide button `title`: Zalo sends its payload as the user's text, not shown in the chat."""
        [payload] = [button["payload"] for reply in replies
                     for button in ((reply.get("attachment") or {}).get("payload") or {}).get("buttons", [])
                     if button["title"] == title]
        return self.say(payload)

    def share_location(self, latitude: float, longitude: float) -> List[Dict[str, Any]]:
        return self.deliver(self.api.location_event(self.user_id, latitude, longitude))

    def send_photo(self, url: str) -> List[Dict[str, Any]]:
        return self.deliver(self.api.image_event(self.user_id, url))


def texts(replies: List[Dict[str, Any]]) -> List[str]:
    return [reply["text"] for reply in replies if reply.get("text")]
