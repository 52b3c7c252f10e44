"""Shared test helpers: loading NLU examples, the CI rule for tests that need real servers, and the
real servers themselves (with the Telegram and Zalo channels pointed at fake platforms)."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, Iterator, List

import pytest

from bot.nlu_data import read_examples

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally when a real dependency is missing; under CI=true, fail instead."""
    if IN_CI:
        pytest.fail(f"CI=true requires this: {reason}")
    pytest.skip(reason)


def trained_model() -> Path:
    """The model the end-to-end tests run (HUE_MODEL_PATH, relative to the project, or the default)."""
    model = Path(os.environ.get("HUE_MODEL_PATH", ROOT / "models" / "hue-assistant.tar.gz"))
    model = model if model.is_absolute() else ROOT / model
    if not model.exists():
        skip_or_fail(f"no trained model at {model} (make train)")
    return model


def load_nlu_examples(path: Path) -> Dict[str, List[str]]:
    """intent → plain example texts of a Rasa NLU YAML file."""
    return read_examples(path)


@pytest.fixture(scope="session")
def knowledge_index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("knowledge-index")


@pytest.fixture(scope="session")
def knowledge_engine(knowledge_index_dir):
    """A real knowledge engine on the shipped sources (built once per test session, ~1 min)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.engine import open_engine

    return open_engine(knowledge_index_dir)


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def local_redis_url() -> str:
    """REDIS_URL (default: the local server), after a ping; skips, or fails under CI=true, without it."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {url}: {exc}")
    return url


@pytest.fixture
def redis_url() -> str:
    return local_redis_url()


DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database per test on the local server (DATABASE_URL's), dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES_URL)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"hue_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        admin.dispose()
        skip_or_fail(f"PostgreSQL not reachable at {base.render_as_string(hide_password=True)}: {exc}")
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def database_away(url: str) -> Iterator[None]:
    """A real outage of the PostgreSQL database at `url`: its connections are cut and it is renamed,
    so every new connection fails ("database does not exist"); renamed back on exit."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")

    def rename(old: str, new: str) -> None:
        with admin.connect() as connection:
            for _ in range(50):  # a pool may reconnect between the two statements: cut again
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": old})
                try:
                    connection.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))
                    return
                except Exception:  # noqa: BLE001 - "being accessed by other users": try again
                    time.sleep(0.1)
            raise RuntimeError(f"could not rename database {old}")

    rename(name, f"{name}_away")
    try:
        yield
    finally:
        rename(f"{name}_away", name)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres_url")


E2E_TELEGRAM_SECRET = "e2e-webhook-secret"
E2E_OPEN311_KEY = "e2e-open311-key"
E2E_STAFF_KEY = "e2e-staff-key"
E2E_RASA_TOKEN = "e2e-rasa-token"
E2E_AGENT = ("e2e.agent", "e2e-agent-password")  # a hotline console account on the shared servers
E2E_FEED_TOKEN = "e2e-feed-token"


@pytest.fixture(scope="session")
def platforms():
    """Fake Telegram Bot API and Zalo OpenAPI for the whole session; the servers' channels use them."""
    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.zalo import FakeZalo

    telegram, zalo = FakeTelegram().start(), FakeZalo().start()
    yield SimpleNamespace(telegram=telegram, zalo=zalo, telegram_secret=E2E_TELEGRAM_SECRET)
    telegram.stop()
    zalo.stop()


@pytest.fixture(scope="session")
def servers(tmp_path_factory, platforms):
    """The real action server and Rasa server on free loopback ports with the trained model, with
    REST, Telegram and Zalo mounted (one pair of servers for every end-to-end test), back-office keys
    and a Rasa API token, so the status notification path runs as in production, and one hotline
    console account (E2E_AGENT) and feed token for the fuzz test."""
    from bot.launcher import free_port, running_servers
    from bot.settings import PROJECT_ROOT, Settings
    from channels.hotline_auth import hash_password

    model = Path(os.environ.get("HUE_MODEL_PATH", PROJECT_ROOT / "models" / "hue-assistant.tar.gz"))
    if not model.is_absolute():
        model = PROJECT_ROOT / model
    if not model.exists():
        skip_or_fail(f"no trained model at {model} (make train)")
    var_dir = tmp_path_factory.mktemp("var")
    telegram, zalo = platforms.telegram, platforms.zalo
    # The knowledge index is the project's (built by `make knowledge-index`); if it is missing or
    # stale the action server builds it at start-up, which only takes longer.
    settings = Settings.from_env({
        "HUE_VAR_DIR": str(var_dir), "ACTION_PORT": str(free_port()), "RASA_PORT": str(free_port()),
        "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": E2E_TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "ZALO_APP_ID": zalo.app_id, "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key, "ZALO_ACCESS_TOKEN": zalo.access_token,
        "ZALO_REFRESH_TOKEN": zalo.refresh_token, "ZALO_API_BASE_URL": zalo.url,
        "ZALO_OAUTH_BASE_URL": zalo.url,
        "OPEN311_API_KEYS": E2E_OPEN311_KEY, "STAFF_API_KEYS": E2E_STAFF_KEY, "RASA_AUTH_TOKEN": E2E_RASA_TOKEN,
        "HOTLINE_USERS": f"{E2E_AGENT[0]}:agent:{hash_password(E2E_AGENT[1])}", "HOTLINE_FEED_TOKEN": E2E_FEED_TOKEN,
    })
    log_dir = PROJECT_ROOT / "test-output" / "e2e-logs"
    with running_servers(settings, model, log_dir=log_dir) as running:
        yield running
