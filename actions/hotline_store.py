"""Records of the hotline console and the supervisor dashboard: the question log, calls with their
end-of-call summaries, suggestion feedback, and the dashboard's aggregates over all stores.

Synchronous like `actions.store`; the hotline API runs these through `run_in_executor`.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select

from actions.models import AnswerFeedback, HotlineCall, QuestionLog, Report, ReportStatusChange, SuggestionFeedback
from actions.reports import mask_phone
from actions.store import LOCAL_TIME, Store, aware, utc_now

VERDICTS = ("used", "helpful", "wrong")
USED_VERDICTS = ("used", "helpful")  # a suggestion the agent read out or found right counts as used
RESOLVED_STATUS = "resolved"
# Intents that say nothing about the call's subject; the others name a topic ("intent:report_incident").
GENERIC_INTENTS = {"inform", "affirm", "deny", "greet", "goodbye", "thank", "out_of_scope", "bot_challenge",
                   "ask_help", "ask_procedure", "ask_city_service", "ask_tourism", "speak_english",
                   "speak_vietnamese", "feedback_helpful", "feedback_not_helpful"}
MAX_TOPICS = 50  # a very long call keeps its first topics; the summary stays readable


class UnknownCall(LookupError):
    """No call with that id was started (or it belongs to nobody the store knows)."""


@dataclass(frozen=True)
class CallSummary:
    call_id: str
    agent: str
    phone: str  # masked
    started_at: str
    ended_at: Optional[str]
    duration_s: Optional[int]
    utterances: int
    topics: List[str]
    entries_used: List[str]
    report_codes: List[str]

    @classmethod
    def of(cls, call: HotlineCall) -> "CallSummary":
        started = aware(call.started_at)
        ended = aware(call.ended_at) if call.ended_at else None
        return cls(call.call_id, call.agent, mask_phone(call.phone), started.isoformat(),
                   ended.isoformat() if ended else None,
                   round((ended - started).total_seconds()) if ended else None, call.utterances,
                   json.loads(call.topics), json.loads(call.entries_used), json.loads(call.report_codes))

    def as_json(self) -> dict:
        return asdict(self)


def _append_unique(raw: str, value: str, limit: int = MAX_TOPICS) -> str:
    values = json.loads(raw or "[]")
    if value not in values and len(values) < limit:
        values.append(value)
    return json.dumps(values, ensure_ascii=False)


class HotlineStore:
    """The hotline's tables, on the action server's `Store` (same engine, same migrations)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- question log (every channel) -------------------------------------------------------------
    def log_question(self, channel: Optional[str], language: Optional[str], entry_id: Optional[str],
                     answered: bool, confidence: float) -> None:
        self.log_questions([(channel, language, entry_id, answered, confidence)])

    def log_questions(self, lines: Iterable[Tuple[Optional[str], Optional[str], Optional[str], bool, float]]) -> None:
        """Several lines (channel, language, entry id, answered, confidence) in one transaction."""
        with self.store.session() as session, session.begin():
            session.add_all([QuestionLog(channel=channel, language=language, entry_id=entry_id,
                                         answered=answered, confidence=float(confidence))
                             for channel, language, entry_id, answered, confidence in lines])

    # -- calls -------------------------------------------------------------------------------------
    def start_call(self, call_id: str, agent: str, phone: Optional[str]) -> CallSummary:
        """Opens a call once; starting the same call id again returns it unchanged."""
        with self.store.session() as session, session.begin():
            call = session.scalars(select(HotlineCall).where(HotlineCall.call_id == call_id)).first()
            if call is None:
                call = HotlineCall(call_id=call_id, agent=agent, phone=phone, started_at=utc_now(),
                                   utterances=0, topics="[]", entries_used="[]", report_codes="[]")
                session.add(call)
                session.flush()
            return CallSummary.of(call)

    def _update(self, call_id: str, change) -> CallSummary:
        with self.store.session() as session, session.begin():
            call = session.scalars(select(HotlineCall).where(HotlineCall.call_id == call_id)
                                   .with_for_update()).first()
            if call is None:
                raise UnknownCall(call_id)
            change(call)
            session.flush()
            return CallSummary.of(call)

    def record_utterance(self, call_id: str, topic: Optional[str]) -> CallSummary:
        def change(call: HotlineCall) -> None:
            call.utterances += 1
            if topic:
                call.topics = _append_unique(call.topics, topic)
        return self._update(call_id, change)

    def record_report(self, call_id: str, code: str) -> CallSummary:
        def change(call: HotlineCall) -> None:
            call.report_codes = _append_unique(call.report_codes, code)
        return self._update(call_id, change)

    def record_suggestion_feedback(self, call_id: str, agent: str, entry_id: str, verdict: str) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")

        def change(call: HotlineCall) -> None:
            if verdict in USED_VERDICTS:
                call.entries_used = _append_unique(call.entries_used, entry_id)
        self._update(call_id, change)
        with self.store.session() as session, session.begin():
            session.add(SuggestionFeedback(call_id=call_id, agent=agent, entry_id=entry_id, verdict=verdict))

    def end_call(self, call_id: str, intents: Sequence[str] = ()) -> CallSummary:
        """Closes the call and returns its summary; ending it again returns the same summary.

        `intents` are the call's NLU intents (from the Rasa side); the meaningful ones become topics
        "intent:<name>" beside the knowledge entries found."""
        def change(call: HotlineCall) -> None:
            if call.ended_at is None:
                for intent in intents:
                    if intent not in GENERIC_INTENTS:
                        call.topics = _append_unique(call.topics, f"intent:{intent}")
                call.ended_at = utc_now()
        return self._update(call_id, change)

    def call_summary(self, call_id: str) -> Optional[CallSummary]:
        with self.store.session() as session:
            call = session.scalars(select(HotlineCall).where(HotlineCall.call_id == call_id)).first()
            return CallSummary.of(call) if call else None

    # -- dashboard ---------------------------------------------------------------------------------
    def dashboard(self, days: int = 14, now: Optional[dt.datetime] = None) -> dict:
        """Aggregates for the supervisor: per local day (Asia/Ho_Chi_Minh) over the last `days` days,
        and totals over the same window."""
        now = now or utc_now()
        today = now.astimezone(LOCAL_TIME).date()
        day_list = [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        since = dt.datetime.combine(day_list[0], dt.time(), LOCAL_TIME).astimezone(dt.timezone.utc)
        with self.store.session() as session:
            questions = session.execute(select(QuestionLog.created_at, QuestionLog.channel,
                                               QuestionLog.answered)
                                        .where(QuestionLog.created_at >= since)).all()
            feedback = session.execute(select(AnswerFeedback.channel, AnswerFeedback.helpful, func.count())
                                       .where(AnswerFeedback.created_at >= since)
                                       .group_by(AnswerFeedback.channel, AnswerFeedback.helpful)).all()
            verdicts = session.execute(select(SuggestionFeedback.entry_id, SuggestionFeedback.verdict,
                                              func.count())
                                       .where(SuggestionFeedback.created_at >= since)
                                       .group_by(SuggestionFeedback.entry_id, SuggestionFeedback.verdict)).all()
            reports = session.execute(select(Report.category, Report.status, func.count())
                                      .group_by(Report.category, Report.status)).all()
            resolved = session.execute(
                select(Report.created_at, func.min(ReportStatusChange.created_at))
                .join(ReportStatusChange, ReportStatusChange.report_id == Report.id)
                .where(ReportStatusChange.status == RESOLVED_STATUS)
                .group_by(Report.id, Report.created_at)).all()
            calls = session.execute(select(HotlineCall.started_at, HotlineCall.ended_at)
                                    .where(HotlineCall.started_at >= since)).all()
        return {
            "days": [day.isoformat() for day in day_list],
            "questions": _questions_per_day(questions, day_list),
            "questions_by_channel": _answered_by_channel(questions),
            "satisfaction": _satisfaction(feedback),
            "suggestions": _suggestion_usefulness(verdicts),
            "reports": _reports(reports),
            "resolve": _time_to_resolve(resolved),
            "calls": _calls(calls),
        }


def _local_day(moment: dt.datetime) -> dt.date:
    return aware(moment).astimezone(LOCAL_TIME).date()


def _questions_per_day(rows, day_list: List[dt.date]) -> Dict[str, List[int]]:
    answered, declined = Counter(), Counter()
    for created_at, _channel, was_answered in rows:
        (answered if was_answered else declined)[_local_day(created_at)] += 1
    return {"answered": [answered[day] for day in day_list],
            "declined": [declined[day] for day in day_list]}


def _answered_by_channel(rows) -> Dict[str, Dict[str, int]]:
    result: Dict[str, Dict[str, int]] = defaultdict(lambda: {"answered": 0, "declined": 0})
    for _created_at, channel, was_answered in rows:
        result[channel or "unknown"]["answered" if was_answered else "declined"] += 1
    return dict(sorted(result.items()))


def _satisfaction(rows) -> Dict[str, Dict[str, int]]:
    result: Dict[str, Dict[str, int]] = defaultdict(lambda: {"helpful": 0, "not_helpful": 0})
    for channel, helpful, count in rows:
        result[channel or "unknown"]["helpful" if helpful else "not_helpful"] += count
    return dict(sorted(result.items()))


def _suggestion_usefulness(rows) -> dict:
    totals = Counter({verdict: 0 for verdict in VERDICTS})
    wrong = Counter()
    for entry_id, verdict, count in rows:
        totals[verdict] += count
        if verdict == "wrong":
            wrong[entry_id] += count
    return {"totals": dict(totals),
            "most_wrong": [{"entry_id": e, "wrong": n} for e, n in wrong.most_common(5)]}


def _reports(rows) -> dict:
    by_category: Dict[str, Dict[str, int]] = defaultdict(dict)
    by_status: Counter = Counter()
    for category, status, count in rows:
        by_category[category][status] = count
        by_status[status] += count
    return {"by_category": dict(sorted(by_category.items())), "by_status": dict(by_status)}


def _time_to_resolve(rows) -> dict:
    hours = [(aware(resolved_at) - aware(created_at)).total_seconds() / 3600 for created_at, resolved_at in rows]
    return {"resolved": len(hours), "median_hours": round(statistics.median(hours), 2) if hours else None}


def _calls(rows) -> dict:
    durations = [(aware(end) - aware(start)).total_seconds() for start, end in rows if end is not None]
    return {"count": len(rows), "ended": len(durations),
            "median_duration_s": round(statistics.median(durations)) if durations else None}
