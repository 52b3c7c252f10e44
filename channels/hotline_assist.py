"""What the console shows for one caller utterance, free of any web framework: the suggested next step
(with a report's category, place and description prefilled from the caller's words) and the per-call
event feed the console polls (utterances typed by staff and those posted by a speech-to-text system).
"""
from __future__ import annotations

import itertools
import threading
from collections import OrderedDict, deque
from typing import Deque, Dict, List, Optional

from actions.reports import describe_from_message, detect_category, extract_place, find_tracking_code

REPORT_INTENTS = {"report_incident"}
MAX_EVENTS_PER_CALL = 200
MAX_CALLS = 500  # calls kept in memory for the feed; the oldest is dropped first


def next_step(text: str, intent: Optional[str], answered: bool,
              top_entry: Optional[str] = None) -> Dict[str, Optional[str]]:
    """The agent's suggested next step for an utterance.

    A report when the caller reports something (the intent) or names a problem the knowledge base has
    no answer for ("đèn đường hỏng ở Lê Lợi"); the top answer when there is one; else ask for more.
    A question that names a category but is answered ("lịch thu gom rác") stays a question."""
    category = detect_category(text)
    if intent in REPORT_INTENTS or (category and not answered):
        return {"action": "file_report", "category": category or "other", "place": extract_place(text),
                "description": describe_from_message(text) or text.strip()}
    if intent == "check_report_status":
        return {"action": "check_status", "code": find_tracking_code(text)}
    if answered and top_entry:
        return {"action": "read_answer", "entry_id": top_entry}
    return {"action": "clarify"}


def entities_view(entities: List[dict]) -> List[dict]:
    """Entities as the console shows them: name, value and the extractor's confidence when given."""
    return [{"entity": e.get("entity"), "value": e.get("value"),
             "confidence": e.get("confidence_entity")} for e in entities]


class CallFeed:
    """Each call's utterance results in order, numbered, so the console can poll for what a
    speech-to-text feed posted. In memory: one Rasa server process (as the in-memory tracker store)."""

    def __init__(self, per_call: int = MAX_EVENTS_PER_CALL, max_calls: int = MAX_CALLS) -> None:
        self._calls: "OrderedDict[str, Deque[dict]]" = OrderedDict()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.per_call = per_call
        self.max_calls = max_calls

    def add(self, call_id: str, event: dict) -> dict:
        with self._lock:
            events = self._calls.get(call_id)
            if events is None:
                events = self._calls[call_id] = deque(maxlen=self.per_call)
                while len(self._calls) > self.max_calls:
                    self._calls.popitem(last=False)
            numbered = {**event, "seq": next(self._numbers)}
            events.append(numbered)
            return numbered

    def since(self, call_id: str, after: int = 0) -> List[dict]:
        with self._lock:
            return [e for e in self._calls.get(call_id, ()) if e["seq"] > after]

    def intents(self, call_id: str) -> List[str]:
        """Distinct intents the call's utterances had, in order (for the end-of-call summary)."""
        seen: List[str] = []
        for event in self.since(call_id):
            intent = (event.get("intent") or {}).get("name")
            if intent and intent not in seen:
                seen.append(intent)
        return seen

    def forget(self, call_id: str) -> None:
        with self._lock:
            self._calls.pop(call_id, None)
