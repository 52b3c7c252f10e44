"""What never reaches a log line: secrets and full phone numbers. Stdlib only, so both processes
(the Rasa server and the action server) install the same scrubbing with `redact_in_logs`.

The scrubbing is a log record factory rather than a handler filter: it sees every record of every
library (httpx, SQLAlchemy, python-telegram-bot, Rasa's structlog output), whichever handler prints
it, and it also scrubs the exception text (SQLAlchemy puts statement parameters into its errors).
"""
from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any, Iterable

# Vietnamese phone numbers as people type them: 0905123456, 0905 123 456, 0905.123.456,
# +84 905 123 456, 84905123456, 0234 3822 222 (9-10 national digits after 0 / 84 / +84).
PHONE_IN_TEXT_RE = re.compile(r"(?<![\w+])(?:\+84|84|0)(?:[ .\-]?\d){8,10}(?![\w])")


def mask(value: Any, keep: int = 3) -> str:
    """A user id, token or phone number fit for a log line: only the last few characters."""
    text = str(value)
    return "*" * max(len(text) - keep, 3) + text[-keep:] if len(text) > keep else "***"


def mask_phones(text: str) -> str:
    """`text` with every phone number in it masked ("gọi 0905 123 456" → "gọi *******456")."""
    if not text:
        return text
    return PHONE_IN_TEXT_RE.sub(lambda match: mask(re.sub(r"\D", "", match.group(0))), text)


_REDACTED: set = set()
_installed = threading.Lock()
_state = {"installed": False}


def scrub(text: str) -> str:
    """`text` without the registered secrets and with phone numbers masked."""
    for secret in _REDACTED:
        if secret in text:
            text = text.replace(secret, "***")
    return mask_phones(text)


def _install_factory() -> None:
    with _installed:
        if _state["installed"]:
            return
        make_record = logging.getLogRecordFactory()

        def scrubbing_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record is the logging module's to report
                return record
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, ()
            if record.exc_info and record.exc_info[0] is not None:
                # Formatters use exc_text when it is set: the traceback is rendered (and scrubbed) here.
                record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            if record.stack_info:
                record.stack_info = scrub(record.stack_info)
            return record

        logging.setLogRecordFactory(scrubbing_record)
        _state["installed"] = True


def redact_in_logs(secrets: Iterable[str] = ()) -> None:
    """From now on, every log record of the process has these secrets replaced with *** and phone
    numbers masked. Library loggers need it: httpx and python-telegram-bot log request URLs (Telegram's
    carry the bot token), SQLAlchemy errors carry statement parameters."""
    _install_factory()
    _REDACTED.update(secret for secret in secrets if secret and len(secret) >= 4)


# Keys under which Rasa's structured log events carry what the user wrote.
USER_TEXT_KEYS = frozenset({"text", "user_text", "user_message", "utterance", "parse_data", "tracker_states"})


def _drop_user_text(logger: Any, method_name: str, event_dict: dict) -> dict:  # noqa: ARG001
    for key in USER_TEXT_KEYS & event_dict.keys():
        event_dict[key] = "[not logged]"
    return event_dict


def keep_user_text_out_of_rasa_logs() -> None:
    """Rasa (structlog) logs failures with the user's text and, in its JSON tracebacks, every frame's
    local variables. Its processor chain is changed in place (loggers already made share the list):
    user text fields are dropped and tracebacks keep no locals. Rasa process only."""
    import structlog
    from structlog.processors import ExceptionRenderer, dict_tracebacks
    from structlog.tracebacks import ExceptionDictTransformer

    processors = structlog.get_config()["processors"]
    if _drop_user_text not in processors:
        processors.insert(0, _drop_user_text)
    for position, processor in enumerate(processors):
        if processor is dict_tracebacks:
            processors[position] = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
