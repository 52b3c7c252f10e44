"""actions/migrations: 0005 qualifies the sender ids stored before conversations were qualified by
channel, on SQLite and PostgreSQL, so old reports keep their owner and their notices their channel."""
from alembic import command
from sqlalchemy import create_engine, text

from actions.store import Store, alembic_config


def test_old_sender_ids_are_qualified_by_their_channel(database_url):
    command.upgrade(alembic_config(database_url), "0004")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for number, (sender, channel) in enumerate([("710001", "telegram"), ("5512345678901234567", "zalo"),
                                                    ("u1", "rest"), ("call-1", "hotline"),
                                                    ("city-crm", "open311"), ("legacy", None)], 1):
            connection.execute(text(
                "INSERT INTO reports (code, idempotency_key, sender_id, channel, language, category, description, "
                "status) VALUES (:code, :key, :sender, :channel, 'vi', 'waste', 'rác', 'received')"),
                {"code": f"HUE-2026-{number:06d}", "key": f"k{number}", "sender": sender, "channel": channel})
            connection.execute(text("INSERT INTO report_followers (report_id, sender_id, channel) "
                                    "SELECT id, sender_id, channel FROM reports WHERE code = :code"),
                               {"code": f"HUE-2026-{number:06d}"})
        connection.execute(text("INSERT INTO answer_feedback (sender_id, channel, entry_id, helpful) "
                                "VALUES ('710001', 'telegram', 'tour.imperial_city', true)"))
    engine.dispose()

    Store(database_url).close()  # upgrades to head

    engine = create_engine(database_url)
    with engine.connect() as connection:
        reports = connection.execute(text("SELECT sender_id FROM reports ORDER BY id")).scalars().all()
        followers = connection.execute(text("SELECT sender_id FROM report_followers ORDER BY id")).scalars().all()
        feedback = connection.execute(text("SELECT sender_id FROM answer_feedback")).scalars().all()
    engine.dispose()
    expected = ["telegram:710001", "zalo:5512345678901234567", "rest:u1", "hotline:call-1", "city-crm", "legacy"]
    assert reports == expected and followers == expected
    assert feedback == ["telegram:710001"]


def test_a_sender_id_of_160_characters_fits(database_url):
    """A 128-character REST sender plus its `rest:` prefix (PostgreSQL enforces VARCHAR lengths)."""
    from actions.store import NewReport

    store = Store(database_url)
    sender = "rest:" + "x" * 128
    report, created = store.submit_report(NewReport(idempotency_key="long", sender_id=sender, channel="rest",
                                                    language="vi", category="waste", description="rác"))
    assert created and [r.code for r in store.reports_of_sender(sender)] == [report.code]
    store.close()
