"""A message that reaches Rasa while the action server is down gets an apology with the hotline, in
the user's language, on every channel: never an empty reply, never a 5xx (bot/action_fallback.py).

Both real servers start as `make run` starts them; then the action server is killed (SIGKILL) and
stays down (the launcher's restart is tested in test_launcher.py)."""
import signal

import httpx
import pytest

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from tests.channels.users import TelegramUser, ZaloUser, texts
from tests.conftest import E2E_TELEGRAM_SECRET, trained_model

HOTLINE = "1900 1075"


@pytest.fixture(scope="module")
def down(tmp_path_factory, platforms):
    """Rasa running, its action server killed."""
    telegram, zalo = platforms.telegram, platforms.zalo
    settings = Settings.from_env({
        "HUE_VAR_DIR": str(tmp_path_factory.mktemp("var-down")), "ACTION_PORT": str(free_port()),
        "RASA_PORT": str(free_port()), "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": E2E_TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "ZALO_APP_ID": zalo.app_id, "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key, "ZALO_ACCESS_TOKEN": zalo.access_token,
        "ZALO_REFRESH_TOKEN": zalo.refresh_token, "ZALO_API_BASE_URL": zalo.url,
        "ZALO_OAUTH_BASE_URL": zalo.url,
    })
    with running_servers(settings, trained_model(), log_dir=PROJECT_ROOT / "test-output" / "down-logs") as running:
        actions = running.processes[0]
        actions.send_signal(signal.SIGKILL)
        actions.wait(timeout=30)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{running.action_url}/health", timeout=5)
        yield running


def rest(servers, sender, text):
    response = httpx.post(servers.rest_url, json={"sender": sender, "message": text}, timeout=60)
    assert response.status_code == 200, response.text
    return texts(response.json())


@pytest.mark.parametrize("sender,question,apology", [
    ("down-vi", "Giờ mở cửa Đại Nội là mấy giờ?", "Xin lỗi, hệ thống đang gặp sự cố"),
    ("down-en", "What time does the Imperial City open?", "Sorry, the system is having trouble"),
])
def test_rest_question_gets_the_hotline_in_the_users_language(down, sender, question, apology):
    replies = rest(down, sender, question)
    assert len(replies) == 1, replies  # one apology, however many actions failed
    assert replies[0].startswith(apology) and HOTLINE in replies[0]


def test_a_report_step_while_down_keeps_the_form_and_says_so(down):
    replies = rest(down, "down-form", "Tôi muốn phản ánh đèn đường bị hỏng")
    assert replies and HOTLINE in replies[0] and replies[0].startswith("Xin lỗi")
    again = rest(down, "down-form", "đèn đường trước số 12 Lê Lợi tắt cả tuần")
    assert again and HOTLINE in again[0]
    tracker = httpx.get(f"{down.rasa_url}/conversations/rest:down-form/tracker", timeout=30).json()
    assert tracker["active_loop"].get("name") == "incident_report_form"  # the report is not dropped


def test_telegram_and_zalo_users_get_the_hotline(down, platforms):
    telegram = TelegramUser(down, platforms, chat_id=720001, language="en")
    told = texts(telegram.say("How do I get a new ID card?"))
    assert len(told) == 1 and told[0].startswith("Sorry") and HOTLINE in told[0]

    zalo = ZaloUser(down, platforms, user_id="zalo-down-1")
    told = texts(zalo.say("Làm căn cước công dân ở đâu?"))
    assert len(told) == 1 and told[0].startswith("Xin lỗi") and HOTLINE in told[0]
