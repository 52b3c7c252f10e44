"""Prometheus metrics of the Rasa server: turns and their latency per channel, turns that failed,
and actions the action server could not run (the user got the apology, bot/action_fallback.py).

Counted below the channels (Rasa's MessageProcessor.handle_message, wrapped once by `install()`
from bot/rasa_extensions.py); served by channels/metrics.py at GET /webhooks/metrics/. The action
server's metrics (answers, declines, reports filed, the notice outbox) are in actions/metrics.py.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from prometheus_client import Counter, Histogram

from bot.patching import wrap_once

TURNS = Counter("hue_turns_total", "User messages Rasa processed, by input channel.", ["channel"])
TURN_SECONDS = Histogram("hue_turn_seconds", "Time Rasa took for one user message, by input channel.",
                         ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TURN_ERRORS = Counter("hue_turn_errors_total", "User messages whose processing raised.", ["channel"])
ACTION_FAILURES = Counter("hue_action_server_failures_total",
                          "Custom actions the action server could not run (the user got the apology).",
                          ["action"])


def install() -> None:
    """Wraps `MessageProcessor.handle_message` once per process (idempotent)."""
    from rasa.core.processor import MessageProcessor

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        async def handle_message(self: MessageProcessor, message: Any) -> Any:
            channel = str(getattr(message, "input_channel", None) or "unknown")
            start = time.perf_counter()
            try:
                return await original(self, message)
            except Exception:
                TURN_ERRORS.labels(channel).inc()
                raise
            finally:
                TURNS.labels(channel).inc()
                TURN_SECONDS.labels(channel).observe(time.perf_counter() - start)
        return handle_message

    wrap_once(MessageProcessor, "handle_message", make)
