"""The one settings object: read from environment variables once at start-up and passed in.

A dataclass rather than pydantic-settings because both environments import it (Rasa's pins
pydantic 1, the action server uses pydantic 2).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple

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


def _keys(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    """A comma-separated list of secrets; blanks dropped."""
    return tuple(key.strip() for key in (env.get(name) or "").split(",") if key.strip())


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

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://{self.rasa_host}:{self.rasa_port}").rstrip("/")

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
            open311_api_keys=_keys(env, "OPEN311_API_KEYS"),
            staff_api_keys=_keys(env, "STAFF_API_KEYS"),
            rasa_url=env.get("RASA_URL") or None,
            rasa_auth_token=env.get("RASA_AUTH_TOKEN") or None,
        )
