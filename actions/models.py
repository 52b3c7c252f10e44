"""SQLAlchemy 2 models of the action server's store (SQLite by default, PostgreSQL in production).

Schema changes go through Alembic migrations in actions/migrations/.
"""
from __future__ import annotations

import datetime as dt
from typing import List, Optional

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class AnswerFeedback(Base):
    """A user's 👍/👎 on a knowledge answer: the satisfaction figure per entry."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    entry_id: Mapped[str] = mapped_column(String(96), index=True)
    language: Mapped[Optional[str]] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)


class Report(Base):
    """A field report. `code` (HUE-<year>-<6 digits>) is what the citizen sees; `idempotency_key`
    makes a retried or duplicated submit return the same report instead of a second row."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    location_text: Mapped[Optional[str]] = mapped_column(Text)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    photos: Mapped[Optional[str]] = mapped_column(Text)  # JSON list of URLs or channel file ids
    phone: Mapped[Optional[str]] = mapped_column(String(20))  # E.164; never logged in full
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)

    history: Mapped[List["ReportStatusChange"]] = relationship(
        back_populates="report", order_by="ReportStatusChange.id", cascade="all, delete-orphan")
    followers: Mapped[List["ReportFollower"]] = relationship(
        back_populates="report", cascade="all, delete-orphan")


class ReportStatusChange(Base):
    __tablename__ = "report_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    report: Mapped[Report] = relationship(back_populates="history")


class ReportFollower(Base):
    """Someone who asked to follow a report (the reporter, or a citizen who found a duplicate)."""

    __tablename__ = "report_followers"
    __table_args__ = (UniqueConstraint("report_id", "sender_id", name="uq_report_follower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[str] = mapped_column(String(160))
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    language: Mapped[Optional[str]] = mapped_column(String(8))

    report: Mapped[Report] = relationship(back_populates="followers")


class QuestionLog(Base):
    """One knowledge question, answered or declined, from any channel (no question text: it may hold
    names or phone numbers). The dashboard's questions per day and answered-vs-declined."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    language: Mapped[Optional[str]] = mapped_column(String(8))
    entry_id: Mapped[Optional[str]] = mapped_column(String(96))
    answered: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)


class HotlineCall(Base):
    """A hotline call handled in the console, and its end-of-call summary. Lists are JSON text."""

    __tablename__ = "hotline_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[Optional[str]] = mapped_column(String(20))  # E.164; never logged in full
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    utterances: Mapped[int] = mapped_column(Integer, default=0)
    topics: Mapped[str] = mapped_column(Text, default="[]")        # entry ids / intents asked about
    entries_used: Mapped[str] = mapped_column(Text, default="[]")  # suggestions the agent used
    report_codes: Mapped[str] = mapped_column(Text, default="[]")


class SuggestionFeedback(Base):
    """A hotline agent's verdict on a knowledge suggestion: used, helpful or wrong."""

    __tablename__ = "suggestion_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(96), index=True)
    verdict: Mapped[str] = mapped_column(String(16))


class ReportNotification(Base):
    """One follower to tell about one status change: written with the change, in its transaction,
    and kept until Rasa has taken it (an outbox), so a notice is retried rather than lost when Rasa
    is down or restarting."""

    __tablename__ = "report_notifications"
    __table_args__ = (UniqueConstraint("change_id", "sender_id", name="uq_report_notification"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("report_status_changes.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[str] = mapped_column(String(160))
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    delivered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
