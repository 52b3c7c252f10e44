"""Fresh fake platforms per test (the whole-conversation tests use the session ones in tests/conftest.py)."""
import pytest

from tests.fakes.telegram import FakeTelegram
from tests.fakes.zalo import FakeZalo


@pytest.fixture
def telegram_api():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def zalo_api():
    fake = FakeZalo().start()
    yield fake
    fake.stop()
