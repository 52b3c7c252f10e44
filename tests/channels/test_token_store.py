"""channels/token_store.py: the Zalo tokens survive a restart, in SQLite or in Redis."""
import os
import stat
import uuid


from bot.settings import Settings
from channels.token_store import OATokens, RedisTokenStore, SqliteTokenStore, open_token_store

TOKENS = OATokens("AT-1", "RT-1", 1_800_000_000.0, seed="RT-0")


def test_sqlite_store_round_trips_and_overwrites(tmp_path):
    path = tmp_path / "var" / "tokens.sqlite3"
    store = SqliteTokenStore(path)
    assert store.load("app") is None
    store.save("app", TOKENS)
    store.save("app", OATokens("AT-2", "RT-2", 1.0, seed="RT-0"))
    reopened = SqliteTokenStore(path)  # a restart
    assert reopened.load("app") == OATokens("AT-2", "RT-2", 1.0, seed="RT-0")
    assert reopened.load("other-app") is None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # tokens: owner only


def test_redis_store_round_trips(redis_url):
    store = RedisTokenStore(redis_url, prefix=f"hue:test:{uuid.uuid4().hex}:")
    try:
        assert store.load("app") is None
        store.save("app", TOKENS)
        assert RedisTokenStore(redis_url, prefix=store.prefix).load("app") == TOKENS
    finally:
        store.client.delete(store.prefix + "app")


def test_redis_is_chosen_when_configured(tmp_path, redis_url):
    assert isinstance(open_token_store(Settings.from_env({"REDIS_URL": redis_url})), RedisTokenStore)
    store = open_token_store(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}))
    assert isinstance(store, SqliteTokenStore) and store.path.parent == tmp_path
