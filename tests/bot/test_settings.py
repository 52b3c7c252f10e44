"""bot/settings.py: the hotline settings and the secrets generated into var/."""
import os
import stat
import threading

import pytest

from bot.settings import Settings, stored_secret


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
