"""Rasa's own failure logs (structlog, JSON when not on a terminal) after bot/privacy.py has adjusted
them: no user text, no local variables in tracebacks, no phone numbers."""
import json
import logging

import structlog
from rasa.utils.log_utils import configure_structlog

from bot.privacy import keep_user_text_out_of_rasa_logs, redact_in_logs


def test_rasa_failure_logs_carry_no_user_text_locals_or_phone_numbers(caplog):
    configure_structlog(logging.INFO)  # as `rasa run` does at start-up
    structlogger = structlog.get_logger()
    structlogger.info("warm.up")  # a logger already in use keeps working and is changed too
    keep_user_text_out_of_rasa_logs()
    redact_in_logs()

    def failing(user_secret_note: str) -> None:
        raise ValueError("could not handle the message")

    with caplog.at_level(logging.INFO):
        try:
            failing("nhà tôi ở 12 Lê Lợi, số 0905123456")
        except ValueError:
            structlogger.exception("rest.message.received.failure", text="tôi là Lan, gọi 0914 222 333")
        structlogger.error("processor.failure", detail="call 0905 123 456")
    logged = caplog.text
    assert "rest.message.received.failure" in logged and "could not handle the message" in logged
    for private in ("tôi là Lan", "0914 222 333", "12 Lê Lợi", "0905123456", "0905 123 456", "user_secret_note"):
        assert private not in logged
    event = json.loads(caplog.records[-2].getMessage())
    assert event["text"] == "[not logged]"
