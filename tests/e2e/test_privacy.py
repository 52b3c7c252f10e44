"""Privacy end to end: a real conversation with a phone number and a database error, then both
servers' whole log files of this test session are scanned for the phone number and every secret.
And the files the servers keep in var/ are readable by their owner only."""
import sqlite3
import stat

from bot.settings import PROJECT_ROOT
from tests.conftest import E2E_OPEN311_KEY, E2E_RASA_TOKEN, E2E_STAFF_KEY, E2E_TELEGRAM_SECRET

LOG_DIR = PROJECT_ROOT / "test-output" / "e2e-logs"  # the `servers` fixture's (tests/conftest.py)
PHONE_FORMS = ("0905 123 456", "0905123456", "905123456", "905 123 456", "+84905123456")


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def test_no_phone_number_or_secret_in_the_logs_even_after_a_database_error(chat, servers, platforms):
    sender = "e2e-privacy-phone"
    for text in ["đèn đường trước nhà tôi bị hỏng rồi", "45 Nguyễn Huệ", "bỏ qua"]:
        chat(sender, text)
    summary = " ".join(texts(chat(sender, "0905 123 456")))
    assert "+84905123456" in summary  # the phone reached the dialogue (and goes into the INSERT)

    database = servers.settings.var_dir / "hue_assistant.sqlite3"
    with sqlite3.connect(database) as connection:  # the store's INSERT (the phone among its values) fails
        connection.execute("CREATE TRIGGER refuse_reports BEFORE INSERT ON reports "
                           "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")
    try:
        failed = " ".join(texts(chat(sender, "/affirm")))
    finally:
        with sqlite3.connect(database) as connection:
            connection.execute("DROP TRIGGER refuse_reports")
    assert "phản ánh CHƯA được gửi" in failed  # the failed submit was told, and nothing leaked below

    logs = {name: (LOG_DIR / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            for name in ("rasa", "actions")}
    assert "storing a report failed" in logs["actions"] and "the disk is full" in logs["actions"]
    assert "INSERT INTO reports" in logs["actions"]  # the failing statement is logged, its values not
    secrets = [E2E_OPEN311_KEY, E2E_STAFF_KEY, E2E_RASA_TOKEN, E2E_TELEGRAM_SECRET, platforms.telegram.token,
               platforms.zalo.app_secret, platforms.zalo.oa_secret_key, platforms.zalo.access_token,
               platforms.zalo.refresh_token]
    secrets += [(servers.settings.var_dir / name).read_text().strip()
                for name in ("hotline-session-secret", "hotline-api-token")
                if (servers.settings.var_dir / name).exists()]
    lines = sum(len(text.splitlines()) for text in logs.values())
    found = [(name, needle) for name, text in logs.items() for needle in PHONE_FORMS + tuple(secrets)
             if needle in text]
    print(f"scanned {lines} log lines of both servers: {len(found)} phone numbers or secrets found")
    assert lines > 20 and found == []


def test_var_files_are_owner_only(servers, chat):
    chat("e2e-privacy-var", "xin chào")  # the stores exist by now
    var = servers.settings.var_dir
    entries = [var, *var.rglob("*")]
    assert any(p.name == "hue_assistant.sqlite3" for p in entries)
    loose = [(str(p.relative_to(var)), oct(p.stat().st_mode & 0o777)) for p in entries
             if p.stat().st_mode & 0o077 or (p.is_dir() and stat.S_IMODE(p.stat().st_mode) != 0o700)]
    assert loose == []
