"""Rasa's calls to the action server over kept-alive connections.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp `ClientSession` for every request, so each
custom action (several per turn) pays a new TCP connection and a new session (issue 14).
`install()` (called by bot/rasa_extensions.py) gives each endpoint one session per event loop,
kept for the life of the process; the request itself is Rasa's: same headers, token, timeout,
compression, 4xx/5xx as `ClientResponseError` and connection failures as aiohttp's errors, so the
action-server-down apology (bot/action_fallback.py) is unchanged. A connection the action server
closed (restart, idle timeout) is dropped by aiohttp's pool before it is reused.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Callable, Optional

from bot.patching import wrap_once


def shared_session(endpoint: Any, make_session: Callable[[Any], Any]) -> Any:
    """The endpoint's session for the running event loop, made by Rasa's `session()` on first use
    (headers, basic auth, timeout)."""
    loop = asyncio.get_running_loop()
    session = getattr(endpoint, "_hue_session", None)
    if session is None or session.closed or getattr(endpoint, "_hue_loop", None) is not loop:
        if session is not None:
            _close(session)  # another event loop's (tests): its sockets are of no use here
        session = make_session(endpoint)
        endpoint._hue_session, endpoint._hue_loop = session, loop
        # closed with its endpoint or at exit, so aiohttp does not warn of an unclosed session
        weakref.finalize(endpoint, _close, session)
    return session


class _Borrowed:
    """`async with` over a shared session that leaves it open (Rasa's callers close their own)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> Optional[bool]:
        return None


def _close(session: Any) -> None:
    connector = session.connector
    if connector is not None and not connector.closed:
        connector._close()  # synchronous (no event loop needed): drops the pooled sockets


def install() -> None:
    """`EndpointConfig.session()` hands out the endpoint's shared session (idempotent). Rasa's
    `request` (action server, NLG, callbacks) and the model-server pull both use it as
    `async with endpoint.session() as session`."""
    from rasa.utils.endpoints import EndpointConfig

    def make(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def session(self: EndpointConfig) -> Any:
            try:
                return _Borrowed(shared_session(self, original))
            except RuntimeError:  # no running event loop: a session of its own, as Rasa's
                return original(self)
        return session

    wrap_once(EndpointConfig, "session", make)
