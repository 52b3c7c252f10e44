"""A conversation session ends after a number of user turns, not only after an idle time.

Rasa 3.6 rebuilds the whole current session several times per turn (loading it from the tracker
store, replaying its events, copying the tracker for each action, featurizing it for every policy,
sending it to the action server), so a turn costs more the longer the session: turn 140 of one
conversation took 14× turn 1 (issue 14). Rasa loads only the latest session, so starting a new one
every `max_turns` user turns keeps that cost flat. It is Rasa's own session start (`action_session_start`,
slots carried over as domain.yml's session_config says), only at a quiet point: no form or other
loop active. The dialogue policies look 4 turns back (config.yml), so nothing they use is dropped;
the tracker store keeps every event of every session.

Rasa's session start carries slots over by repeating every SlotSet of the old session, so each new
session began with all the previous one's (themselves carried over): the carried events grew with
the number of sessions. One SlotSet per slot, with its last value, carries the same values.

`install()` (called by bot/rasa_extensions.py) wraps `MessageProcessor._has_session_expired` and
`ActionSessionStart._slot_set_events_from_tracker`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List

from bot.patching import wrap_once

DEFAULT_MAX_TURNS = 20


def turns_in_session(tracker: Any) -> int:
    """User messages since the latest session start (the tracker holds the latest session)."""
    from rasa.shared.core.events import SessionStarted, UserUttered

    turns = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            turns += 1
    return turns


def session_is_full(tracker: Any, max_turns: int) -> bool:
    """True when the session has `max_turns` user turns and nothing is under way (no active loop:
    a form, the two-stage fallback), so the next message can start a new session."""
    if max_turns <= 0 or tracker.active_loop_name:
        return False
    return turns_in_session(tracker) >= max_turns


def latest_slot_events(events: List[Any]) -> List[Any]:
    """One SlotSet per slot: the last one set, in the order the slots were last set."""
    latest: Dict[str, Any] = {}
    for event in events:
        latest.pop(event.key, None)
        latest[event.key] = event
    return list(latest.values())


def install(max_turns: int = DEFAULT_MAX_TURNS) -> None:
    """Wraps `MessageProcessor._has_session_expired` and the session start's slot carry-over once
    per process (idempotent)."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    def carry_latest(carried: Callable[[Any], List[Any]]) -> Callable[[Any], List[Any]]:
        def slot_set_events_from_tracker(tracker: Any) -> List[Any]:
            return latest_slot_events(carried(tracker))
        return slot_set_events_from_tracker

    def end_when_full(original: Callable[..., bool]) -> Callable[..., bool]:
        def has_session_expired(self: MessageProcessor, tracker: Any) -> bool:
            if original(self, tracker):
                return True
            return self.domain.session_config.are_sessions_enabled() and session_is_full(tracker, max_turns)
        return has_session_expired

    wrap_once(ActionSessionStart, "_slot_set_events_from_tracker", carry_latest, static=True)
    wrap_once(MessageProcessor, "_has_session_expired", end_when_full)
