"""The REST chat helper; the `servers` fixture (both real servers) is in tests/conftest.py."""
import httpx
import pytest

# The back-office keys and Rasa token the shared `servers` fixture starts with (tests/conftest.py).
from tests.conftest import E2E_OPEN311_KEY, E2E_RASA_TOKEN, E2E_STAFF_KEY  # noqa: F401


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
