"""bot/settings.py: channels are configured from the environment, half a configuration fails, and the
hotline's secrets are generated into var/ when unset."""
import os
import stat
import threading

import pytest

from bot.settings import Settings, stored_secret

TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s3cret_-X"}
ZALO = {"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "app", "ZALO_OA_SECRET_KEY": "oa", "ZALO_REFRESH_TOKEN": "rt"}


def test_no_channel_variables_means_rest_and_the_console_only():
    settings = Settings.from_env({})
    assert settings.telegram is None and settings.zalo is None
    assert settings.live_channels == ["rest", "hotline"]


def test_both_channels_configured():
    settings = Settings.from_env({**TELEGRAM, **ZALO, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/",
                                  "ZALO_API_BASE_URL": "http://127.0.0.1:8/"})
    assert settings.live_channels == ["rest", "hotline", "telegram", "zalo"]
    assert settings.telegram.api_base_url == "http://127.0.0.1:9/"
    assert settings.zalo.api_base_url == "http://127.0.0.1:8"  # no trailing slash: paths are appended
    assert settings.zalo.oauth_base_url == "https://oauth.zaloapp.com"
    assert settings.zalo.access_token is None  # optional: refreshed at the first send


def test_zalo_defaults_to_the_real_api():
    assert Settings.from_env(ZALO).zalo.api_base_url == "https://openapi.zalo.me"


@pytest.mark.parametrize("env, missing", [
    ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({**ZALO, "ZALO_OA_SECRET_KEY": ""}, "ZALO_OA_SECRET_KEY"),
    ({"ZALO_APP_ID": "1"}, "ZALO_APP_SECRET, ZALO_OA_SECRET_KEY, ZALO_REFRESH_TOKEN"),
])
def test_half_a_channel_fails_naming_the_missing_variables(env, missing):
    with pytest.raises(ValueError, match=missing):
        Settings.from_env(env)


@pytest.mark.parametrize("secret", ["has space", "x" * 257, "ünïcode"])
def test_telegram_secret_must_be_what_telegram_accepts(secret):
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_env({**TELEGRAM, "TELEGRAM_WEBHOOK_SECRET": secret})


def test_hotline_settings_from_env(tmp_path):
    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "HOTLINE_USERS": "a:agent:h",
                                  "HOTLINE_API_TOKEN": "tok", "HOTLINE_SESSION_HOURS": "2"})
    assert settings.hotline_users == "a:agent:h" and settings.hotline_session_hours == 2
    assert settings.api_token() == "tok"
    assert settings.action_base_url == "http://127.0.0.1:5055"
    with pytest.raises(ValueError, match="HOTLINE_SESSION_HOURS"):
        Settings.from_env({"HOTLINE_SESSION_HOURS": "many"})


def test_unset_secrets_are_generated_once_into_var(tmp_path):
    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path)})
    secret = settings.session_secret()
    assert len(secret) >= 40 and settings.session_secret() == secret
    assert settings.api_token() != secret
    assert stat.S_IMODE(os.stat(tmp_path / "hotline-session-secret").st_mode) == 0o600
    assert Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}).session_secret() == secret


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    values = []
    threads = [threading.Thread(target=lambda: values.append(stored_secret(tmp_path, "shared")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(values)) == 1 and len(values) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared"]  # no temporary files left
