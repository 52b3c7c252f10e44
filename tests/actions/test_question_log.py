"""actions/knowledge_answer.py logs each question (without its text) for the dashboard, except on the
hotline, whose API logs the console's own search once; the lines are written off the answer path
(actions/question_log.py) and a clean stop of the action server writes the ones still queued."""
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select

from actions import services
from actions.knowledge_answer import ActionAnswerFromKnowledge
from actions.models import QuestionLog
from actions.question_log import QuestionLog as QueuedLog
from bot.settings import PROJECT_ROOT, Settings
from tests.actions.conftest import make_tracker


@pytest.fixture
def installed(store, knowledge_engine):
    question_log = QueuedLog(store)
    services.install(services.Services(settings=Settings.from_env({}), knowledge=knowledge_engine, store=store,
                                       question_log=question_log))
    yield store
    services.install(None)
    question_log.close()


def logged(store):
    services.current().question_log.flush()
    return rows_in(store)


def rows_in(store):
    with store.session() as session:
        return [(r.channel, r.entry_id, r.answered) for r in session.scalars(select(QuestionLog))]


async def test_answers_and_declines_are_logged_per_channel(installed, dispatcher):
    await ActionAnswerFromKnowledge().run(
        dispatcher, make_tracker("imperial city opening hours", slots={"language": "en"}, channel="telegram"), {})
    await ActionAnswerFromKnowledge().run(
        dispatcher, make_tracker("giá bitcoin hôm nay bao nhiêu", channel="zalo"), {})
    rows = logged(installed)
    assert rows[0] == ("telegram", "tour.imperial_city", True)
    assert rows[1][0] == "zalo" and rows[1][2] is False


async def test_hotline_questions_are_left_to_the_hotline_api(installed, dispatcher):
    await ActionAnswerFromKnowledge().run(
        dispatcher, make_tracker("imperial city opening hours", slots={"language": "en"}, channel="hotline"), {})
    assert [m for m in dispatcher.messages if m.get("custom")]  # the json contract still goes out
    assert logged(installed) == []


def test_a_line_waits_for_its_batch_and_a_close_writes_it(store):
    question_log = QueuedLog(store, batch_window_s=30)  # a batch far longer than the test
    question_log.record("rest", "vi", "proc.passport", True, 0.9)
    question_log.record("zalo", "en", None, False, 0.1)
    time.sleep(0.3)
    assert rows_in(store) == []  # not written on the answer path: queued for the batch
    question_log.close()
    assert rows_in(store) == [("rest", "proc.passport", True), ("zalo", None, False)]


def test_a_clean_stop_of_the_action_server_keeps_the_queued_question(tmp_path):
    """The real action server: a question answered, then SIGTERM at once; its line is in the store."""
    from actions.store import Store
    from bot.launcher import free_port

    port = free_port()
    env = {**os.environ, "HUE_VAR_DIR": str(tmp_path), "ACTION_PORT": str(port), "HF_HUB_OFFLINE": "1",
           "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"), "PYTHONPATH": str(PROJECT_ROOT),
           "HUE_QUESTION_LOG_BATCH_S": "30"}  # far longer than the test: only the stop can write the line
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=PROJECT_ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "the action server did not start"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        tracker = make_tracker("imperial city opening hours", slots={"language": "en"}, channel="telegram")
        call = {"next_action": "action_answer_from_knowledge", "sender_id": "telegram:1", "version": "3.6.21",
                "tracker": {"sender_id": "telegram:1", "slots": tracker.slots, "latest_message": tracker.latest_message,
                            "events": tracker.events, "paused": False, "followup_action": None,
                            "active_loop": {}, "latest_action_name": "action_listen"}, "domain": {}}
        reply = httpx.post(f"{url}/webhook", json=call, timeout=60)
        assert reply.status_code == 200, reply.text
        server.send_signal(signal.SIGTERM)  # at once: the line is still waiting for its batch
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    store = Store(Settings.from_env({"HUE_VAR_DIR": str(tmp_path)}).effective_database_url)
    try:
        assert rows_in(store) == [("telegram", "tour.imperial_city", True)]
    finally:
        store.close()
