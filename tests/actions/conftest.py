"""Builds rasa-sdk Trackers from plain dicts, as financial-demo's action tests do."""
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.store import Store
from bot.settings import Settings


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    slots: Optional[Dict[str, Any]] = None,
    language: Optional[str] = None,
    ranking: Optional[list] = None,
    sender_id: str = "test-user",
    active_loop: Optional[str] = None,
    channel: Optional[str] = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": [],
        "intent_ranking": ranking or [],
        "language": language,
    }
    return Tracker.from_dict({
        "sender_id": sender_id,
        "slots": {"language": "vi", **(slots or {})},
        "latest_message": latest,
        "events": [{"event": "user", "text": text, "input_channel": channel, "parse_data": latest}]
        if text else [],
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": active_loop} if active_loop else {},
        "latest_action_name": "action_listen",
    })


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def store(database_url):
    """A migrated store (SQLite and the real PostgreSQL), installed for the actions to use."""
    store = Store(database_url)
    services.install(services.Services(settings=Settings.from_env({}), store=store))
    yield store
    services.install(None)
    store.close()
