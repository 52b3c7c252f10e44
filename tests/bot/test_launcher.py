"""bot/launcher.py without starting servers: the credentials file Rasa gets, and the environment."""
from bot.launcher import CHANNEL_CLASSES, channel_env, server_env, write_credentials
from bot.settings import PROJECT_ROOT, Settings

TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}
ZALO = {"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "app", "ZALO_OA_SECRET_KEY": "oa", "ZALO_REFRESH_TOKEN": "rt"}


def keys(path):
    return [line.rstrip(":") for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_only_configured_channels_are_mounted(tmp_path):
    rest_only = write_credentials(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}))
    assert keys(rest_only) == ["rest", "channels.hotline.HotlineInput"]
    both = write_credentials(Settings.from_env({"HUE_VAR_DIR": str(tmp_path), **TELEGRAM, **ZALO}))
    assert keys(both) == ["rest", "channels.hotline.HotlineInput", "channels.telegram.TelegramInput",
                          "channels.zalo.ZaloInput"]
    assert "s3cret" not in both.read_text() and "123:abc" not in both.read_text()  # no secrets on disk


def test_generated_channels_are_the_ones_credentials_yml_lists():
    assert keys(PROJECT_ROOT / "credentials.yml") == list(CHANNEL_CLASSES.values())


def test_the_rasa_process_gets_the_channel_variables_of_the_settings(tmp_path):
    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), **TELEGRAM, **ZALO,
                                  "ZALO_API_BASE_URL": "http://127.0.0.1:9"})
    env = server_env(settings, base={})
    assert Settings.from_env(env).telegram == settings.telegram
    assert Settings.from_env(env).zalo == settings.zalo
    assert channel_env(Settings.from_env({})) == {}
