"""bot/launcher.py as `make run` uses it: both servers up with the configured channels, then Ctrl-C
(SIGINT) stops both cleanly."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.launcher import free_port
from bot.settings import PROJECT_ROOT
from tests.conftest import skip_or_fail
from tests.fakes.telegram import FakeTelegram


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_both_servers(tmp_path):
    model = Path(os.environ.get("HUE_MODEL_PATH", "models/hue-assistant.tar.gz"))
    model = model if model.is_absolute() else PROJECT_ROOT / model
    if not model.exists():
        skip_or_fail(f"no trained model at {model}")
    rasa_port, action_port = free_port(), free_port()
    telegram = FakeTelegram().start()
    # Telegram configured, Zalo not: only Telegram is mounted next to REST.
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_PORT": str(rasa_port),
           "ACTION_PORT": str(action_port), "HUE_VAR_DIR": str(tmp_path),
           "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
           "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": "launcher-test",
           "TELEGRAM_API_BASE_URL": telegram.url, "ZALO_APP_ID": ""}
    launcher = subprocess.Popen([sys.executable, "-m", "bot.launcher", "--model", str(model)],
                                cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300
        seen = []
        for line in launcher.stdout:
            seen.append(line)
            if "The Hue assistant is running" in line or time.monotonic() > deadline:
                break
        # Enough lines to include Rasa's own output when it stops during start-up.
        assert any("is running" in line for line in seen), "".join(seen[-120:])
        assert port_open(rasa_port) and port_open(action_port)
        webhooks = f"http://127.0.0.1:{rasa_port}/webhooks"
        assert httpx.get(f"{webhooks}/telegram/", timeout=10).status_code == 200
        assert httpx.get(f"{webhooks}/zalo/", timeout=10).status_code == 404
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
        rest = launcher.stdout.read()
        assert "Channels live: rest, hotline, telegram\n" in rest
        assert f"Telegram webhook: {webhooks}/telegram/webhook" in rest
        assert "Stopped both servers." in rest
        assert not port_open(rasa_port) and not port_open(action_port)
    finally:
        if launcher.poll() is None:
            launcher.kill()
        telegram.stop()
