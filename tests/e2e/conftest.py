"""Starts the real action server and Rasa server on free loopback ports with the trained model."""
import httpx
import pytest

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import trained_model


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    model = trained_model()
    var_dir = tmp_path_factory.mktemp("var")
    # The knowledge index is the project's (built by `make knowledge-index`); if it is missing or
    # stale the action server builds it at start-up, which only takes longer.
    settings = Settings.from_env({"HUE_VAR_DIR": str(var_dir), "ACTION_PORT": str(free_port()),
                                  "RASA_PORT": str(free_port()),
                                  "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index")})
    log_dir = PROJECT_ROOT / "test-output" / "e2e-logs"
    with running_servers(settings, model, log_dir=log_dir) as running:
        yield running


@pytest.fixture
def chat(servers):
    """chat(sender, text) → the bot's replies from POST /webhooks/rest/webhook."""
    client = httpx.Client(timeout=60)

    def send(sender: str, text: str):
        response = client.post(servers.rest_url, json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    yield send
    client.close()
