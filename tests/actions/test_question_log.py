"""actions/knowledge_answer.py logs each question (without its text) for the dashboard, except on the
hotline, whose API logs the console's own search once."""
import pytest
from sqlalchemy import select

from actions import services
from actions.knowledge_answer import ActionAnswerFromKnowledge
from actions.models import QuestionLog
from bot.settings import Settings
from tests.actions.conftest import make_tracker


@pytest.fixture
def installed(store, knowledge_engine):
    services.install(services.Services(settings=Settings.from_env({}), knowledge=knowledge_engine, store=store))
    yield store


def logged(store):
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
