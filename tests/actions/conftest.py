"""Builds rasa-sdk Trackers from plain dicts, as financial-demo's action tests do; serves Sanic apps
on loopback ports for the HTTP routes."""
import itertools
import socket
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    slots: Optional[Dict[str, Any]] = None,
    language: Optional[str] = None,
    ranking: Optional[list] = None,
    sender_id: str = "test-user",
    active_loop: Optional[str] = None,
    channel: Optional[str] = None,
    entities: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": [{"entity": name, "value": value} for name, value in (entities or {}).items()],
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


@asynccontextmanager
async def served(app: Sanic) -> AsyncIterator[str]:
    """Runs a Sanic app on a free loopback port inside the test's event loop; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                     access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


_app_names = itertools.count()


def new_app(prefix: str) -> Sanic:
    """A Sanic app with a name of its own (Sanic keeps a registry of names per process). Touch-up
    (Sanic's start-up rewrite of its own classes) can only run once per process, so it is off."""
    app = Sanic(f"{prefix}_{next(_app_names)}")
    app.config.TOUCHUP = False
    app.config.MOTD = False
    return app


@pytest.fixture
def store(database_url):
    """A migrated report store on SQLite and on PostgreSQL (a fresh database each), closed after."""
    from actions.store import Store

    store = Store(database_url)
    yield store
    store.close()


@pytest.fixture
def installed_store(store):
    """`store` installed as the action server's services, as at start-up, for the actions to use."""
    from actions import services
    from bot.settings import Settings

    services.install(services.Services(settings=Settings.from_env({}), store=store))
    yield store
    services.install(None)
