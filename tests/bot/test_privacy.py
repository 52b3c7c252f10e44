"""bot/privacy.py: phone numbers and secrets never reach a log line, library errors included."""
import logging

import pytest

from bot.privacy import mask_phones, redact_in_logs


@pytest.mark.parametrize("text", ["0905123456", "0905 123 456", "0905.123.456", "+84 905 123 456",
                                  "84905123456", "+84905123456", "0234 3822 222", "(0905-123-456)"])
def test_phone_numbers_are_masked_in_text(text):
    masked = mask_phones(f"gọi {text} nhé")
    digits = "".join(c for c in text if c.isdigit())
    assert "".join(c for c in masked if c.isdigit()) == digits[-3:] and "***" in masked


@pytest.mark.parametrize("text", ["HUE-2026-000123", "710001", "năm 2026", "16.4637, 107.5909", "1900 1075",
                                  "update 99000001"])
def test_other_numbers_are_left_alone(text):
    assert mask_phones(text) == text


def test_log_records_and_their_exceptions_are_scrubbed(caplog):
    redact_in_logs(["s3cret-token-value"])
    logger = logging.getLogger("tests.privacy")
    with caplog.at_level(logging.INFO):
        logger.info("calling %s with token %s", "0905 123 456", "s3cret-token-value")
        try:
            raise ValueError("INSERT failed: parameters ('+84905123456', 's3cret-token-value')")
        except ValueError:
            logger.exception("database error")
    text = caplog.text
    assert "calling" in text and "database error" in text and "INSERT failed" in text
    assert "905123456" not in text and "0905 123" not in text and "s3cret-token-value" not in text
