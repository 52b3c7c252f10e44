"""Shared test helpers: loading NLU examples and the CI rule for tests that need real servers."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres_url")
