"""Rasa's SQL tracker store on SQLite in write-ahead-log mode.

In SQLite's default rollback-journal mode every commit writes and syncs a journal, then the database,
then deletes the journal: several disk syncs for each tracker save (about 12 ms a commit on the
shared 2-core box, the largest single cost of a knowledge turn in a profile of the Rasa process,
issue 14). In WAL mode a commit appends to the log and syncs it once; `synchronous` stays at
SQLite's default (FULL), so a saved turn survives a power loss as before. The mode is stored in the
file, so other readers (the sqlite3 shell, a second process) see the same database. `install()`
(bot/rasa_extensions.py) sets it on an SQLite tracker store's first use (Rasa creates the store
before it loads the model that installs this); other databases are left as they are.
"""
from __future__ import annotations

from typing import Any, Callable

from bot.patching import wrap_once


def use_wal(engine: Any) -> None:
    """Switches an SQLite engine's database file to WAL (a no-op for other dialects and :memory:)."""
    import sqlalchemy as sa

    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    with engine.connect() as connection:
        connection.execute(sa.text("PRAGMA journal_mode=WAL"))


def install() -> None:
    """Rasa's `SQLTrackerStore.session_scope`, after WAL on the store's first use (idempotent)."""
    from rasa.core.tracker_store import SQLTrackerStore

    def make(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def session_scope(self: SQLTrackerStore) -> Any:
            if not getattr(self, "_hue_wal_checked", False):
                use_wal(self.engine)
                self._hue_wal_checked = True
            return original(self)
        return session_scope

    wrap_once(SQLTrackerStore, "session_scope", make)
