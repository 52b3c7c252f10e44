"""Starts the action server and the Rasa server together, waits until both answer, stops both cleanly.

Used by `make run` and by the end-to-end tests (stdlib only, so either environment can import it).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence
from urllib.parse import unquote, urlsplit

from bot.settings import PROJECT_ROOT, Settings, private_dir, private_file, stored_secret

logger = logging.getLogger(__name__)

ACTION_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
# Rasa's credentials keys (module paths for our own channels), as listed in credentials.yml.
CHANNEL_CLASSES = {"rest": "channels.rest.RestInput", "hotline": "channels.hotline.HotlineInput",
                   "telegram": "channels.telegram.TelegramInput", "zalo": "channels.zalo.ZaloInput",
                   "metrics": "channels.metrics.MetricsInput"}
# The Rasa server's request limits, all in this one place; `rasa run` builds its own Sanic app, so
# they travel as Sanic's SANIC_* variables (Sanic answers 413 before any handler runs). Nothing the
# assistant receives comes near 1 MiB: webhooks refuse 256 KiB, the console 16 KiB.
RASA_REQUEST_LIMITS = {"SANIC_REQUEST_MAX_SIZE": str(1024 * 1024), "SANIC_REQUEST_MAX_HEADER_SIZE": str(8 * 1024)}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Supervision (main): a crashed child is started again after 1, 2, 4 … s, at most 30 s; a child that
# stayed up STABLE_AFTER_S starts again from 1 s. After MAX_QUICK_FAILURES crashes in a row, each
# within STABLE_AFTER_S of its start (a configuration error, not bad luck), the launcher stops.
RESTART_FIRST_S, RESTART_MAX_S = 1.0, 30.0
STABLE_AFTER_S = 60.0
MAX_QUICK_FAILURES = 10


def child_name(index: int) -> str:
    """RunningServers.processes: the action server, then the Rasa instances."""
    return "action server" if index == 0 else "Rasa server" if index == 1 else f"Rasa server #{index}"


@dataclass
class RunningServers:
    settings: Settings
    processes: List[subprocess.Popen]  # the action server, then one per Rasa instance
    # How each child was started (same command, environment and log), to start it again.
    starters: List[Callable[[], subprocess.Popen]] = field(default_factory=list)
    rasa_ports: List[int] = field(default_factory=list)

    def restart(self, index: int) -> subprocess.Popen:
        """Start child `index` again; `processes[index]` is the new process."""
        self.processes[index] = self.starters[index]()
        return self.processes[index]

    @property
    def rasa_urls(self) -> List[str]:
        """Every Rasa instance started here, the first being `rasa_url`."""
        return [f"http://{self.settings.rasa_host}:{port}" for port in self.rasa_ports or [self.settings.rasa_port]]

    def stop_rasa(self, index: int = 0, kill: bool = False) -> None:
        """Stops Rasa instance `index`: SIGTERM (a clean stop), or SIGKILL (a crash)."""
        process = self.processes[1 + index]
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        process.wait(timeout=60)

    def start_rasa(self, index: int = 0, timeout: float = 900.0) -> None:
        """Starts Rasa instance `index` again on its port (after `stop_rasa`); returns once it answers."""
        assert self.processes[1 + index].poll() is not None
        self.restart(1 + index)
        _wait_http_ok(f"{self.rasa_urls[index]}/", [self.processes[1 + index]], timeout)

    @property
    def rest_url(self) -> str:
        return self.webhook_url("rest")

    @property
    def rasa_url(self) -> str:
        """The Rasa server started here (RASA_URL may point elsewhere for the action server)."""
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    def webhook_url(self, channel: str) -> str:
        return f"{self.rasa_url}/webhooks/{channel}/webhook"

    @property
    def action_url(self) -> str:
        """The action server: /webhook for Rasa, /open311/v2 and /staff for the back office."""
        return self.settings.action_base_url


def write_credentials(settings: Settings) -> Path:
    """The credentials file Rasa is started with: credentials.yml's channels, only those whose
    variables are set (Rasa refuses a file naming a channel it cannot configure). No secrets in it:
    the channels read them from the environment through the settings."""
    path = private_file(private_dir(settings.var_dir) / "credentials.yml")
    lines = ["# Generated by bot/launcher.py from the settings; edit credentials.yml, not this file."]
    lines += [f"{CHANNEL_CLASSES[name]}:" for name in settings.live_channels]
    lines.append(f"{CHANNEL_CLASSES['metrics']}:")  # Prometheus metrics, always (loopback only)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Top-level sections of endpoints.yml that the launcher writes from the settings (the rest is copied).
STATE_SECTIONS = ("tracker_store", "lock_store")


def state_endpoints(settings: Settings) -> List[str]:
    """The tracker and lock store sections for the settings (docs/state.md). Secrets stay out of the
    file: URLs and passwords are `${VAR}`s Rasa fills from the environment `store_env` gives it."""
    lines: List[str] = []
    store = settings.tracker_store
    if store == "sqlite":
        lines += ["tracker_store:", "  type: SQL", "  dialect: sqlite",
                  f"  db: {json.dumps(str(settings.tracker_sqlite_path))}"]
    elif store == "postgresql":  # Rasa takes a whole SQLAlchemy URL in `url`
        lines += ["tracker_store:", "  type: SQL", "  url: ${DATABASE_URL}"]
    elif store == "redis":
        parts = urlsplit(settings.redis_url or "")
        database = (parts.path or "/0").strip("/") or "0"
        lines += ["tracker_store:", "  type: redis", f"  url: {json.dumps(parts.hostname or 'localhost')}",
                  f"  port: {parts.port or 6379}", f"  db: {int(database)}",
                  f"  key_prefix: {settings.redis_prefix}"]
        if parts.username:
            lines.append("  username: ${HUE_REDIS_USERNAME}")
        if parts.password:
            lines.append("  password: ${HUE_REDIS_PASSWORD}")
        if parts.scheme == "rediss":
            lines.append("  use_ssl: true")
    if settings.lock_store == "redis":
        lines += ["lock_store:", "  type: bot.lock_store.OrderedRedisLockStore", "  url: ${REDIS_URL}",
                  f"  key_prefix: {settings.redis_prefix}"]
    return lines


def write_endpoints(settings: Settings, template: Path = PROJECT_ROOT / "endpoints.yml") -> Path:
    """The endpoints file Rasa is started with: endpoints.yml with its tracker and lock store sections
    replaced by the ones the settings choose (durable by default, shared through Redis when scaled)."""
    kept: List[str] = []
    skipping = False
    for line in template.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):  # a top-level key
            skipping = line.split(":", 1)[0].strip() in STATE_SECTIONS
        if not skipping:
            kept.append(line)
    path = settings.var_dir / "endpoints.yml"
    header = ["# Generated by bot/launcher.py from the settings; edit endpoints.yml, not this file.",
              f"# tracker store: {settings.tracker_store}, lock store: {settings.lock_store} (docs/state.md)"]
    path.write_text("\n".join(header + kept + state_endpoints(settings)) + "\n", encoding="utf-8")
    return path


def store_env(settings: Settings) -> Dict[str, str]:
    """The variables the generated endpoints refer to."""
    env: Dict[str, str] = {}
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
        parts = urlsplit(settings.redis_url)
        if parts.username:
            env["HUE_REDIS_USERNAME"] = unquote(parts.username)
        if parts.password:
            env["HUE_REDIS_PASSWORD"] = unquote(parts.password)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    if settings.tracker_store_choice:
        env["HUE_TRACKER_STORE"] = settings.tracker_store_choice
    env["HUE_REDIS_PREFIX"] = settings.redis_prefix
    return env


def channel_env(settings: Settings) -> dict:
    """The channel variables of `settings`, so the Rasa process configures the same channels."""
    env = {}
    if settings.telegram:
        env.update(TELEGRAM_BOT_TOKEN=settings.telegram.bot_token,
                   TELEGRAM_WEBHOOK_SECRET=settings.telegram.webhook_secret,
                   TELEGRAM_API_BASE_URL=settings.telegram.api_base_url or "")
    if settings.zalo:
        env.update(ZALO_APP_ID=settings.zalo.app_id, ZALO_APP_SECRET=settings.zalo.app_secret,
                   ZALO_OA_SECRET_KEY=settings.zalo.oa_secret_key,
                   ZALO_REFRESH_TOKEN=settings.zalo.refresh_token,
                   ZALO_ACCESS_TOKEN=settings.zalo.access_token or "",
                   ZALO_API_BASE_URL=settings.zalo.api_base_url,
                   ZALO_OAUTH_BASE_URL=settings.zalo.oauth_base_url)
    return env


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
        RASA_HOST=settings.rasa_host,  # the REST channel requires a token when this is not loopback
        HUE_VAR_DIR=str(settings.var_dir),
        HUE_INDEX_DIR=str(settings.knowledge_index_dir),
        # The action server calls Rasa's API (status notifications) wherever Rasa really listens.
        RASA_URL=settings.rasa_base_url,
        OPEN311_API_KEYS=",".join(settings.open311_api_keys),
        STAFF_API_KEYS=",".join(settings.staff_api_keys),
        **channel_env(settings),
        **store_env(settings),
    )
    if settings.rasa_auth_token:
        env["RASA_AUTH_TOKEN"] = settings.rasa_auth_token
    else:
        env.pop("RASA_AUTH_TOKEN", None)
    # The hotline console's configuration travels with the settings (unset ones are generated into
    # var/, which both servers share).
    for name, value in (("HOTLINE_USERS", settings.hotline_users),
                        ("HOTLINE_SESSION_SECRET", settings.hotline_session_secret),
                        ("HOTLINE_API_TOKEN", settings.hotline_api_token),
                        ("HOTLINE_FEED_TOKEN", settings.hotline_feed_token),
                        ("REST_TOKEN", settings.rest_token_env)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def protect_api(settings: Settings) -> Settings:
    """Beyond loopback, Rasa's HTTP API (every conversation's tracker, trigger_intent) needs a token:
    RASA_AUTH_TOKEN, else one generated into var/rasa-auth-token that both servers get."""
    if settings.rasa_auth_token or not settings.rasa_beyond_loopback:
        return settings
    return dataclasses.replace(settings, rasa_auth_token=stored_secret(settings.var_dir, "rasa-auth-token"))


def rasa_command(settings: Settings, model: Path, credentials: Path, endpoints: Optional[Path] = None,
                 port: Optional[int] = None) -> List[str]:
    command = [str(RASA_BIN), "run", "--model", str(model), "--endpoints", str(endpoints or "endpoints.yml"),
               "--credentials", str(credentials), "--interface", settings.rasa_host,
               "--port", str(port or settings.rasa_port), "--enable-api"]
    # No --cors: the hotline console is served from Rasa's own origin and needs none, and a
    # wildcard would let any web page call the REST channel and Rasa's API from a visitor's browser.
    if settings.rasa_auth_token:  # protects the conversation API (the REST channel has REST_TOKEN)
        command += ["--auth-token", settings.rasa_auth_token]
    return command


@contextmanager
def running_servers(
    settings: Settings,
    model: Path,
    log_dir: Optional[Path] = None,
    startup_timeout: float = 240.0,
    extra_rasa_ports: Sequence[int] = (),
) -> Iterator[RunningServers]:
    """Start both servers; yield once both answer; stop them on exit. Logs go to log_dir or stdout.

    `extra_rasa_ports`: more Rasa instances on those ports, sharing the stores (REDIS_URL needed:
    an in-memory lock cannot order one conversation's messages across processes)."""
    if extra_rasa_ports and settings.lock_store != "redis":
        raise ValueError("more than one Rasa instance needs REDIS_URL (shared tracker and lock store)")
    private_dir(settings.var_dir)  # 0700, and umask 077 for both servers: var/ files are owner-only
    settings = protect_api(settings)
    env = server_env(settings)
    credentials = write_credentials(settings)
    endpoints = write_endpoints(settings)
    outputs = {}
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        # Truncated: the files hold this run's servers only (a test scans them for leaks).
        names = ["actions", "rasa", *(f"rasa-{port}" for port in extra_rasa_ports)]
        outputs = {name: open(log_dir / f"{name}.log", "wb") for name in names}

    def rasa_starter(port: int) -> Callable[[], subprocess.Popen]:
        output = outputs.get("rasa" if port == settings.rasa_port else f"rasa-{port}")
        return functools.partial(
            subprocess.Popen, rasa_command(settings, model, credentials, endpoints, port), cwd=PROJECT_ROOT,
            env={**env, **RASA_REQUEST_LIMITS}, stdout=output, stderr=subprocess.STDOUT if outputs else None)

    processes: List[subprocess.Popen] = []
    starters = [
        functools.partial(
            subprocess.Popen,
            [str(ACTION_PYTHON), "-m", "actions.server", "--host", settings.action_host,
             "--port", str(settings.action_port)],
            cwd=PROJECT_ROOT, env=env, stdout=outputs.get("actions"), stderr=subprocess.STDOUT
            if outputs else None,
        ),
    ]
    ports = [settings.rasa_port, *extra_rasa_ports]
    starters += [rasa_starter(port) for port in ports]
    try:
        for start in starters:
            processes.append(start())
        running = RunningServers(settings, processes, starters, ports)
        _wait_http_ok(f"{running.action_url}/health", processes, startup_timeout)
        for url in running.rasa_urls:
            _wait_http_ok(f"{url}/", processes, startup_timeout)
        yield running
    finally:
        _stop(processes)
        for handle in outputs.values():
            handle.close()


@dataclass
class Supervisor:
    """Restarts the children of `servers` that exit, with a bounded backoff (see RESTART_FIRST_S)."""

    servers: RunningServers
    clock: Callable[[], float] = time.monotonic
    started: Dict[int, float] = field(default_factory=dict)
    quick_failures: Dict[int, int] = field(default_factory=dict)
    due: Dict[int, float] = field(default_factory=dict)  # child index → when to start it again

    def check(self) -> bool:
        """One pass: note exits, start what is due. False when a child keeps failing at once."""
        now = self.clock()
        for index, proc in enumerate(self.servers.processes):
            self.started.setdefault(index, now)
            if index in self.due:
                if now >= self.due[index]:
                    del self.due[index]
                    new = self.servers.restart(index)
                    self.started[index] = self.clock()
                    logger.warning("Restarted the %s (pid %s).", child_name(index), new.pid)
                continue
            if proc.poll() is None:
                continue
            lived = now - self.started[index]
            failures = 1 if lived >= STABLE_AFTER_S else self.quick_failures.get(index, 0) + 1
            self.quick_failures[index] = failures
            if failures > MAX_QUICK_FAILURES:
                logger.error("The %s exited (code %s) %s times in a row within %.0f s of starting; giving up.",
                             child_name(index), proc.returncode, failures, STABLE_AFTER_S)
                return False
            delay = min(RESTART_MAX_S, RESTART_FIRST_S * 2 ** (failures - 1))
            self.due[index] = now + delay
            logger.error("The %s exited unexpectedly (code %s) after %.0f s; restarting it in %.0f s "
                         "(attempt %s); the other server keeps running.",
                         child_name(index), proc.returncode, lived, delay, failures)
        return True


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Hue assistant (action server + Rasa server)")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # e.g. a channel half configured: say which variable, start nothing
        logger.error("Configuration error: %s", exc)
        return 2
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
            "  Open311: GET %s/open311/v2/requests.json   (docs/reports.md)\n"
            "  Hotline console: %s/webhooks/hotline/   (staff accounts: HOTLINE_USERS, docs/hotline.md)\n"
            "  Channels live: %s\n"
            "%s%s"
            "  Processes: action server pid %s, Rasa server pid %s (a crashed one is restarted)\n"
            "  Stop:   Ctrl-C\n",
            servers.rest_url, servers.action_url, servers.rasa_url, ", ".join(settings.live_channels),
            "  REST token required: Authorization: Bearer <REST_TOKEN or var/rest-token>\n"
            if settings.rest_token() else "",
            "".join(f"  {name.capitalize()} webhook: {servers.webhook_url(name)}\n"
                    for name in settings.live_channels if name not in ("rest", "hotline")),
            servers.processes[0].pid, servers.processes[1].pid,
        )
        supervisor = Supervisor(servers)
        while not stop["now"]:
            if any(p.poll() is not None for p in servers.processes):
                time.sleep(1.0)  # a Ctrl-C reaches the servers too; let our handler see it first
                if stop["now"]:
                    break
            if not supervisor.check():
                return 1
            time.sleep(0.5)
    logger.info("Stopped both servers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
