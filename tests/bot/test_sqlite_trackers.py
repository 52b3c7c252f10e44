"""bot/sqlite_trackers.py: Rasa's SQLite tracker store runs in WAL mode and still keeps every event
across a restart (a new store on the same file), on a real SQLite file."""
import sqlite3

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_extensions


def journal_mode(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


async def test_sqlite_tracker_store_in_wal_keeps_the_conversation(tmp_path):
    path = tmp_path / "rasa_trackers.sqlite3"
    domain = Domain.from_dict({})
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))  # created before the model, as in Rasa
    rasa_extensions.install()
    events = [ActionExecuted("action_listen"), UserUttered("Đại Nội mở cửa mấy giờ?"),
              BotUttered("Đại Nội mở cửa 7:00–17:30.")]
    await store.save(DialogueStateTracker.from_events("u1", events))
    assert journal_mode(path) == "wal"
    store.engine.dispose()
    restarted = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    tracker = await restarted.retrieve("u1")
    assert [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))] == [
        "Đại Nội mở cửa mấy giờ?", "Đại Nội mở cửa 7:00–17:30."]


async def test_other_databases_keep_their_mode(tmp_path):
    rasa_extensions.install()
    store = SQLTrackerStore(Domain.from_dict({}), dialect="sqlite", db="")  # in memory
    await store.save(DialogueStateTracker.from_events("u1", [ActionExecuted("action_listen")]))
    assert await store.retrieve("u1") is not None
