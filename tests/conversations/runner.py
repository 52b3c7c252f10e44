"""Plays the conversation set against a running assistant over the REST channel and scores it.

One fresh sender per conversation. Besides the replies, it reads the conversation's tracker through
Rasa's HTTP API when it is enabled (form state: active loop, requested slot) and the report store
when it is reachable (is anything stored, where); without them the checks use the replies alone.
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

import httpx

from bot.identity import qualify
from tests.conversations.checks import CheckResult, Observation, StepReader, check_turn, next_language, read_step
from tests.conversations.spec import Conversation

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ReportStore:
    """Read-only look at the report store (SQLite or PostgreSQL URL, as the action server uses)."""

    def __init__(self, database_url: str):
        from sqlalchemy import create_engine

        self._engine = create_engine(database_url)

    def reports_for(self, sender: str) -> Optional[List[Dict[str, Any]]]:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT code, location_text FROM reports WHERE sender_id = :sender"), {"sender": sender})
                return [{"code": code, "location_text": place} for code, place in rows]
        except SQLAlchemyError as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                return []  # no report was ever stored here
            raise

    def close(self) -> None:
        self._engine.dispose()


@dataclass
class TurnResult:
    user: str
    sent: bool
    checks: List[CheckResult] = field(default_factory=list)
    replies: List[Dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass
class ConversationResult:
    conversation: Conversation
    sender: str
    turns: List[TurnResult]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.turns)

    @property
    def first_entry_ok(self) -> Optional[bool]:
        """Whether the first message got the expected knowledge entry (None: it asks for no entry)."""
        first = self.turns[0] if self.turns else None
        if first is None or "entry" not in self.conversation.turns[0].expect:
            return None
        return all(c.ok for c in first.checks if c.name == "entry")


class Assistant:
    """The assistant's REST channel and, when open, its conversation API."""

    def __init__(self, rasa_url: str, token: Optional[str] = None, timeout: float = 60.0):
        self.rasa_url = rasa_url.rstrip("/")
        if self.rasa_url.endswith("/webhooks/rest/webhook"):
            self.rasa_url = self.rasa_url[: -len("/webhooks/rest/webhook")]
        self.token = token
        self.timeout = timeout
        self.tracker_readable: Optional[bool] = None

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout)

    def send(self, client: httpx.Client, sender: str, text: str) -> List[Dict[str, Any]]:
        response = client.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        replies = response.json()
        if not isinstance(replies, list):
            raise RuntimeError(f"not a list of replies: {str(replies)[:200]}")
        return replies

    def tracker(self, client: httpx.Client, sender: str) -> Optional[Dict[str, Any]]:
        if self.tracker_readable is False:
            return None
        params = {"token": self.token} if self.token else {}
        try:
            response = client.get(f"{self.rasa_url}/conversations/{quote(sender, safe=':')}/tracker", params=params)
        except httpx.HTTPError:
            self.tracker_readable = False
            return None
        if response.status_code != 200:
            self.tracker_readable = False  # API off or token wrong: judge by the replies alone
            return None
        self.tracker_readable = True
        return response.json()


def run_conversation(assistant: Assistant, reader: StepReader, conversation: Conversation,
                     store: Optional[ReportStore] = None, prefix: str = "conv") -> ConversationResult:
    sender = f"{prefix}-{conversation.id}-{uuid.uuid4().hex[:8]}"
    conversation_id = qualify("rest", sender)  # the REST channel's conversation (and report owner) id
    language = conversation.reply_language
    results: List[TurnResult] = []
    asked: Optional[str] = None
    with assistant.client() as client:
        tracker = None
        for turn in conversation.turns:
            if turn.when_step is not None and asked != turn.when_step:
                results.append(TurnResult(user=turn.user, sent=False))
                continue
            start = time.monotonic()
            try:
                replies = assistant.send(client, sender, turn.user)
                error = None
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                replies, error = [], f"{type(exc).__name__}: {exc}"
            seconds = time.monotonic() - start
            before, tracker = tracker, assistant.tracker(client, conversation_id)
            seen = Observation(replies=replies, tracker=tracker, tracker_before=before, error=error,
                               stored=store.reports_for(conversation_id) if store is not None else None)
            seen.asked_step = read_step(reader, replies, tracker)
            asked = seen.asked_step
            results.append(TurnResult(user=turn.user, sent=True, checks=check_turn(turn, seen, language),
                                      replies=replies, seconds=seconds))
            language = next_language(turn, language)
    return ConversationResult(conversation=conversation, sender=sender, turns=results)


def run_set(assistant: Assistant, conversations: Sequence[Conversation], domain: Path = PROJECT_ROOT / "domain.yml",
            store: Optional[ReportStore] = None, workers: int = 2, prefix: str = "conv") -> List[ConversationResult]:
    """Every conversation, `workers` at a time, in the set's order."""
    reader = StepReader.from_domain(domain)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda c: run_conversation(assistant, reader, c, store, prefix), conversations))
