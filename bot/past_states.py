"""A tracker's past dialogue states, computed once per prediction instead of once per policy.

To predict the next action Rasa 3.6 runs every policy on the same tracker, and each of them asks
for `tracker.past_states(domain, ...)`, which replays every event of the session into a fresh
tracker and builds the dialogue state before each action: MemoizationPolicy once, RulePolicy two or
three times (and TEDPolicy once, while config.yml had it), 3.5 replays per prediction and two
predictions per turn (12 % of the Rasa process's CPU in bench/profile_turn.py, issue 14). The states depend only on the tracker's
events (and its slot definitions, fixed by the domain), the domain and the arguments, so the last
answer is kept on the tracker with what it was computed from, and given again while none of those
changed: the same domain object, the same number of events, the same last event object, the same
arguments (MemoizationPolicy, like TEDPolicy, asks with one set, RulePolicy with another: two replays
per prediction instead of four with TED, instead of three without). Any new event (appended, or a new tracker loaded or copied) computes them anew.

Callers edit the states they get (the featurizers delete the text or intent of the last user
state), so each caller gets its own copy of the states' dictionaries, never the kept ones.

`install()` (called by bot/rasa_extensions.py) wraps `DialogueStateTracker.past_states` once.
"""
from __future__ import annotations

import copy
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

from bot.patching import wrap_once

_KEPT = "_hue_past_states"


def copied(states: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Each state and each of its sub-states a new dict (their values are strings and tuples)."""
    return [{key: dict(sub) if isinstance(sub, dict) else copy.deepcopy(sub) for key, sub in state.items()}
            for state in states]


class _Kept:
    """The states computed for one list of events, per arguments (the policies use two sets)."""

    __slots__ = ("domain", "count", "last", "answers")

    def __init__(self, domain: Any, count: int, last: Any) -> None:
        self.domain = weakref.ref(domain)  # a weak reference: a tracker copy never copies the domain
        self.count, self.last = count, last
        self.answers: List[Tuple[tuple, List[Dict[str, Any]]]] = []

    def matches(self, domain: Any, count: int, last: Any) -> bool:
        return self.domain() is domain and self.count == count and self.last is last

    def states(self, arguments: tuple) -> Optional[List[Dict[str, Any]]]:
        return next((states for kept, states in self.answers if kept == arguments), None)


def remembering(past_states: Callable[..., List[Dict[str, Any]]]) -> Callable[..., List[Dict[str, Any]]]:
    def kept_past_states(self: Any, domain: Any, omit_unset_slots: bool = False,
                         ignore_rule_only_turns: bool = False,
                         rule_only_data: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        events = self.events
        count = len(events)
        last = events[-1] if count else None
        arguments = (bool(omit_unset_slots), bool(ignore_rule_only_turns), rule_only_data)
        kept = self.__dict__.get(_KEPT)
        if kept is None or not kept.matches(domain, count, last):
            kept = self.__dict__[_KEPT] = _Kept(domain, count, last)
        states = kept.states(arguments)
        if states is not None:
            return copied(states)
        states = past_states(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        kept.answers.append(((arguments[0], arguments[1], copy.deepcopy(rule_only_data)), copied(states)))
        return states

    return kept_past_states


def install() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    wrap_once(DialogueStateTracker, "past_states", remembering)
