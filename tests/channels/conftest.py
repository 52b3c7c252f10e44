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
"""The real action server and Rasa server with the hotline console configured: an agent, a supervisor
and a transcript-feed token; and HTTP clients signed in as each."""
import httpx
import pytest

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from channels.hotline_auth import hash_password
from tests.conftest import trained_model

AGENT = ("an.nguyen", "mat-khau-agent-1")
SUPERVISOR = ("binh.tran", "mat-khau-super-2")
FEED_TOKEN = "feed-token-for-tests-0123456789"


@pytest.fixture(scope="session")
def hotline_servers(tmp_path_factory):
    model = trained_model()
    var_dir = tmp_path_factory.mktemp("hotline-var")
    users = ",".join([f"{AGENT[0]}:agent:{hash_password(AGENT[1])}",
                      f"{SUPERVISOR[0]}:supervisor:{hash_password(SUPERVISOR[1])}"])
    # Secrets left unset on purpose: both servers must agree on the ones generated into var/.
    settings = Settings.from_env({"HUE_VAR_DIR": str(var_dir), "ACTION_PORT": str(free_port()),
                                  "RASA_PORT": str(free_port()), "HOTLINE_USERS": users,
                                  "HOTLINE_FEED_TOKEN": FEED_TOKEN,
                                  "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index")})
    with running_servers(settings, model, log_dir=PROJECT_ROOT / "test-output" / "hotline-logs") as running:
        yield running


@pytest.fixture(scope="session")
def console_url(hotline_servers):
    return f"{hotline_servers.rasa_url}/webhooks/hotline"


def signed_in(console_url: str, user) -> httpx.Client:
    client = httpx.Client(base_url=console_url, timeout=60)
    response = client.post("/login", json={"username": user[0], "password": user[1]})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def anonymous(console_url):
    with httpx.Client(base_url=console_url, timeout=60) as client:
        yield client


@pytest.fixture
def agent(console_url):
    client = signed_in(console_url, AGENT)
    yield client
    client.close()


@pytest.fixture
def supervisor(console_url):
    client = signed_in(console_url, SUPERVISOR)
    yield client
    client.close()
