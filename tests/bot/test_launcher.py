"""bot/launcher.py without starting servers: the credentials file Rasa gets, and the environment."""
from bot.launcher import CHANNEL_CLASSES, channel_env, server_env, write_credentials
from bot.settings import PROJECT_ROOT, Settings

TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}
ZALO = {"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "app", "ZALO_OA_SECRET_KEY": "oa", "ZALO_REFRESH_TOKEN": "rt"}


def keys(path):
    return [line.rstrip(":") for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_only_configured_channels_are_mounted(tmp_path):
    rest_only = write_credentials(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}))
    assert keys(rest_only) == ["channels.rest.RestInput", "channels.hotline.HotlineInput",
                               "channels.metrics.MetricsInput"]
    both = write_credentials(Settings.from_env({"HUE_VAR_DIR": str(tmp_path), **TELEGRAM, **ZALO}))
    assert keys(both) == ["channels.rest.RestInput", "channels.hotline.HotlineInput",
                          "channels.telegram.TelegramInput", "channels.zalo.ZaloInput",
                          "channels.metrics.MetricsInput"]
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


def test_supervisor_restarts_a_crashed_child_with_a_bounded_backoff_then_gives_up(tmp_path):
    """Real child processes that exit at once (as a misconfigured server would); a test clock."""
    import subprocess
    import sys

    from bot.launcher import MAX_QUICK_FAILURES, RESTART_MAX_S, RunningServers, Supervisor

    count = tmp_path / "starts"
    crashing = [sys.executable, "-c", f"open({str(count)!r}, 'a').write('x'); raise SystemExit(3)"]
    steady = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    starters = [lambda: subprocess.Popen(crashing), lambda: steady]
    servers = RunningServers(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}), [starters[0](), steady], starters)
    now = [0.0]
    supervisor = Supervisor(servers, clock=lambda: now[0])
    delays = []
    try:
        while True:
            servers.processes[0].wait(timeout=30)
            if not supervisor.check():  # notes the exit, schedules the restart
                break
            delays.append(supervisor.due[0] - now[0])
            now[0] = supervisor.due[0]
            assert supervisor.check() and 0 not in supervisor.due  # started again
        assert delays == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30] and max(delays) == RESTART_MAX_S
        assert len(count.read_text()) == MAX_QUICK_FAILURES + 1
        assert steady.poll() is None and servers.processes[1] is steady  # the other one kept running
    finally:
        steady.kill()
        steady.wait()
    # A child that ran a while before crashing starts again after the shortest wait.
    servers.processes[0] = subprocess.Popen(crashing)
    servers.processes[1] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor(servers, clock=lambda: now[0], started={0: now[0], 1: now[0]})
    now[0] += 120
    servers.processes[0].wait(timeout=30)
    assert supervisor.check() and supervisor.due[0] - now[0] == 1
    servers.processes[1].kill()
    servers.processes[1].wait()


def test_rasa_is_started_without_wildcard_cors(tmp_path):
    from pathlib import Path

    from bot.launcher import rasa_command

    command = rasa_command(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}), Path("m.tar.gz"), Path("c.yml"))
    assert "--cors" not in command and "*" not in command


def test_var_and_the_generated_files_are_owner_only(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    credentials = write_credentials(Settings.from_env({"HUE_VAR_DIR": str(var)}))
    assert var.stat().st_mode & 0o777 == 0o700
    assert credentials.stat().st_mode & 0o777 == 0o600


def test_rest_token_is_required_beyond_loopback(tmp_path):
    assert Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}).rest_token() is None
    public = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "RASA_HOST": "0.0.0.0"})
    token = public.rest_token()
    assert token and len(token) >= 32 and public.rest_token() == token  # generated once, kept in var/
    assert (tmp_path / "rest-token").stat().st_mode & 0o777 == 0o600
    assert Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "REST_TOKEN": "given-token"}).rest_token() == "given-token"
    env = server_env(Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "RASA_HOST": "0.0.0.0",
                                        "REST_TOKEN": "given-token"}), base={})
    assert env["RASA_HOST"] == "0.0.0.0" and env["REST_TOKEN"] == "given-token"
    assert Settings.from_env(env).rest_token() == "given-token"


def test_rasa_api_gets_a_token_beyond_loopback(tmp_path):
    from pathlib import Path

    from bot.launcher import protect_api, rasa_command

    local = Settings.from_env({"HUE_VAR_DIR": str(tmp_path)})
    assert protect_api(local) is local and "--auth-token" not in rasa_command(local, Path("m"), Path("c"))
    public = protect_api(Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "RASA_HOST": "0.0.0.0"}))
    token = public.rasa_auth_token
    assert token and (tmp_path / "rasa-auth-token").read_text().strip() == token
    assert rasa_command(public, Path("m"), Path("c"))[-2:] == ["--auth-token", token]
    assert server_env(public, base={})["RASA_AUTH_TOKEN"] == token  # the action server's notices use it
    given = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "RASA_HOST": "0.0.0.0", "RASA_AUTH_TOKEN": "t0ken"})
    assert protect_api(given).rasa_auth_token == "t0ken"
