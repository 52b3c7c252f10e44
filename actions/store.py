"""The action server's store: engine creation, Alembic migrations and the queries actions use.

Calls are synchronous (SQLAlchemy 2 core/ORM); actions run them through `run_in_executor`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from actions.models import AnswerFeedback

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the latest schema (creates it from empty)."""
    command.upgrade(alembic_config(url), "head")


class Store:
    def __init__(self, url: str, migrate: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        if migrate:
            upgrade(url)
        self.engine: Engine = create_engine(url, pool_pre_ping=True, future=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def record_feedback(self, sender_id: str, channel: Optional[str], entry_id: str,
                        language: Optional[str], helpful: bool) -> int:
        with self.session() as session, session.begin():
            row = AnswerFeedback(sender_id=sender_id, channel=channel, entry_id=entry_id,
                                 language=language, helpful=helpful)
            session.add(row)
            session.flush()
            return row.id

    def feedback_by_entry(self) -> Dict[str, Dict[str, int]]:
        """entry id → {"helpful": n, "not_helpful": n}, for the knowledge owners."""
        with self.session() as session:
            rows = session.execute(
                select(AnswerFeedback.entry_id, AnswerFeedback.helpful, func.count())
                .group_by(AnswerFeedback.entry_id, AnswerFeedback.helpful)).all()
        result: Dict[str, Dict[str, int]] = {}
        for entry_id, helpful, count in rows:
            result.setdefault(entry_id, {"helpful": 0, "not_helpful": 0})[
                "helpful" if helpful else "not_helpful"] = count
        return result

    def close(self) -> None:
        self.engine.dispose()
