"""bot/action_schema.py: Rasa still refuses an action-server reply its schema refuses, and accepts a
valid one, with the validator built once; checked on the real RemoteAction against a real HTTP
server (the reply schema is Rasa's own)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_fallback, action_schema, rasa_extensions

VALID = {"events": [{"event": "slot", "name": "knowledge_topic", "value": "tour.imperial_city"}],
         "responses": [{"text": "Đại Nội mở cửa 7:00–17:30."}]}
INVALID = [
    {"responses": "not a list"},
    {"events": [{"event": "slot", "timestamp": "yesterday"}]},
    {"events": [{"no_event_type": True}]},
]


def test_installed_in_every_rasa_process():
    import bot.nlu  # noqa: F401 - what the model's pipeline imports

    before = action_schema.reply_validator.cache_info()
    for _ in range(3):
        assert RemoteAction(name="x", action_endpoint=None)._validate_action_result(VALID) is True
    after = action_schema.reply_validator.cache_info()
    # Rasa's check goes through the validator built once: 3 uses, at most one build.
    assert after.hits + after.misses - before.hits - before.misses == 3 and after.misses <= 1


@pytest.mark.parametrize("reply", INVALID)
def test_a_reply_rasas_schema_refuses_is_still_refused_with_the_same_error(reply):
    rasa_extensions.install()
    with pytest.raises(jsonschema.ValidationError) as reference:  # what stock Rasa runs per call
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction(name="x", action_endpoint=None)._validate_action_result(reply)
    assert ours.value.message.startswith(reference.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.absolute_path) == list(reference.value.absolute_path)


class _Replies(BaseHTTPRequestHandler):
    reply = VALID

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(type(self).reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def action_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


async def run_action(url):
    domain = Domain.from_dict({"slots": {"knowledge_topic": {"type": "text", "mappings": [{"type": "custom"}]}}})
    tracker = DialogueStateTracker.from_events("u1", [], slots=domain.slots)
    action = RemoteAction("action_answer_from_knowledge", EndpointConfig(url))
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain)


async def test_the_real_remote_action_accepts_a_valid_reply_and_refuses_an_invalid_one(action_server):
    rasa_extensions.install()
    url = f"http://127.0.0.1:{action_server.server_port}/webhook"
    _Replies.reply = VALID
    events = await run_action(url)
    assert [type(e) for e in events] == [BotUttered, SlotSet] and events[1].value == "tour.imperial_city"
    _Replies.reply = INVALID[0]
    # Refused: none of the reply is used; the user gets the apology (bot/action_fallback.py).
    [apology] = await run_action(url)
    assert isinstance(apology, BotUttered) and apology.text == action_fallback.UNAVAILABLE["vi"]
