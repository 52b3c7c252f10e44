"""What the Rasa server runs beyond stock Rasa 3.6, installed once by bot/nlu.py (the model's NLU
pipeline imports it in every Rasa process, whatever channels are configured)."""
from __future__ import annotations


def install() -> None:
    from bot import (action_fallback, action_schema, endpoint_session, event_types, language_slots, metrics,
                     past_states, session_length, sqlite_trackers)
    from bot.settings import Settings

    metrics.install()  # turns, their latency and errors, for GET /webhooks/metrics/ (channels/metrics.py)
    action_schema.install()  # the reply schema's validator built once (issue 14)
    endpoint_session.install()  # one kept-alive HTTP session per endpoint, not one per action call (issue 14)
    sqlite_trackers.install()  # SQLite trackers in WAL mode: one disk sync per save (issue 14)
    event_types.install()  # an event's class found once per type name, not per event loaded (issue 14)
    past_states.install()  # the dialogue states replayed once per prediction, not once per policy (issue 14)
    action_fallback.install()  # an apology with the hotline when the action server fails (issue 12)
    language_slots.install()  # "bye", "thank you" keep the language hint a conversation has (issue 11)
    # a session ends after N user turns too, so turn 150 costs what turn 1 does (issue 14)
    try:
        max_turns = Settings.from_env().session_max_turns
    except ValueError:  # a half-configured channel: Rasa's channels report it; `rasa train` need not fail
        max_turns = session_length.DEFAULT_MAX_TURNS
    session_length.install(max_turns)
