"""A conversation session ends after a number of user turns, not only after an idle time.

Rasa 3.6 rebuilds the whole current session several times per turn (loading it from the tracker
store, replaying its events, copying the tracker for each action, featurizing it for every policy,
sending it to the action server), so a turn costs more the longer the session: turn 140 of one
conversation took 14× turn 1 (issue 14). Rasa loads only the latest session, so starting a new one
every `max_turns` user turns keeps that cost flat. It is Rasa's own session start (`action_session_start`,
slots carried over as domain.yml's session_config says), only at a quiet point: no form or other
loop active. The dialogue policies look 4 turns back (config.yml), so nothing they use is dropped;
the tracker store keeps every event of every session.

`install()` (called by bot/rasa_extensions.py) wraps `MessageProcessor._has_session_expired`.
"""
from __future__ import annotations

from typing import Any

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


def install(max_turns: int = DEFAULT_MAX_TURNS) -> None:
    """Wraps `MessageProcessor._has_session_expired` once per process (idempotent)."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._has_session_expired
    if getattr(original, "_hue_session_length", False):
        return

    def has_session_expired(self: MessageProcessor, tracker: Any) -> bool:
        if original(self, tracker):
            return True
        return self.domain.session_config.are_sessions_enabled() and session_is_full(tracker, max_turns)

    has_session_expired._hue_session_length = True  # type: ignore[attr-defined]
    MessageProcessor._has_session_expired = has_session_expired  # type: ignore[method-assign]
