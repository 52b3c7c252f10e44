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


# Conversation state (docs/state.md): the tracker and lock stores Rasa gets from the settings.
def rasa_stores(path, env):
    """The tracker and lock store Rasa itself builds from the generated endpoints file."""
    import os

    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import read_endpoint_config

    env = {"ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook", **env}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        tracker = TrackerStore.create(read_endpoint_config(str(path), "tracker_store"), Domain.empty())
        lock = LockStore.create(read_endpoint_config(str(path), "lock_store"))
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
    return tracker, lock


def test_by_default_conversations_are_kept_in_sqlite_under_var(tmp_path):
    import asyncio

    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.launcher import write_endpoints

    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path)})
    path = write_endpoints(settings)
    assert path.parent == tmp_path and "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}" in path.read_text()
    tracker_store, lock_store = rasa_stores(path, {})
    assert isinstance(tracker_store, SQLTrackerStore) and isinstance(lock_store, InMemoryLockStore)
    tracker = DialogueStateTracker.from_events("u1", [UserUttered("xin chào")])
    asyncio.run(tracker_store.save(tracker))
    assert (tmp_path / "rasa_trackers.sqlite3").exists()
    # A new store on the same file (a restarted Rasa) reads the conversation back.
    again, _ = rasa_stores(write_endpoints(settings), {})
    assert [e.text for e in asyncio.run(again.retrieve("u1")).events if isinstance(e, UserUttered)] == ["xin chào"]


def test_with_redis_url_trackers_and_locks_are_shared_in_redis_without_the_password_on_disk(tmp_path):
    import os
    import uuid

    import redis
    from rasa.core.tracker_store import RedisTrackerStore

    from bot.launcher import store_env, write_endpoints
    from bot.lock_store import OrderedRedisLockStore
    from tests.conftest import skip_or_fail

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {url}: {exc}")
    prefix = f"huetest{uuid.uuid4().hex[:10]}"
    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "REDIS_URL": url, "HUE_REDIS_PREFIX": prefix,
                                  "DATABASE_URL": "postgresql://postgres@127.0.0.1/x"})
    assert (settings.tracker_store, settings.lock_store) == ("redis", "redis")  # Redis wins over PostgreSQL
    tracker_store, lock_store = rasa_stores(write_endpoints(settings), store_env(settings))
    assert isinstance(tracker_store, RedisTrackerStore) and isinstance(lock_store, OrderedRedisLockStore)
    assert tracker_store.key_prefix.startswith(prefix) and lock_store.key_prefix.startswith(prefix)
    assert server_env(settings, base={})["REDIS_URL"] == url

    secret = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://:s3cr%40t@10.0.0.9:6380/2"})
    text = write_endpoints(secret).read_text()
    assert "s3cr" not in text and "password: ${HUE_REDIS_PASSWORD}" in text and "db: 2" in text
    assert store_env(secret)["HUE_REDIS_PASSWORD"] == "s3cr@t"


def test_database_url_alone_keeps_conversations_in_postgresql(tmp_path, postgres_url):
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.launcher import store_env, write_endpoints

    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "DATABASE_URL": postgres_url})
    assert settings.tracker_store == "postgresql" and settings.lock_store == "in_memory"
    path = write_endpoints(settings)
    assert postgres_url not in path.read_text()
    tracker_store, _ = rasa_stores(path, store_env(settings))
    assert isinstance(tracker_store, SQLTrackerStore) and tracker_store.engine.dialect.name == "postgresql"
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events("pg1", [UserUttered("hello")])))
    assert len(asyncio.run(tracker_store.retrieve("pg1")).events) == 1
    tracker_store.engine.dispose()


def test_store_choice_can_be_forced_and_is_checked():
    import pytest

    both = {"REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgresql://postgres@127.0.0.1/x"}
    assert Settings.from_env({**both, "HUE_TRACKER_STORE": "postgresql"}).tracker_store == "postgresql"
    assert Settings.from_env({**both, "HUE_TRACKER_STORE": "postgresql"}).lock_store == "redis"
    for bad in ({"HUE_TRACKER_STORE": "mongo"}, {"HUE_TRACKER_STORE": "redis"},
                {"HUE_TRACKER_STORE": "postgresql", "DATABASE_URL": "sqlite:///x"},
                {"HUE_REDIS_PREFIX": "hue:prod"}):
        with pytest.raises(ValueError):
            Settings.from_env(bad)


def test_several_rasa_instances_need_redis(tmp_path):
    import pytest

    from bot.launcher import running_servers

    with pytest.raises(ValueError, match="REDIS_URL"):
        with running_servers(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}), tmp_path / "m.tar.gz",
                             extra_rasa_ports=[1]):
            pass
