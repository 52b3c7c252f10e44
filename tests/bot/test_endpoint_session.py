"""bot/endpoint_session.py: Rasa's action calls reuse one kept-alive connection, and still fail (and
recover) as before when the action server goes away and comes back; checked on the real
RemoteAction against a real HTTP/1.1 server."""
import socket
import threading
from http.server import ThreadingHTTPServer

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_fallback, rasa_extensions
from tests.bot.test_action_schema import _Replies

REPLY = {"events": [], "responses": [{"text": "Đại Nội mở cửa 7:00–17:30."}]}


class _KeepAlive(_Replies):
    """test_action_schema's action server over HTTP/1.1 (kept-alive connections), recording each
    request's client address; /missing answers 404."""
    protocol_version = "HTTP/1.1"
    reply = REPLY

    def setup(self):
        super().setup()
        self.server.connections.append(self.connection)

    def do_POST(self):  # noqa: N802 - http.server's name
        self.server.peers.append(self.client_address)
        if self.path.endswith("/missing"):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_POST()


def start(port=0):
    server = ThreadingHTTPServer(("127.0.0.1", port), _KeepAlive)
    server.daemon_threads = True
    server.connections, server.peers = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server):
    """As a stopped action server: no listener, and its open connections closed."""
    server.shutdown()
    server.server_close()
    for connection in server.connections:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


@pytest.fixture
def action_server():
    server = start()
    yield server
    stop(server)


async def run_action(endpoint):
    domain = Domain.from_dict({})
    tracker = DialogueStateTracker.from_events("u1", [])
    action = RemoteAction("action_answer_from_knowledge", endpoint)
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain)


async def test_action_calls_share_one_connection(action_server):
    rasa_extensions.install()
    endpoint = EndpointConfig(f"http://127.0.0.1:{action_server.server_port}/webhook")
    for _ in range(3):
        [answer] = await run_action(endpoint)
        assert answer.text == REPLY["responses"][0]["text"]
    assert len(action_server.peers) == 3
    assert len(set(action_server.peers)) == 1  # one client port: the connection was kept


async def test_http_errors_are_rasas(action_server):
    from rasa.utils.endpoints import ClientResponseError

    rasa_extensions.install()
    endpoint = EndpointConfig(f"http://127.0.0.1:{action_server.server_port}")
    with pytest.raises(ClientResponseError) as error:
        await endpoint.request(json={}, method="post", subpath="missing")
    assert error.value.status == 404
    # the connection stays usable after an error reply
    assert await endpoint.request(json={}, method="post", subpath="webhook") == REPLY


async def test_server_down_then_back_apology_then_answers(action_server):
    rasa_extensions.install()
    port = action_server.server_port
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    [answer] = await run_action(endpoint)
    assert answer.text == REPLY["responses"][0]["text"]
    stop(action_server)
    [apology] = await run_action(endpoint)  # refused connection: the user hears the apology
    assert isinstance(apology, BotUttered) and apology.text == action_fallback.UNAVAILABLE["vi"]
    restarted = start(port)
    try:
        [answer] = await run_action(endpoint)  # the closed pooled connection is not reused
        assert answer.text == REPLY["responses"][0]["text"]
        assert len(restarted.peers) == 1
    finally:
        stop(restarted)
