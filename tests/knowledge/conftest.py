"""Knowledge tests share the session's real engine (see tests/conftest.py)."""
import pytest


@pytest.fixture(scope="session")
def index_dir(knowledge_index_dir):
    return knowledge_index_dir


@pytest.fixture(scope="session")
def engine(knowledge_engine):
    return knowledge_engine
