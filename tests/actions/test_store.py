"""actions/store.py and actions/feedback.py against SQLite and the real PostgreSQL server."""
import pytest
from sqlalchemy import inspect

from actions import services
from actions.feedback import ActionStoreFeedback
from actions.store import Store
from bot.settings import Settings
from tests.actions.conftest import make_tracker


def test_migrations_create_the_schema_from_empty(database_url):
    store = Store(database_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"answer_feedback", "alembic_version"} <= tables
    Store(database_url).close()  # a second upgrade on a current database is a no-op
    store.close()


def test_feedback_is_counted_per_entry(database_url):
    store = Store(database_url)
    store.record_feedback("u1", "telegram", "tour.imperial_city", "en", True)
    store.record_feedback("u2", "zalo", "tour.imperial_city", "vi", False)
    store.record_feedback("u3", "zalo", "tour.imperial_city", "vi", True)
    store.record_feedback("u3", "zalo", "proc.passport", "vi", False)
    assert store.feedback_by_entry() == {
        "tour.imperial_city": {"helpful": 2, "not_helpful": 1},
        "proc.passport": {"helpful": 0, "not_helpful": 1},
    }
    store.close()


@pytest.mark.parametrize("intent, helpful", [("feedback_helpful", True), ("feedback_not_helpful", False)])
async def test_feedback_action_stores_the_entry_id(database_url, dispatcher, intent, helpful):
    store = Store(database_url)
    services.install(services.Services(settings=Settings.from_env({}), store=store))
    try:
        tracker = make_tracker("/" + intent, intent=intent, channel="telegram",
                               slots={"knowledge_topic": "svc.water_bill", "language": "en"})
        await ActionStoreFeedback().run(dispatcher, tracker, {})
        counts = store.feedback_by_entry()["svc.water_bill"]
        assert counts == {"helpful": int(helpful), "not_helpful": int(not helpful)}
        assert dispatcher.messages[0]["text"].startswith("Thank")
    finally:
        services.install(None)
        store.close()


async def test_feedback_without_a_topic_stores_nothing(tmp_path, dispatcher):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    services.install(services.Services(settings=Settings.from_env({}), store=store))
    try:
        await ActionStoreFeedback().run(dispatcher, make_tracker("/feedback_helpful", intent="feedback_helpful"), {})
        assert store.feedback_by_entry() == {}
    finally:
        services.install(None)
        store.close()
