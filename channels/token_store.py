"""What the channels keep across restarts: the Zalo OA tokens, and the update/event ids already
processed (replay protection). Redis when REDIS_URL is set, else SQLite files under var/.

Zalo's refresh token is single-use: each refresh returns a new one, and the old one stops working.
Losing the new one (a restart that re-reads ZALO_REFRESH_TOKEN) would lock the OA out until someone
re-authorises it by hand, so every refresh is persisted before it is used.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Protocol

from bot.settings import Settings, private_file


@dataclass(frozen=True)
class OATokens:
    access_token: Optional[str]
    refresh_token: str
    expires_at: float  # epoch seconds; 0 = unknown (a token from the environment)
    # The ZALO_REFRESH_TOKEN these descend from: when the operator sets a different one
    # (a fresh authorisation), the environment wins over what is stored.
    seed: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> "OATokens":
        return cls(**json.loads(raw))


class TokenStore(Protocol):
    def load(self, key: str) -> Optional[OATokens]: ...

    def save(self, key: str, tokens: OATokens) -> None: ...


class SqliteTokenStore:
    """A one-table SQLite file (stdlib), readable only by its owner."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS oa_tokens (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        os.chmod(self.path, 0o600)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def load(self, key: str) -> Optional[OATokens]:
        with self._lock, self._connect() as connection:
            row = connection.execute("SELECT value FROM oa_tokens WHERE key = ?", (key,)).fetchone()
        return OATokens.from_json(row[0]) if row else None

    def save(self, key: str, tokens: OATokens) -> None:
        with self._lock, self._connect() as connection:
            connection.execute("INSERT INTO oa_tokens (key, value) VALUES (?, ?) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, tokens.to_json()))


class RedisTokenStore:
    """The same, in the Redis that already holds the tracker and lock stores in production."""

    def __init__(self, url: str, prefix: str = "hue:zalo:tokens:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.prefix = prefix

    def load(self, key: str) -> Optional[OATokens]:
        raw = self.client.get(self.prefix + key)
        return OATokens.from_json(raw.decode("utf-8")) if raw else None

    def save(self, key: str, tokens: OATokens) -> None:
        self.client.set(self.prefix + key, tokens.to_json())


def open_token_store(settings: Settings) -> TokenStore:
    if settings.redis_url:
        return RedisTokenStore(settings.redis_url)
    return SqliteTokenStore(settings.var_dir / "channel_tokens.sqlite3")


# --- replay protection: ids already processed, remembered for a while (platforms retry for hours) ---

SEEN_TTL_S = 3 * 24 * 3600


class SeenStore(Protocol):
    blocking: bool

    def first_time(self, key: str) -> bool: ...

    def seen(self, key: str) -> bool: ...


class SqliteSeenStore:
    """Ids seen per channel in a SQLite file; entries older than `ttl_s` are pruned now and then."""

    blocking = True

    def __init__(self, path: Path, channel: str, ttl_s: float = SEEN_TTL_S) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_file(self.path)
        self.channel, self.ttl_s = channel, ttl_s
        self._lock = threading.Lock()
        self._writes = 0
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS seen_ids (channel TEXT NOT NULL, key TEXT NOT NULL, "
                               "seen_at REAL NOT NULL, PRIMARY KEY (channel, key))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def first_time(self, key: str) -> bool:
        now = time.time()
        with self._lock, self._connect() as connection:
            cursor = connection.execute("INSERT OR IGNORE INTO seen_ids (channel, key, seen_at) VALUES (?, ?, ?)",
                                        (self.channel, key, now))
            self._writes += 1
            if self._writes % 1000 == 1:
                connection.execute("DELETE FROM seen_ids WHERE seen_at < ?", (now - self.ttl_s,))
            return cursor.rowcount == 1

    def seen(self, key: str) -> bool:
        with self._connect() as connection:
            return connection.execute("SELECT 1 FROM seen_ids WHERE channel = ? AND key = ?",
                                      (self.channel, key)).fetchone() is not None


class RedisSeenStore:
    """The same in Redis (SET NX with an expiry): every Rasa instance shares it."""

    blocking = True

    def __init__(self, url: str, channel: str, ttl_s: float = SEEN_TTL_S, prefix: str = "hue:seen:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.prefix = f"{prefix}{channel}:"
        self.ttl_s = int(ttl_s)

    def first_time(self, key: str) -> bool:
        return bool(self.client.set(self.prefix + key, b"1", nx=True, ex=self.ttl_s))

    def seen(self, key: str) -> bool:
        return bool(self.client.exists(self.prefix + key))


def open_seen_store(settings: Settings, channel: str) -> SeenStore:
    if settings.redis_url:
        return RedisSeenStore(settings.redis_url, channel)
    return SqliteSeenStore(settings.var_dir / "channel_seen.sqlite3", channel)
