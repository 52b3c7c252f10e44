"""The question log written off the answer path: an answer queues its line and returns at once; one
background thread writes the queued lines in batches; `close()` (the action server's stop) writes
what is left, so a clean stop loses nothing (issue 14)."""
from __future__ import annotations

import logging
import queue
import threading
from typing import Optional, Tuple

logger = logging.getLogger(__name__)

Line = Tuple[Optional[str], Optional[str], Optional[str], bool, float]  # channel, language, entry, answered, confidence
_STOP = object()


class QuestionLog:
    """Queued question-log lines for the dashboard, written to `store` by one thread."""

    def __init__(self, store, batch_window_s: float = 0.5) -> None:
        from actions.hotline_store import HotlineStore

        self._hotline = HotlineStore(store)
        self._window = batch_window_s  # lines arriving this soon after the first go in one transaction
        self._queue: "queue.Queue[object]" = queue.Queue()
        self._thread = threading.Thread(target=self._write_forever, name="question-log", daemon=True)
        self._thread.start()

    def record(self, channel: Optional[str], language: Optional[str], entry_id: Optional[str],
               answered: bool, confidence: float) -> None:
        """Queues one line; never blocks, never raises."""
        self._queue.put((channel, language, entry_id, bool(answered), float(confidence)))

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until every line queued so far is written (or failed and was logged)."""
        if not self._thread.is_alive():
            return self._queue.empty()
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Writes what is queued and stops the thread (the action server's clean stop)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _write_forever(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            try:  # a short wait gathers the lines of a busy moment into one transaction
                while len(batch) < 200 and batch[-1] is not _STOP:
                    batch.append(self._queue.get(timeout=self._window))
            except queue.Empty:
                pass
            lines = [item for item in batch if isinstance(item, tuple)]
            if lines:
                self._write(lines)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            stopping = any(item is _STOP for item in batch)

    def _write(self, lines) -> None:
        try:
            self._hotline.log_questions(lines)
        except Exception:  # noqa: BLE001 - the dashboard may miss questions; the answers must not
            logger.exception("could not write %d question-log lines", len(lines))
