"""A report confirmed while the report database is down (a real PostgreSQL outage: the database is
cut off and renamed) is not lost: the user is told nothing was filed yet, the form keeps every
answer on its summary step, and "Gửi" once the database is back files it exactly once."""
import os

import httpx
from sqlalchemy import create_engine, text

from bot.launcher import free_port, running_servers
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import database_away, trained_model
from tests.e2e.test_report_form import CODE_RE, texts


def test_a_submit_during_a_database_outage_is_kept_and_filed_once_after(postgres_url, tmp_path):
    settings = Settings.from_env({"HUE_VAR_DIR": str(tmp_path), "ACTION_PORT": str(free_port()),
                                  "RASA_PORT": str(free_port()), "DATABASE_URL": postgres_url,
                                  # Conversations stay in SQLite: the outage is the report store's alone
                                  # (with DATABASE_URL only, Rasa would keep trackers in that database too).
                                  "HUE_TRACKER_STORE": "sqlite",
                                  "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index")})
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = postgres_url  # the action server's store (the launcher passes the environment)
    try:
        with running_servers(settings, trained_model(), log_dir=PROJECT_ROOT / "test-output" / "outage-logs") as servers:
            with httpx.Client(timeout=60) as client:
                def chat(message):
                    response = client.post(servers.rest_url, json={"sender": "outage-vi", "message": message})
                    assert response.status_code == 200, response.text
                    return response.json()

                chat("đèn đường hỏng ở 45 Nguyễn Huệ")
                chat("bỏ qua")  # no photo
                assert "Gửi phản ánh này?" in texts(chat("bỏ qua"))[-1]  # no phone: the summary
                with database_away(postgres_url):
                    told = chat("/affirm")
                [apology] = texts(told)
                assert "CHƯA được gửi" in apology and "1900 1075" in apology
                assert [b["title"] for b in told[0]["buttons"]] == ["Gửi", "Hủy"]
                tracker = client.get(f"{servers.rasa_url}/conversations/rest:outage-vi/tracker").json()
                assert tracker["active_loop"]["name"] == "incident_report_form"
                assert tracker["slots"]["requested_slot"] == "incident_confirmation"
                assert tracker["slots"]["incident_location"] == "45 Nguyễn Huệ"  # the answers are kept

                [code] = set(CODE_RE.findall(" ".join(texts(chat("gửi")))))  # the database is back
                after = texts(chat("gửi"))  # a second "Gửi" files nothing more
                assert not CODE_RE.search(" ".join(after))
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT code, location_text FROM reports WHERE sender_id = 'rest:outage-vi'")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [(code, "45 Nguyễn Huệ")]
