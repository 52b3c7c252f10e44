"""Runtime services shared by the actions (knowledge engine, …), created once at action-server
start-up and installed here; tests install their own."""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, Callable, Optional

from bot.settings import Settings


@dataclass
class Services:
    settings: Settings
    knowledge: Optional[object] = None  # knowledge.search.SearchEngine (imported lazily: torch is heavy)
    store: Optional[object] = None  # actions.store.Store
    question_log: Optional[object] = None  # actions.question_log.QuestionLog (written off the answer path)

    def close(self) -> None:
        """The action server's clean stop: the queued question-log lines are written first."""
        if self.question_log is not None:
            self.question_log.close()


_current: Optional[Services] = None


def install(services: Optional[Services]) -> None:
    global _current
    _current = services


async def in_executor(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Runs a blocking call (store, embedding) in the default executor, off the server's event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def installed() -> Optional[Services]:
    """The installed services, or None before start-up."""
    return _current


def current() -> Services:
    if _current is None:
        raise RuntimeError("action server services were not started")
    return _current
