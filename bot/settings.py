"""The one settings object: read from environment variables once at start-up and passed in.

A dataclass rather than pydantic-settings because both environments import it (Rasa's pins
pydantic 1, the action server uses pydantic 2).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOTLINE = "1900 1075"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:  # fail loudly at start-up on bad configuration
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


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
    # Hotline console (channels/hotline.py): staff accounts "name:role:hash" separated by commas
    # (hashes from `python -m channels.hotline hash-password`), secrets (generated into var/ when
    # unset), the speech-to-text feed's token (unset: the feed needs a staff session).
    hotline_users: str = ""
    hotline_session_secret: Optional[str] = None
    hotline_api_token: Optional[str] = None
    hotline_feed_token: Optional[str] = None
    hotline_session_hours: int = 12

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"

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

    @property
    def effective_database_url(self) -> str:
        """PostgreSQL when DATABASE_URL is set, else a SQLite file under var/."""
        return self.database_url or f"sqlite:///{self.var_dir / 'hue_assistant.sqlite3'}"

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
            hotline_users=env.get("HOTLINE_USERS", ""),
            hotline_session_secret=env.get("HOTLINE_SESSION_SECRET") or None,
            hotline_api_token=env.get("HOTLINE_API_TOKEN") or None,
            hotline_feed_token=env.get("HOTLINE_FEED_TOKEN") or None,
            hotline_session_hours=_int(env, "HOTLINE_SESSION_HOURS", 12),
        )


def stored_secret(var_dir: Path, name: str) -> str:
    """A random secret kept in var_dir/name (mode 0600), created on first use.

    Two processes starting together agree on one value: the file appears atomically (hard link of a
    fully written temporary file), and whoever loses the race reads the winner's."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
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
