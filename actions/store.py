"""The action server's store: engine creation, Alembic migrations and the queries actions use.

Calls are synchronous (SQLAlchemy 2 core/ORM); actions run them through `run_in_executor`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from actions.models import AnswerFeedback, Report, ReportFollower, ReportStatusChange
from actions.reports import distance_m, mask_phone, tracking_code

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN_STATUSES = ("received", "in_progress")


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
        # SQLite: wait for a concurrent writer instead of failing at once.
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
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

    def _report_query(self):
        return select(Report).options(selectinload(Report.history))

    def submit_report(self, new: NewReport) -> Tuple[ReportView, bool]:
        """Stores a report exactly once per idempotency key; (report, created).

        A retried or concurrent submit with the same key gets the first report back."""
        existing = self.report_by_key(new.idempotency_key)
        if existing is not None:
            return existing, False
        try:
            with self.session() as session, session.begin():
                report = Report(
                    idempotency_key=new.idempotency_key, sender_id=new.sender_id, channel=new.channel,
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
            report = session.scalars(self._report_query().where(Report.idempotency_key == key)).first()
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

    def open_reports_near(self, category: str, latitude: float, longitude: float,
                          radius_m: float = 250.0) -> List[ReportView]:
        """Open reports (received / in progress) of `category` within `radius_m`, nearest first."""
        # A bounding box in SQL (1° latitude ≈ 111 km), then the exact distance here.
        dlat = radius_m / 111_000
        dlon = radius_m / (111_000 * max(0.1, math.cos(math.radians(latitude))))
        with self.session() as session:
            reports = session.scalars(self._report_query().where(
                Report.category == category, Report.status.in_(OPEN_STATUSES),
                Report.latitude.between(latitude - dlat, latitude + dlat),
                Report.longitude.between(longitude - dlon, longitude + dlon))).all()
            views = [ReportView.of(r) for r in reports]
        near = [(distance_m((v.latitude, v.longitude), (latitude, longitude)), v) for v in views]
        return [v for d, v in sorted(near, key=lambda pair: pair[0]) if d <= radius_m]

    def follow_report(self, code: str, sender_id: str, channel: Optional[str],
                      language: Optional[str]) -> Optional[ReportView]:
        """Adds a follower to the report `code` (once per sender); None when there is no such report."""
        report = self.report_by_code(code)
        if report is None:
            return None
        try:
            with self.session() as session, session.begin():
                session.add(ReportFollower(report_id=report.id, sender_id=sender_id, channel=channel,
                                           language=language))
        except IntegrityError:
            pass  # already following
        return report

    def close(self) -> None:
        self.engine.dispose()
