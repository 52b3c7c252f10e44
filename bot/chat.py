"""`make shell`: chat with the running assistant through its REST channel (a light `rasa shell`)."""
from __future__ import annotations

import json
import sys
import urllib.request
import uuid
from typing import Optional

from bot.settings import Settings


def send(url: str, sender: str, message: str, token: Optional[str] = None) -> list:
    body = json.dumps({"sender": sender, "message": message}).encode()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def main() -> int:
    settings = Settings.from_env()
    url = f"http://{settings.rasa_host}:{settings.rasa_port}/webhooks/rest/webhook"
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print(f"Talking to {url} as {sender}. Type a message (Ctrl-D to quit).")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            replies = send(url, sender, line.strip(), settings.rest_token())
        except OSError as exc:
            print(f"Cannot reach the assistant ({exc}). Is `make run` running?")
            return 1
        for reply in replies:
            if "text" in reply:
                print(f"bot: {reply['text']}")
            for button in reply.get("buttons", []):
                print(f"   [{button.get('title')}] -> {button.get('payload')}")
            if "custom" in reply:
                print(f"   custom: {json.dumps(reply['custom'], ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
