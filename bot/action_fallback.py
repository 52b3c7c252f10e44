"""When the action server cannot run an action (down, restarting, crashing), the user hears so, with
the hotline, instead of silence.

Rasa 3.6 catches a failed custom action in its processor, drops the action's events and goes on to
`action_listen`: the user gets an empty reply on every channel. Rasa builds the `RemoteAction` that
calls the action server in three places (the policy's next action, a form's `validate_<form>`, a
custom slot mapping) and has no hook for it, so the one place below every channel is
`RemoteAction.run` itself: `install()` wraps it (bot/nlu.py calls it, so the Rasa server always has
it). A failure then becomes one apology per turn in the user's language; inside a form the step
being asked stays asked. Custom slot mappings keep Rasa's own handling (a logged warning), since
the action the turn predicts next says the apology if the server is really gone.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, List, Optional

from bot import metrics
from bot.patching import wrap_once
from bot.settings import HOTLINE
from bot.text import EN

logger = logging.getLogger(__name__)

UNAVAILABLE = {
    "vi": f"Xin lỗi, hệ thống đang gặp sự cố nên tôi chưa xử lý được tin nhắn này. "
          f"Bạn thử lại sau ít phút, hoặc gọi tổng đài {HOTLINE}.",
    EN: f"Sorry, the system is having trouble, so I couldn't handle that message. "
        f"Please try again in a few minutes, or call the hotline {HOTLINE}.",
}
# Marks the apology in the tracker, so that a turn says it once however many actions fail.
MARK = "action_server_unavailable"


def reply_language(tracker: Any) -> str:
    """What this message shows (the NLU LanguageDetector's result), else the `language` slot."""
    detected = (tracker.latest_message.parse_data or {}).get("language") if tracker.latest_message else None
    language = detected or tracker.get_slot("language")
    return EN if language == EN else "vi"


def _said_this_turn(tracker: Any) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(MARK):
            return True
    return False


def _is_slot_mapping_action(name: str, domain: Any) -> bool:
    return any(mapping.get("action") == name
               for slot in domain.slots for mapping in (slot.mappings or []))


def fallback_events(name: str, tracker: Any) -> List[Any]:
    """The events a failed action `name` leaves: the apology (once per turn) and, for a form's
    validation, the step being asked kept as it is."""
    from rasa.shared.core.constants import REQUESTED_SLOT
    from rasa.shared.core.events import BotUttered, SlotSet

    events: List[Any] = []
    if not _said_this_turn(tracker):
        language = reply_language(tracker)
        events.append(BotUttered(UNAVAILABLE[language], metadata={MARK: True}))
    requested: Optional[str] = tracker.get_slot(REQUESTED_SLOT)
    loop = tracker.active_loop_name
    if loop and requested and name == f"validate_{loop}":
        # A slot event makes the form take this turn without the answer (rather than reject it,
        # which would hand the message to another policy) and ask the same step again.
        events += [SlotSet(requested, tracker.get_slot(requested)), SlotSet(REQUESTED_SLOT, requested)]
    return events


def install() -> None:
    """Wraps `RemoteAction.run` once per process (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.exceptions import RasaException

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
            try:
                return await original(self, output_channel, nlg, tracker, domain)
            except ActionExecutionRejection:
                raise  # the action declined on purpose: Rasa lets another policy act
            except Exception as exc:  # noqa: BLE001 - connection refused, 5xx, timeout, bad reply: all the same to the user
                if _is_slot_mapping_action(self.name(), domain):
                    # Rasa's slot extraction logs RasaException and goes on; anything else would be a 500.
                    raise exc if isinstance(exc, RasaException) else RasaException(str(exc)) from exc
                metrics.ACTION_FAILURES.labels(self.name()).inc()
                logger.error("Custom action '%s' failed (%s: %s); the user is told to try again or call %s.",
                             self.name(), type(exc).__name__, exc, HOTLINE)
                return fallback_events(self.name(), tracker)
        return run

    wrap_once(RemoteAction, "run", make)
