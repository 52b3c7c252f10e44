"""The action server's store: engine creation, Alembic migrations and the queries actions use.

Calls are synchronous (SQLAlchemy 2 core/ORM); actions run them through `run_in_executor`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, case, create_engine, event, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from actions.models import AnswerFeedback, Report, ReportFollower, ReportNotification, ReportStatusChange
from actions.reports import OPEN_STATUSES, distance_m, mask_phone, next_statuses, tracking_code
from bot.settings import private_file

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
# Followers on these channels are systems that poll (Open311 clients), not conversations to notify.
SYSTEM_CHANNELS = ("open311",)
# A notice not taken by Rasa is retried after 30 s, then twice as long each time (at most an hour),
# for up to 12 attempts (about six hours), then given up and left in the table for staff to see.
RETRY_FIRST_S, RETRY_MAX_S, MAX_ATTEMPTS = 30, 3600, 12
# The staff endpoint tries a fresh notice itself; the retry loop leaves it alone this long.
FIRST_ATTEMPT_LEASE_S = 120
MAX_KEY_CHARS = 128  # reports.idempotency_key; longer keys are stored as their hash
MAX_ROW_ID = 2**31 - 1  # INTEGER ids: a longer number cannot be one of ours


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored time as timezone-aware: PostgreSQL returns it so, SQLite as naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def local_time(moment: Optional[dt.datetime], fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored (UTC) time as people in Huế read it: Vietnam time, dd/mm/yyyy HH:MM; "-" when unset."""
    if moment is None:
        return "-"
    return aware(moment).astimezone(LOCAL_TIME).strftime(fmt)


@dataclass
class NewReport:
    idempotency_key: str
    sender_id: str
    category: str
    description: str
    channel: Optional[str] = None
    language: str = "vi"
    location_text: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    photos: List[str] = field(default_factory=list)
    phone: Optional[str] = None


@dataclass(frozen=True)
class ReportView:
    """A report as read from the store, detached from any session."""

    id: int
    code: str
    sender_id: str
    channel: Optional[str]
    language: str
    category: str
    description: str
    location_text: Optional[str]
    latitude: Optional[float]
    longitude: Optional[float]
    photos: List[str]
    phone: Optional[str]
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    history: List[Tuple[str, Optional[str], dt.datetime]]

    @classmethod
    def of(cls, report: Report) -> "ReportView":
        return cls(report.id, report.code, report.sender_id, report.channel, report.language,
                   report.category, report.description, report.location_text, report.latitude,
                   report.longitude, json.loads(report.photos or "[]"), report.phone, report.status,
                   report.created_at, report.updated_at,
                   [(h.status, h.note, h.created_at) for h in report.history])


@dataclass(frozen=True)
class Follower:
    """Who hears about a report's status changes, and where and in which language."""

    sender_id: str
    channel: Optional[str]
    language: Optional[str]


@dataclass(frozen=True)
class Notification:
    """A status notice still to deliver: who, where, about which report."""

    id: int
    report_code: str
    sender_id: str
    channel: Optional[str]
    attempts: int


@dataclass(frozen=True)
class StatusChanged:
    report: ReportView
    followers: List[Follower]
    notifications: List[Notification] = field(default_factory=list)  # one per chat follower




def retry_delay_s(attempts: int, first_s: float = RETRY_FIRST_S) -> float:
    """Seconds before the next try after `attempts` failed ones (the schedule scales with first_s)."""
    return min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** max(0, attempts - 1)) * first_s / RETRY_FIRST_S


@dataclass(frozen=True)
class NearbyReport:
    report: ReportView
    distance_m: float


class UnknownReport(LookupError):
    pass


class InvalidInput(ValueError):
    """A value the store cannot keep as given (e.g. a sender id over 128 characters): the caller's
    input is wrong, so callers answer 4xx or tell the user; nothing was written."""


# --- input the database must never see raw -----------------------------------------------------

