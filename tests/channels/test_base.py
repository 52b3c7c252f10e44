"""channels/base.py: the pure pieces both channels share."""
import asyncio
import json

import pytest

from channels.base import (
    BoundedMap,
    SerialTasks,
    app_language,
    greeting_text,
    location_text,
    mask,
    photo_text,
    secrets_match,
    split_message,
    valid_coordinates,
)


def test_location_text_is_the_form_contract():
    assert location_text(16.4637, 107.5909) == '/share_location{"latitude": 16.4637, "longitude": 107.5909}'


def test_photo_text_is_the_form_contract_and_escapes_quotes():
    assert photo_text("AgACAgIAAxk") == '/share_photo{"photo": "AgACAgIAAxk"}'
    odd = 'https://x.zdn.vn/a"b.jpg'
    assert json.loads(photo_text(odd)[len("/share_photo"):]) == {"photo": odd}


@pytest.mark.parametrize("lat, lon, expected", [
    ("16.4637", "107.5909", (16.4637, 107.5909)),
    (0, 0, (0.0, 0.0)),
    (91, 10, None), (10, -181, None), ("nan", 1, None), ("abc", 1, None), (None, 1, None),
])
def test_valid_coordinates(lat, lon, expected):
    assert valid_coordinates(lat, lon) == expected


def test_greeting_and_language():
    assert greeting_text("en") == "hello" and greeting_text("vi") == "xin chào"
    assert app_language("vi") == "vi" and app_language("vi-VN") == "vi"
    assert app_language("en-GB") == "en" and app_language("fr") == "en" and app_language(None) == "en"


def test_secrets_match():
    assert secrets_match("s3cret", "s3cret")
    assert not secrets_match("s3cret", "s3cre")
    assert not secrets_match("s3cret", None)
    assert not secrets_match("s3cret", "")
    assert secrets_match("mã-bí-mật", "mã-bí-mật")  # non-ASCII must not raise


def test_mask_keeps_only_the_tail():
    assert mask("0905123456") == "*******456"
    assert "0905" not in mask("0905123456")
    assert mask("ab") == "***"


def test_split_keeps_short_text_whole():
    assert split_message("  xin chào  ", 10) == ["xin chào"]
    assert split_message("", 10) == []


def test_split_prefers_paragraph_boundaries():
    first, second = "a" * 60, "b" * 60
    parts = split_message(f"{first}\n\n{second}", 100)
    assert parts == [first, second]


def test_split_falls_back_to_lines_then_spaces_then_hard_cuts():
    assert split_message("x" * 40 + "\n" + "y" * 40, 50) == ["x" * 40, "y" * 40]
    words = " ".join(["word"] * 30)  # 149 characters
    parts = split_message(words, 50)
    assert all(len(p) <= 50 for p in parts) and " ".join(parts) == words
    assert split_message("z" * 120, 50) == ["z" * 50, "z" * 50, "z" * 20]


def test_split_limits_and_keeps_all_content():
    text = "\n\n".join(f"Đoạn {i}: " + "chữ " * 300 for i in range(12))
    parts = split_message(text, 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_bounded_map_forgets_the_oldest():
    seen = BoundedMap(capacity=3)
    assert [seen.first_time(k) for k in (1, 2, 3, 1)] == [True, True, True, False]
    seen.first_time(4)  # evicts 1, the first seen (a repeat does not renew it)
    assert len(seen) == 3 and seen.first_time(1) is True and seen.first_time(4) is False


async def test_serial_tasks_keep_order_per_conversation_and_survive_errors():
    tasks, log = SerialTasks(), []

    async def step(name, delay, fail=False):
        await asyncio.sleep(delay)
        log.append(name)
        if fail:
            raise RuntimeError("boom")

    tasks.submit("alice", lambda: step("a1", 0.05, fail=True))
    tasks.submit("alice", lambda: step("a2", 0.0))
    tasks.submit("bob", lambda: step("b1", 0.0))
    await tasks.drain()
    assert log.index("a1") < log.index("a2")  # a later message never overtakes an earlier one
    assert log[0] == "b1"  # other conversations are not held up
