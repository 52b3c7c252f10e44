"""Starts the action server and the Rasa server together, waits until both answer, stops both cleanly.

Used by `make run` and by the end-to-end tests (stdlib only, so either environment can import it).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Mapping, Optional

from bot.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

ACTION_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServers:
    settings: Settings
    processes: List[subprocess.Popen]

    @property
    def rest_url(self) -> str:
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}/webhooks/rest/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"


def _wait_http_ok(url: str, processes: List[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in processes:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, proc.args[:3]))} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _stop(processes: List[subprocess.Popen], grace: float = 15.0) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(settings: Settings, base: Optional[Mapping[str, str]] = None) -> dict:
    env = dict(os.environ if base is None else base)
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        ACTION_ENDPOINT_URL=settings.action_endpoint_url,
        ACTION_PORT=str(settings.action_port),
        RASA_PORT=str(settings.rasa_port),
        HUE_VAR_DIR=str(settings.var_dir),
        HUE_INDEX_DIR=str(settings.knowledge_index_dir),
    )
    # The hotline console's configuration travels with the settings (unset ones are generated into
    # var/, which both servers share).
    for name, value in (("HOTLINE_USERS", settings.hotline_users),
                        ("HOTLINE_SESSION_SECRET", settings.hotline_session_secret),
                        ("HOTLINE_API_TOKEN", settings.hotline_api_token),
                        ("HOTLINE_FEED_TOKEN", settings.hotline_feed_token)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


@contextmanager
def running_servers(
    settings: Settings,
    model: Path,
    log_dir: Optional[Path] = None,
    startup_timeout: float = 240.0,
) -> Iterator[RunningServers]:
    """Start both servers; yield once both answer; stop them on exit. Logs go to log_dir or stdout."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(settings)
    outputs = {}
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        outputs = {name: open(log_dir / f"{name}.log", "ab") for name in ("actions", "rasa")}
    processes: List[subprocess.Popen] = []
    try:
        processes.append(subprocess.Popen(
            [str(ACTION_PYTHON), "-m", "actions.server", "--host", settings.action_host,
             "--port", str(settings.action_port)],
            cwd=PROJECT_ROOT, env=env, stdout=outputs.get("actions"), stderr=subprocess.STDOUT
            if outputs else None,
        ))
        processes.append(subprocess.Popen(
            [str(RASA_BIN), "run", "--model", str(model), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml", "--interface", settings.rasa_host,
             "--port", str(settings.rasa_port), "--enable-api", "--cors", "*"],
            cwd=PROJECT_ROOT, env=env, stdout=outputs.get("rasa"), stderr=subprocess.STDOUT
            if outputs else None,
        ))
        _wait_http_ok(f"http://{settings.action_host}:{settings.action_port}/health", processes,
                      startup_timeout)
        _wait_http_ok(f"http://{settings.rasa_host}:{settings.rasa_port}/", processes, startup_timeout)
        yield RunningServers(settings, processes)
    finally:
        _stop(processes)
        for handle in outputs.values():
            handle.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Hue assistant (action server + Rasa server)")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env()
    if not args.model.exists():
        logger.error("No trained model at %s: run `make run` (it trains) or `make train`.", args.model)
        return 2
    stop = {"now": False}

    def request_stop(signum, frame):  # noqa: ARG001 - signal handler signature
        stop["now"] = True

    # Our own handlers (even where SIGINT was inherited as ignored, e.g. from a background job):
    # Ctrl-C and SIGTERM both mean "stop both servers cleanly".
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    logger.info("Starting the action server (:%s) and the Rasa server (:%s)...",
                settings.action_port, settings.rasa_port)
    with running_servers(settings, args.model) as servers:
        logger.info(
            "\nThe Hue assistant is running.\n"
            "  REST:   POST %s  {\"sender\": \"me\", \"message\": \"xin chào\"}\n"
            "  Chat:   make shell   (in another terminal)\n"
            "  Hotline console: %s/webhooks/hotline/   (staff accounts: HOTLINE_USERS, docs/hotline.md)\n"
            "  Channels live: rest, hotline\n"
            "  Stop:   Ctrl-C\n",
            servers.rest_url, servers.rasa_url,
        )
        while not stop["now"]:
            exited = [p for p in servers.processes if p.poll() is not None]
            if exited:
                time.sleep(1.0)  # a Ctrl-C reaches the servers too; let our handler see it first
                if stop["now"]:
                    break
                logger.error("%s stopped unexpectedly (exit %s)",
                             " ".join(map(str, exited[0].args[:3])), exited[0].returncode)
                return 1
            time.sleep(0.5)
    logger.info("Stopped both servers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