def without_nul(parameters):
    """Statement parameters with NUL characters removed from every string. PostgreSQL refuses NUL
    in text (a 500 for any field a client fills); SQLite would keep it: both stores drop it."""
    if isinstance(parameters, str):
        return parameters.replace("\x00", "") if "\x00" in parameters else parameters
    if isinstance(parameters, dict):
        return {name: without_nul(value) for name, value in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        return type(parameters)(without_nul(value) for value in parameters)
    return parameters


def check_lengths(session: Session, flush_context, instances) -> None:  # noqa: ANN001 - event hook
    """Before anything is written: a string longer than its column is InvalidInput (PostgreSQL would
    fail the whole transaction with a DataError; SQLite would silently keep it)."""
    for row in list(session.new) + list(session.dirty):
        state = inspect(row)
        for attribute in state.mapper.column_attrs:
            limit = getattr(attribute.columns[0].type, "length", None)
            if not limit or (row not in session.new and not state.attrs[attribute.key].history.has_changes()):
                continue  # only what is being written: an old row's other values are not this caller's input
            value = getattr(row, attribute.key, None)
            if isinstance(value, str) and len(value) > limit:
                raise InvalidInput(f"{attribute.key} is longer than {limit} characters")


def stored_key(key: str) -> str:
    """An idempotency key as stored: as it is up to 128 characters, else its SHA-256 (so two long
    keys that share a prefix stay two keys)."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class InvalidTransition(ValueError):
    pass


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
        database = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            private_file(database)  # reports hold phone numbers: owner only (journals inherit the mode)
        if migrate:
            upgrade(url)
        # SQLite: wait for a concurrent writer instead of failing at once.
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        # hide_parameters: errors (and their log lines) never carry the statement's values (phones).
        self.engine: Engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args,
                                            hide_parameters=True)
        event.listen(self.engine, "before_cursor_execute", self._clean_parameters, retval=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", check_lengths)

    @staticmethod
    def _clean_parameters(connection, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        return statement, without_nul(parameters)

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

    def _report_query(self):
        return select(Report).options(selectinload(Report.history))

    def submit_report(self, new: NewReport) -> Tuple[ReportView, bool]:
        """Stores a report exactly once per idempotency key; (report, created).

        A retried or concurrent submit with the same key gets the first report back. A sender id or
        another field too long for its column is InvalidInput."""
        existing = self.report_by_key(new.idempotency_key)
        if existing is not None:
            return existing, False
        try:
            with self.session() as session, session.begin():
                report = Report(
                    idempotency_key=stored_key(new.idempotency_key), sender_id=new.sender_id, channel=new.channel,
                    language=new.language, category=new.category, description=new.description,
                    location_text=new.location_text, latitude=new.latitude, longitude=new.longitude,
                    photos=json.dumps(new.photos, ensure_ascii=False), phone=new.phone, status="received")
                session.add(report)
                session.flush()
                report.code = tracking_code(dt.datetime.now(LOCAL_TIME).year, report.id)
                session.add(ReportStatusChange(report_id=report.id, status="received"))
                session.add(ReportFollower(report_id=report.id, sender_id=new.sender_id,
                                           channel=new.channel, language=new.language))
                report_id = report.id
        except IntegrityError:
            existing = self.report_by_key(new.idempotency_key)
            if existing is None:
                raise
            return existing, False
        view = self.report_by_id(report_id)
        logger.info("report %s stored (%s, phone %s)", view.code, view.category, mask_phone(view.phone))
        return view, True

    def report_by_id(self, report_id: int) -> Optional[ReportView]:
        with self.session() as session:
            report = session.scalars(self._report_query().where(Report.id == report_id)).first()
            return ReportView.of(report) if report else None

    def report_by_key(self, key: str) -> Optional[ReportView]:
        with self.session() as session:
            report = session.scalars(self._report_query()
                                     .where(Report.idempotency_key == stored_key(key))).first()
            return ReportView.of(report) if report else None

    def report_by_code(self, code: str) -> Optional[ReportView]:
        with self.session() as session:
            report = session.scalars(self._report_query().where(Report.code == code.upper())).first()
            return ReportView.of(report) if report else None

    def reports_of_sender(self, sender_id: str, limit: int = 5) -> List[ReportView]:
        with self.session() as session:
            reports = session.scalars(self._report_query().where(Report.sender_id == sender_id)
                                      .order_by(Report.id.desc()).limit(limit)).all()
            return [ReportView.of(r) for r in reports]

    def _db_time(self, moment: dt.datetime) -> dt.datetime:
        """A bound for comparisons with stored times: UTC, and naive on SQLite (which stores
        CURRENT_TIMESTAMP as naive UTC text)."""
        moment = moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment
        return moment.replace(tzinfo=None) if self.engine.dialect.name == "sqlite" else moment

    def list_reports(self, categories: Iterable[str] = (), statuses: Iterable[str] = (),
                     codes: Iterable[str] = (), start: Optional[dt.datetime] = None,
                     end: Optional[dt.datetime] = None, limit: int = 1000) -> List[ReportView]:
        """Reports newest first; each filter that is given narrows the result (start ≤ created_at ≤ end)."""
        query = self._report_query().where(Report.code.is_not(None))
        if categories:
            query = query.where(Report.category.in_(list(categories)))
        if statuses:
            query = query.where(Report.status.in_(list(statuses)))
        if codes:
            query = query.where(Report.code.in_([c.upper() for c in codes]))
        if start is not None:
            query = query.where(Report.created_at >= self._db_time(start))
        if end is not None:
            query = query.where(Report.created_at <= self._db_time(end))
        with self.session() as session:
            reports = session.scalars(query.order_by(Report.created_at.desc(), Report.id.desc())
                                      .limit(limit)).all()
            return [ReportView.of(r) for r in reports]

    def _report_id(self, session: Session, code_or_id: Union[str, int]) -> Optional[int]:
        text = str(code_or_id)
        if isinstance(code_or_id, int) or (text.isascii() and text.isdigit()):
            # A number beyond INTEGER (or "²", which isdigit() also accepts) is no id of ours;
            # unchecked it overflows the driver (SQLite) and gives a 500.
            number = int(text) if len(text) <= 10 else MAX_ROW_ID + 1
            if not 0 < number <= MAX_ROW_ID:
                return None
            return session.scalar(select(Report.id).where(Report.id == number))
        return session.scalar(select(Report.id).where(Report.code == text.upper()))

    def change_status(self, code_or_id: Union[str, int], status: str,
                      note: Optional[str] = None) -> StatusChanged:
        """Moves a report along received → in_progress → resolved | rejected, records the change
        with its note, and returns the report with the followers to tell.

        Raises UnknownReport, or InvalidTransition when the report's current status does not allow
        `status` (also when another change won a race for the same report)."""
        with self.session() as session, session.begin():
            report_id = self._report_id(session, code_or_id)
            if report_id is None:
                raise UnknownReport(str(code_or_id))
            current = session.scalar(select(Report.status).where(Report.id == report_id))
            if status not in next_statuses(current):
                raise InvalidTransition(f"{current} → {status} is not allowed")
            # Conditional update: of two concurrent changes from the same status only one applies.
            changed = session.execute(update(Report).where(Report.id == report_id, Report.status == current)
                                      .values(status=status, updated_at=func.now())).rowcount
            if changed != 1:
                raise InvalidTransition(f"the report changed meanwhile; {status} was not applied")
            change = ReportStatusChange(report_id=report_id, status=status, note=note or None)
            session.add(change)
            session.flush()
            followers = [Follower(f.sender_id, f.channel, f.language) for f in session.scalars(
                select(ReportFollower).where(ReportFollower.report_id == report_id)
                .order_by(ReportFollower.id))]
            # The notices are written with the change itself: committed together or not at all.
            lease = utc_now() + dt.timedelta(seconds=FIRST_ATTEMPT_LEASE_S)
            pending = [ReportNotification(change_id=change.id, report_id=report_id, sender_id=f.sender_id,
                                          channel=f.channel, attempts=0, next_attempt_at=lease)
                       for f in followers if f.channel not in SYSTEM_CHANNELS]
            session.add_all(pending)
            session.flush()
            code = session.scalar(select(Report.code).where(Report.id == report_id))
            notifications = [Notification(n.id, code, n.sender_id, n.channel, 0) for n in pending]
        view = self.report_by_id(report_id)
        logger.info("report %s: %s → %s (%d followers)", view.code, current, status, len(followers))
        return StatusChanged(view, followers, notifications)

    def due_notifications(self, now: Optional[dt.datetime] = None, limit: int = 50) -> List[Notification]:
        """Undelivered notices whose next try is due, oldest first."""
        now = now or utc_now()
        with self.session() as session:
            rows = session.execute(
                select(ReportNotification, Report.code).join(Report, Report.id == ReportNotification.report_id)
                .where(ReportNotification.delivered_at.is_(None), ReportNotification.attempts < MAX_ATTEMPTS,
                       ReportNotification.next_attempt_at <= now)
                .order_by(ReportNotification.next_attempt_at, ReportNotification.id).limit(limit)).all()
            return [Notification(n.id, code, n.sender_id, n.channel, n.attempts) for n, code in rows]

    def claim_notification(self, notification_id: int, now: Optional[dt.datetime] = None,
                           lease_s: float = FIRST_ATTEMPT_LEASE_S) -> bool:
        """Takes a due notice for one delivery attempt: a conditional update, so of two processes
        retrying at once only one sends it. The lease returns it to the queue if this one dies."""
        now = now or utc_now()
        with self.session() as session, session.begin():
            return session.execute(
                update(ReportNotification)
                .where(ReportNotification.id == notification_id, ReportNotification.delivered_at.is_(None),
                       ReportNotification.next_attempt_at <= now)
                .values(next_attempt_at=now + dt.timedelta(seconds=lease_s))).rowcount == 1

    def record_delivery(self, notification_id: int, delivered: bool, error: Optional[str] = None,
                        now: Optional[dt.datetime] = None, first_retry_s: float = RETRY_FIRST_S) -> None:
        """After an attempt: delivered, or scheduled again with a growing delay."""
        now = now or utc_now()
        with self.session() as session, session.begin():
            notice = session.get(ReportNotification, notification_id)
            if notice is None or notice.delivered_at is not None:
                return
            notice.attempts += 1
            if delivered:
                notice.delivered_at, notice.last_error = now, None
            else:
                notice.last_error = (error or "failed")[:64]
                notice.next_attempt_at = now + dt.timedelta(seconds=retry_delay_s(notice.attempts, first_retry_s))
                if notice.attempts >= MAX_ATTEMPTS:
                    logger.warning("report notice %d given up after %d attempts", notice.id, notice.attempts)

    def notification_counts(self) -> Dict[str, int]:
        """delivered / pending / given_up, for operators and tests."""
        state = case((ReportNotification.delivered_at.is_not(None), "delivered"),
                     (ReportNotification.attempts >= MAX_ATTEMPTS, "given_up"), else_="pending")
        counts = {"delivered": 0, "pending": 0, "given_up": 0}
        with self.session() as session:  # counted by the database: the table only grows
            counts.update(session.execute(select(state, func.count()).group_by(state)).tuples().all())
        return counts

    def add_follower(self, report_id: int, sender_id: str, channel: Optional[str],
                     language: Optional[str]) -> bool:
        """Adds a follower once; False when this sender already follows the report."""
        try:
            with self.session() as session, session.begin():
                session.add(ReportFollower(report_id=report_id, sender_id=sender_id, channel=channel,
                                           language=language))
        except IntegrityError:
            return False
        return True

    def follow_report(self, code: str, sender_id: str, channel: Optional[str],
                      language: Optional[str]) -> Optional[ReportView]:
        """Makes `sender_id` a follower of the report `code` (once); None when there is no such report."""
        report = self.report_by_code(code)
        if report is not None:
            self.add_follower(report.id, sender_id, channel, language)
        return report

    def open_reports_near(self, category: str, latitude: float, longitude: float,
                          radius_m: float = 250.0) -> List[NearbyReport]:
        """Open reports of `category` within `radius_m` of a point, nearest first: a bounding box
        in SQL (index-friendly, no GIS extension needed), then the exact distance here."""
        lat_span = radius_m / 111_000 * 1.01  # metres per degree of latitude, with a margin
        lon_span = lat_span / max(math.cos(math.radians(latitude)), 0.01)
        query = self._report_query().where(
            Report.category == category, Report.status.in_(OPEN_STATUSES),
            Report.latitude.between(latitude - lat_span, latitude + lat_span),
            Report.longitude.between(longitude - lon_span, longitude + lon_span))
        with self.session() as session:
            candidates = [ReportView.of(r) for r in session.scalars(query)]
        near = [NearbyReport(r, distance_m((latitude, longitude), (r.latitude, r.longitude)))
                for r in candidates]
        return sorted((n for n in near if n.distance_m <= radius_m), key=lambda n: n.distance_m)

    def close(self) -> None:
        self.engine.dispose()
