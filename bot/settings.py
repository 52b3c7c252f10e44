"""The one settings object: read from environment variables once at start-up and passed in.

A dataclass rather than pydantic-settings because both environments import it (Rasa's pins
pydantic 1, the action server uses pydantic 2).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOTLINE = "1900 1075"


def _number(env: Mapping[str, str], name: str, default, kind=int):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return kind(raw)
    except ValueError as exc:  # fail loudly at start-up on bad configuration
        what = "an integer" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return _number(env, name, default, int)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, float)


def _keys(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    """A comma-separated list of secrets; blanks dropped."""
    return tuple(key.strip() for key in (env.get(name) or "").split(",") if key.strip())


def _missing(env: Mapping[str, str], names: List[str]) -> List[str]:
    return [name for name in names if not env.get(name)]


@dataclass(frozen=True)
class TelegramSettings:
    """A Telegram bot: mounted when TELEGRAM_BOT_TOKEN is set."""

    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_base_url: Optional[str] = None  # e.g. a local Bot API server or the test fake; None = Telegram

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["TelegramSettings"]:
        if not env.get("TELEGRAM_BOT_TOKEN"):
            return None
        missing = _missing(env, ["TELEGRAM_WEBHOOK_SECRET"])
        if missing:
            raise ValueError(f"TELEGRAM_BOT_TOKEN is set but {', '.join(missing)} is not")
        secret = env["TELEGRAM_WEBHOOK_SECRET"]
        # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as the webhook secret token.
        if len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return cls(bot_token=env["TELEGRAM_BOT_TOKEN"], webhook_secret=secret,
                   api_base_url=env.get("TELEGRAM_API_BASE_URL") or None)


@dataclass(frozen=True)
class ZaloSettings:
    """A Zalo Official Account: mounted when ZALO_APP_ID is set."""

    app_id: str
    app_secret: str = field(repr=False)  # the app's secret: authenticates access token refreshes
    oa_secret_key: str = field(repr=False)  # the OA's secret key: signs webhooks (not the app secret)
    refresh_token: str = field(repr=False)
    access_token: Optional[str] = field(default=None, repr=False)  # None: refreshed at the first send
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    max_event_age_s: int = 300  # older (or that far in the future) signed events are refused

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["ZaloSettings"]:
        if not env.get("ZALO_APP_ID"):
            return None
        missing = _missing(env, ["ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_REFRESH_TOKEN"])
        if missing:
            raise ValueError(f"ZALO_APP_ID is set but {', '.join(missing)} is not")
        return cls(
            app_id=env["ZALO_APP_ID"],
            app_secret=env["ZALO_APP_SECRET"],
            oa_secret_key=env["ZALO_OA_SECRET_KEY"],
            refresh_token=env["ZALO_REFRESH_TOKEN"],
            access_token=env.get("ZALO_ACCESS_TOKEN") or None,
            api_base_url=(env.get("ZALO_API_BASE_URL") or cls.api_base_url).rstrip("/"),
            oauth_base_url=(env.get("ZALO_OAUTH_BASE_URL") or cls.oauth_base_url).rstrip("/"),
            max_event_age_s=_int(env, "ZALO_MAX_EVENT_AGE_S", 300),
        )


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the embedded defaults `make run` uses."""

    var_dir: Path = PROJECT_ROOT / "var"
    models_dir: Path = PROJECT_ROOT / "models"
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    redis_url: Optional[str] = None
    database_url: Optional[str] = None
    knowledge_index_dir: Path = PROJECT_ROOT / "var" / "knowledge-index"
    embedding_model: Optional[str] = None  # sentence-transformers name or local path; None = MiniLM
    hotline: str = HOTLINE
    # Back office. No keys (the default) means POST /open311/v2/requests.json and the staff status
    # endpoint refuse every call; the public Open311 GETs work regardless. Secrets stay out of repr().
    open311_api_keys: Tuple[str, ...] = field(default=(), repr=False)
    staff_api_keys: Tuple[str, ...] = field(default=(), repr=False)
    # Where the action server reaches Rasa's HTTP API to tell followers about status changes;
    # None = http://{rasa_host}:{rasa_port}. The token is Rasa's --auth-token, when one is set.
    rasa_url: Optional[str] = None
    rasa_auth_token: Optional[str] = field(default=None, repr=False)
    telegram: Optional[TelegramSettings] = None
    zalo: Optional[ZaloSettings] = None
    # Hotline console (channels/hotline.py): staff accounts "name:role:hash" separated by commas
    # (hashes from `python -m channels.hotline hash-password`), secrets (generated into var/ when
    # unset), the speech-to-text feed's token (unset: the feed needs a staff session).
    hotline_users: str = field(default="", repr=False)
    hotline_session_secret: Optional[str] = field(default=None, repr=False)
    hotline_api_token: Optional[str] = field(default=None, repr=False)
    hotline_feed_token: Optional[str] = field(default=None, repr=False)
    hotline_session_hours: int = 12
    # REST channel (channels/rest.py): REST_TOKEN, else one generated into var/ when Rasa listens
    # beyond loopback (see rest_token()).
    rest_token_env: Optional[str] = field(default=None, repr=False)
    # Conversation state (docs/state.md): HUE_TRACKER_STORE = sqlite | redis | postgresql overrides the
    # choice made from the URLs; keys in Redis (trackers and locks) start with HUE_REDIS_PREFIX.
    tracker_store_choice: Optional[str] = None
    redis_prefix: str = "hue"
    # Status notices Rasa did not take are retried this often at first (then twice as long each
    # time); lower only in tests.
    notice_retry_s: float = 30.0
    # A conversation session also ends after this many user turns (at a quiet point, no form open),
    # so a long conversation costs no more per turn than a short one (bot/session_length.py); 0: never.
    session_max_turns: int = 20
    # The question log is written in batches off the answer path (actions/question_log.py): lines
    # arriving within this many seconds of the first go in one transaction; a clean stop writes them.
    question_log_batch_s: float = 1.0

    @property
    def action_endpoint_url(self) -> str:
        return f"{self.action_base_url}/webhook"

    @property
    def live_channels(self) -> List[str]:
        """Input channels `make run` mounts: REST and the hotline console always, the others when
        configured."""
        return ["rest", "hotline"] + [name for name, configured in (("telegram", self.telegram),
                                                           ("zalo", self.zalo)) if configured]

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://{self.rasa_host}:{self.rasa_port}").rstrip("/")

    @property
    def action_base_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}"

    def session_secret(self) -> str:
        """HMAC key of the console's session cookies: HOTLINE_SESSION_SECRET or one kept in var/."""
        return self.hotline_session_secret or stored_secret(self.var_dir, "hotline-session-secret")

    def api_token(self) -> str:
        """Token between the Rasa server's hotline channel and the action server's hotline API:
        HOTLINE_API_TOKEN or one kept in var/ (both processes share var/)."""
        return self.hotline_api_token or stored_secret(self.var_dir, "hotline-api-token")

    def rest_token(self) -> Optional[str]:
        """The bearer token the REST channel requires: REST_TOKEN; else, when Rasa listens beyond
        loopback, one kept in var/rest-token; else None (a loopback-only REST channel is open)."""
        if self.rest_token_env:
            return self.rest_token_env
        return stored_secret(self.var_dir, "rest-token") if self.rasa_beyond_loopback else None

    @property
    def rasa_beyond_loopback(self) -> bool:
        """Whether Rasa listens on more than this machine (then its entry points need tokens)."""
        return not (self.rasa_host in ("localhost", "::1") or self.rasa_host.startswith("127."))

    def known_secrets(self) -> List[str]:
        """Secrets of this configuration that logs must never show (bot/privacy.py masks them)."""
        values = [*self.open311_api_keys, *self.staff_api_keys, self.rasa_auth_token, self.rest_token_env,
                  self.hotline_session_secret, self.hotline_api_token, self.hotline_feed_token]
        for channel in (self.telegram, self.zalo):
            values += [getattr(channel, name, None) for name in ("bot_token", "webhook_secret", "app_secret",
                                                                 "oa_secret_key", "refresh_token", "access_token")]
        for name in ("hotline-session-secret", "hotline-api-token", "rest-token", "rasa-auth-token"):
            if (self.var_dir / name).exists():
                values.append((self.var_dir / name).read_text().strip())
        return [value for value in values if value]

    @property
    def effective_database_url(self) -> str:
        """PostgreSQL when DATABASE_URL is set, else a SQLite file under var/."""
        return self.database_url or f"sqlite:///{self.var_dir / 'hue_assistant.sqlite3'}"

    @property
    def tracker_store(self) -> str:
        """Where Rasa keeps conversations: HUE_TRACKER_STORE when set; else Redis when REDIS_URL is set
        (shared by every Rasa instance, next to the lock store); else PostgreSQL when DATABASE_URL is
        set; else SQLite under var/ (one Rasa process, survives restarts)."""
        if self.tracker_store_choice:
            return self.tracker_store_choice
        if self.redis_url:
            return "redis"
        if self.database_url and self.database_url.startswith("postgres"):
            return "postgresql"
        return "sqlite"

    @property
    def lock_store(self) -> str:
        """`redis` (our ordered lock store, shared by every instance) when REDIS_URL is set, else
        Rasa's in-memory one (right for one Rasa process only)."""
        return "redis" if self.redis_url else "in_memory"

    @property
    def tracker_sqlite_path(self) -> Path:
        return self.var_dir / "rasa_trackers.sqlite3"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        var_dir = Path(env.get("HUE_VAR_DIR") or PROJECT_ROOT / "var")
        return cls(
            var_dir=var_dir,
            models_dir=Path(env.get("HUE_MODELS_DIR") or PROJECT_ROOT / "models"),
            rasa_host=env.get("RASA_HOST", "127.0.0.1"),
            rasa_port=_int(env, "RASA_PORT", 5005),
            action_host=env.get("ACTION_HOST", "127.0.0.1"),
            action_port=_int(env, "ACTION_PORT", 5055),
            knowledge_index_dir=Path(env.get("HUE_INDEX_DIR") or var_dir / "knowledge-index"),
            embedding_model=env.get("HUE_EMBEDDING_MODEL") or None,
            redis_url=env.get("REDIS_URL") or None,
            database_url=env.get("DATABASE_URL") or None,
            open311_api_keys=_keys(env, "OPEN311_API_KEYS"),
            staff_api_keys=_keys(env, "STAFF_API_KEYS"),
            rasa_url=env.get("RASA_URL") or None,
            rasa_auth_token=env.get("RASA_AUTH_TOKEN") or None,
            telegram=TelegramSettings.from_env(env),
            zalo=ZaloSettings.from_env(env),
            hotline_users=env.get("HOTLINE_USERS", ""),
            hotline_session_secret=env.get("HOTLINE_SESSION_SECRET") or None,
            hotline_api_token=env.get("HOTLINE_API_TOKEN") or None,
            hotline_feed_token=env.get("HOTLINE_FEED_TOKEN") or None,
            hotline_session_hours=_int(env, "HOTLINE_SESSION_HOURS", 12),
            rest_token_env=env.get("REST_TOKEN") or None,
            tracker_store_choice=_tracker_store_choice(env),
            redis_prefix=_redis_prefix(env),
            notice_retry_s=float(_int(env, "HUE_NOTICE_RETRY_S", 30)),
            session_max_turns=_int(env, "HUE_SESSION_MAX_TURNS", 20),
            question_log_batch_s=_float(env, "HUE_QUESTION_LOG_BATCH_S", 1.0),
        )


