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


def test_a_killed_action_server_is_restarted_and_the_assistant_answers_again(tmp_path):
    """`make run`'s launcher; kill -9 the action server: the launcher logs it and starts it again,
    Rasa keeps running (same process, conversations kept), and a question is answered again."""
    import re
    import threading

    model = Path(os.environ.get("HUE_MODEL_PATH", "models/hue-assistant.tar.gz"))
    model = model if model.is_absolute() else PROJECT_ROOT / model
    if not model.exists():
        skip_or_fail(f"no trained model at {model}")
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_PORT": str(rasa_port),
           "ACTION_PORT": str(action_port), "HUE_VAR_DIR": str(tmp_path),
           "HUE_INDEX_DIR": str(PROJECT_ROOT / "var" / "knowledge-index"),
           "TELEGRAM_BOT_TOKEN": "", "ZALO_APP_ID": "", "RASA_AUTH_TOKEN": ""}
    launcher = subprocess.Popen([sys.executable, "-m", "bot.launcher", "--model", str(model)],
                                cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    lines = []
    threading.Thread(target=lambda: lines.extend(launcher.stdout), daemon=True).start()

    def wait_for(pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in map(re.compile(pattern).search, list(lines)) if m]
            if found:
                return found[-1]
            assert launcher.poll() is None, "".join(lines[-120:])
            time.sleep(0.5)
        raise AssertionError(f"no {pattern!r} in:\n" + "".join(lines[-120:]))

    rest = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"

    def ask(sender):
        response = httpx.post(rest, json={"sender": sender, "message": "what time does the imperial city open"},
                              timeout=120)
        assert response.status_code == 200, response.text
        replies = response.json()
        return [r.get("custom", {}).get("entry_id") for r in replies] + [r.get("text") for r in replies]

    try:
        wait_for("The Hue assistant is running", 300)
        pids = wait_for(r"action server pid (\d+), Rasa server pid (\d+)", 10)
        action_pid, rasa_pid = int(pids.group(1)), int(pids.group(2))
        assert "tour.imperial_city" in ask("restart-1")

        os.kill(action_pid, signal.SIGKILL)
        wait_for(r"The action server exited unexpectedly \(code -9\).*restarting it in 1 s", 30)
        # Down (or loading its index, port closed until ready): the apology with the hotline.
        assert any("1900 1075" in (reply or "") for reply in ask("restart-1"))
        restarted = int(wait_for(r"Restarted the action server \(pid (\d+)\)", 30).group(1))
        assert restarted != action_pid
        deadline = time.monotonic() + 240
        while "tour.imperial_city" not in ask("restart-2"):  # answered again once it has loaded
            assert time.monotonic() < deadline, "".join(lines[-120:])
            time.sleep(2)
        os.kill(rasa_pid, 0)  # Rasa was never stopped …
        tracker = httpx.get(f"http://127.0.0.1:{rasa_port}/conversations/rest:restart-1/tracker", timeout=30).json()
        assert any(e.get("event") == "user" for e in tracker["events"])  # … so it kept the conversation
        assert not any("Rasa server exited" in line for line in lines)

        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 0
        time.sleep(0.5)
        assert "Stopped both servers." in "".join(lines)
        assert not port_open(rasa_port) and not port_open(action_port)
    finally:
        if launcher.poll() is None:  # a failed assertion: stop both servers too, not just the launcher
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                launcher.kill()
