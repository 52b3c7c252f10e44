"""Rasa's look-up of an event's class by its type name, remembered.

Rasa 3.6 turns every stored or received event into an object through `Event.resolve_by_type`, which
walks the whole tree of Event subclasses (`all_subclasses`, with `inspect.isabstract` on each of
them) for every single event: loading a tracker of 40 events walked it 40 times. In a profile of
knowledge turns (bench/profile_turn.py) that walk was nine tenths of `DialogueStateTracker.from_dict`,
the tracker load on each message (issue 14). The answer for a type name never changes once the
classes are imported, so it is looked up once per name: the same class Rasa's walk returns (the
walk itself runs for the first event of each type). A name the walk does not find is not
remembered: the default or Rasa's error, as before, every time.

`install()` (called by bot/rasa_extensions.py) wraps `Event.resolve_by_type` once per process.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from bot.patching import wrap_once


def remembering(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """`resolve(type_name, default=None)` with the classes it found kept by type name."""
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Any:
        known = found.get(type_name)
        if known is not None:
            return known
        cls = resolve(type_name, default)
        if cls is not None and cls is not default and getattr(cls, "type_name", None) == type_name:
            found[type_name] = cls
        return cls

    resolve_by_type.found = found  # type: ignore[attr-defined]  # for tests
    return resolve_by_type


def install() -> None:
    from rasa.shared.core.events import Event

    wrap_once(Event, "resolve_by_type", remembering, static=True)