def private_dir(path: Path) -> Path:
    """`path` created if needed and made owner-only (0700): var/ holds reports, secrets and tokens.
    Also sets the process umask to 077, so whatever this process creates later is owner-only."""
    os.umask(0o077)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` made owner-only (0600), created empty when missing (e.g. before SQLite creates it)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return path


TRACKER_STORES = ("sqlite", "redis", "postgresql")


def _tracker_store_choice(env: Mapping[str, str]) -> Optional[str]:
    choice = (env.get("HUE_TRACKER_STORE") or "").strip().lower() or None
    if choice is None:
        return None
    if choice not in TRACKER_STORES:
        raise ValueError(f"HUE_TRACKER_STORE must be one of {', '.join(TRACKER_STORES)}, got {choice!r}")
    if choice == "redis" and not env.get("REDIS_URL"):
        raise ValueError("HUE_TRACKER_STORE=redis needs REDIS_URL")
    if choice == "postgresql" and not (env.get("DATABASE_URL") or "").startswith("postgres"):
        raise ValueError("HUE_TRACKER_STORE=postgresql needs a postgresql DATABASE_URL")
    return choice


def _redis_prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("HUE_REDIS_PREFIX") or "hue"
    if not prefix.isalnum():  # Rasa's Redis stores ignore a prefix that is not alphanumeric
        raise ValueError(f"HUE_REDIS_PREFIX must be alphanumeric, got {prefix!r}")
    return prefix


def stored_secret(var_dir: Path, name: str) -> str:
    """A random secret kept in var_dir/name (mode 0600), created on first use.

    Two processes starting together agree on one value: the file appears atomically (hard link of a
    fully written temporary file), and whoever loses the race reads the winner's."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    private_dir(var_dir)
    temporary = var_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
