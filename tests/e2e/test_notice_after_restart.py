"""A staff status change made while Rasa is down reaches the Telegram reporter once Rasa is back: the
conversation (and so its channel) is in the persistent tracker store, and the notice is retried until
Rasa actually sent it through Telegram. Real servers, the real python-telegram-bot client against the
fake Telegram API."""
import re
import sqlite3
import time

import httpx

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from tests.channels.users import TelegramUser, texts
from tests.conftest import E2E_RASA_TOKEN, E2E_STAFF_KEY, E2E_TELEGRAM_SECRET, trained_model

CHAT_ID = 730001


def notices(servers):
    with sqlite3.connect(servers.settings.var_dir / "hue_assistant.sqlite3") as connection:
        return connection.execute("SELECT channel, attempts, delivered_at IS NOT NULL FROM report_notifications"
                                  ).fetchall()


def test_status_change_while_rasa_is_down_reaches_telegram_when_it_is_back(tmp_path, platforms):
    telegram = platforms.telegram
    settings = Settings.from_env({
        "HUE_VAR_DIR": str(tmp_path), "ACTION_PORT": str(free_port()), "RASA_PORT": str(free_port()),
        "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": E2E_TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url, "STAFF_API_KEYS": E2E_STAFF_KEY,
        "RASA_AUTH_TOKEN": E2E_RASA_TOKEN, "HUE_NOTICE_RETRY_S": "2"})
    log_dir = PROJECT_ROOT / "test-output" / "e2e-logs" / "notice-after-restart"
    with running_servers(settings, trained_model(), log_dir=log_dir, startup_timeout=900) as servers:
        user = TelegramUser(servers, platforms, chat_id=CHAT_ID, language="vi")
        assert texts(user.say("đèn đường hỏng ở 45 Nguyễn Huệ"))[-1].startswith("Bạn có ảnh chụp sự cố không?")
        user.say("bỏ qua")
        summary = user.say("bỏ qua")
        assert "Gửi phản ánh này?" in texts(summary)[-1]
        [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(texts(user.tap(summary, "Gửi")))))

        servers.stop_rasa(0)
        changed = httpx.post(f"{servers.action_url}/staff/reports/{code}/status", timeout=60,
                             headers={"Authorization": f"Bearer {E2E_STAFF_KEY}"},
                             json={"status": "in_progress", "note": "Đội điện đang đến"})
        assert changed.status_code == 200, changed.text
        # Staff see only the last four characters of the follower's id (telegram:<chat id>).
        assert changed.json()["followers"] == [{"follower": f"***{str(CHAT_ID)[-4:]}", "channel": "telegram",
                                                "notified": False, "will_retry": True}]
        before = len(user.sent())
        servers.start_rasa(0)

        deadline, told = time.monotonic() + 420, []
        while time.monotonic() < deadline and not told:
            told = [t for t in texts(user.sent()[before:]) if t.startswith(f"Cập nhật phản ánh {code}")]
            time.sleep(1)
        assert told and "Ghi chú: Đội điện đang đến" in told[0], texts(user.sent()[before:])
        time.sleep(5)  # a second delivery would arrive within a few retry periods
        assert len([t for t in texts(user.sent()[before:]) if t.startswith(f"Cập nhật phản ánh {code}")]) == 1
        [(channel, attempts, delivered)] = notices(servers)
        assert channel == "telegram" and delivered and attempts >= 2
