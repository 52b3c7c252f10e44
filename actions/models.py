"""SQLAlchemy 2 models of the action server's store (SQLite by default, PostgreSQL in production).

Schema changes go through Alembic migrations in actions/migrations/.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, DateTime, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AnswerFeedback(Base):
    """A user's 👍/👎 on a knowledge answer: the satisfaction figure per entry."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    entry_id: Mapped[str] = mapped_column(String(96), index=True)
    language: Mapped[Optional[str]] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
