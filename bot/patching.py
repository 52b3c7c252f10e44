"""Our few changes to Rasa's own methods (bot/rasa_extensions.py installs them), each made once.

Rasa may load the components that install them more than once in a process (training, tests, a model
reload), so a replacement is marked and a second install finds the mark and does nothing.
"""
from __future__ import annotations

from typing import Any, Callable

_MARK = "_hue_wrapped"


def wrap_once(owner: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]],
              static: bool = False) -> None:
    """Replaces `owner.name` by `make(original)` unless it is already ours; `static` for a staticmethod."""
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return
    replacement = make(original)
    setattr(replacement, _MARK, True)
    setattr(owner, name, staticmethod(replacement) if static else replacement)
