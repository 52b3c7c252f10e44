"""Starts the real action server and Rasa server on free loopback ports with the trained model."""
import os
from pathlib import Path

import httpx
import pytest

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import skip_or_fail

E2E_OPEN311_KEY = "e2e-open311-key"
E2E_STAFF_KEY = "e2e-staff-key"
E2E_RASA_TOKEN = "e2e-rasa-token"


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    model = Path(os.environ.get("HUE_MODEL_PATH", PROJECT_ROOT / "models" / "hue-assistant.tar.gz"))
    if not model.is_absolute():
        model = PROJECT_ROOT / model
    if not model.exists():
        skip_or_fail(f"no trained model at {model} (make train)")
    var_dir = tmp_path_factory.mktemp("var")
    # The knowledge index is the project's (built by `make knowledge-index`); if it is missing or
    # stale the action server builds it at start-up, which only takes longer.
    # Back-office keys and a Rasa API token, so the status notification path runs as in production.
    settings = Settings.from_env({"HUE_VAR_DIR": str(var_dir), "ACTION_PORT": str(free_port()),
                                  "RASA_PORT": str(free_port()),
                                  "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
                                  "OPEN311_API_KEYS": E2E_OPEN311_KEY, "STAFF_API_KEYS": E2E_STAFF_KEY,
                                  "RASA_AUTH_TOKEN": E2E_RASA_TOKEN})
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
