"""bot/settings.py: channels are configured from the environment, and half a configuration fails."""
import pytest

from bot.settings import Settings

TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s3cret_-X"}
ZALO = {"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "app", "ZALO_OA_SECRET_KEY": "oa", "ZALO_REFRESH_TOKEN": "rt"}


def test_no_channel_variables_means_rest_only():
    settings = Settings.from_env({})
    assert settings.telegram is None and settings.zalo is None
    assert settings.live_channels == ["rest"]


def test_both_channels_configured():
    settings = Settings.from_env({**TELEGRAM, **ZALO, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/",
                                  "ZALO_API_BASE_URL": "http://127.0.0.1:8/"})
    assert settings.live_channels == ["rest", "telegram", "zalo"]
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
