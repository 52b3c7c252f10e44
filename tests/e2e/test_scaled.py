"""The scaled mode for real (bot/scaled.py): HAProxy in front of two Rasa instances and one action server,
trackers and the ordered lock in the real Redis. A report form is walked through HAProxy; one Rasa
instance is killed mid-form; the form goes on through HAProxy on the other and is filed once."""
import re
import sqlite3
import uuid

import httpx
import pytest

from bot.launcher import free_port
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import local_redis_url, skip_or_fail, trained_model


def say(url, sender, text):
    response = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    assert response.status_code == 200, response.text
    return [r["text"] for r in response.json() if "text" in r]


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    from bot.scaled import find_haproxy, running_topology

    try:
        find_haproxy()
    except RuntimeError as exc:
        skip_or_fail(str(exc))
    url, prefix = local_redis_url(), f"huetest{uuid.uuid4().hex[:10]}"
    settings = Settings.from_env({
        "HUE_VAR_DIR": str(tmp_path_factory.mktemp("var-scaled")), "ACTION_PORT": str(free_port()),
        "RASA_PORT": str(free_port()), "REDIS_URL": url, "HUE_REDIS_PREFIX": prefix,
        "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index")})
    with running_topology(settings, trained_model(), rasa_instances=2, action_instances=1,
                          log_dir=PROJECT_ROOT / "test-output" / "e2e-logs" / "scaled",
                          startup_timeout=900) as running:
        yield running
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_a_form_through_haproxy_survives_killing_one_rasa_instance(topology):
    sender = f"e2e-scaled-{uuid.uuid4().hex[:6]}"
    assert say(topology.rasa_url, sender, "đèn đường hỏng ở 45 Nguyễn Huệ")[-1].startswith("Bạn có ảnh chụp")
    assert say(topology.rasa_url, sender, "bỏ qua")[0].startswith("Để cán bộ liên hệ khi cần")
    topology.processes["rasa-2"].kill()  # a crash; HAProxy retries a refused connection elsewhere
    topology.processes["rasa-2"].wait()
    assert "Gửi phản ánh này?" in say(topology.rasa_url, sender, "bỏ qua")[-1]
    [code] = set(re.findall(r"HUE-\d{4}-\d{6}", " ".join(say(topology.rasa_url, sender, "/affirm"))))
    say(topology.rasa_url, sender, "/affirm")  # the old "Gửi" again: nothing more is filed
    with sqlite3.connect(topology.settings.var_dir / "hue_assistant.sqlite3") as connection:
        assert connection.execute("SELECT code FROM reports WHERE sender_id = ?", (f"rest:{sender}",)).fetchall() == [(code,)]
