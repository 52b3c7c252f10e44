"""Action server entry point: rasa-sdk's Sanic app with our actions, the Open311 GeoReport v2 routes
(/open311/v2), the staff status endpoint (/staff), the hotline console's internal API and Prometheus
metrics (/metrics, actions/metrics.py); in the
background it retries report status notices Rasa did not take.

Run: python -m actions.server [--port 5055]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.response import json as json_response

from actions import metrics, open311, staff
from actions.hotline_api import hotline_api
from actions.services import Services, install, installed
from bot.privacy import redact_in_logs
from bot.settings import Settings, private_dir

logger = logging.getLogger(__name__)

# The action server's request limits, all in this one place (Sanic answers 413 before any handler
# runs). Rasa posts whole trackers to /webhook, so the body limit is generous; Open311, the staff
# endpoint and the hotline API each refuse far smaller bodies themselves.
REQUEST_LIMITS = {"REQUEST_MAX_SIZE": 16 * 1024 * 1024, "REQUEST_MAX_HEADER_SIZE": 8 * 1024}


def open_services(settings: Settings) -> Services:
    """Everything the actions share, opened once (the knowledge index may build on first start)."""
    from knowledge.engine import open_engine

    from actions.question_log import QuestionLog
    from actions.store import Store

    store = Store(settings.effective_database_url)
    return Services(settings=settings,
                    knowledge=open_engine(settings.knowledge_index_dir, model=settings.embedding_model),
                    store=store, question_log=QuestionLog(store, settings.question_log_batch_s))


def mount_back_office(app: Sanic) -> None:
    """Open311 for the city's systems, the staff status endpoint; both read the installed services."""
    app.blueprint(open311.blueprint())
    app.blueprint(staff.blueprint())


def build_app(settings: Settings, opened: Optional[Services] = None) -> Sanic:
    """The app; with `opened` services it serves them at once, else it opens them before serving."""
    executor = metrics.MeasuredExecutor()
    executor.register_package("actions")
    app = create_app(executor)
    app.add_route(metrics.metrics, "/metrics", methods=["GET"], name="metrics")
    app.config.update(REQUEST_LIMITS)

    # rasa-sdk's app-wide handler answers every exception with a 500 that echoes the request body:
    # an unknown route (GET /open311/v2/requests.xml), a wrong method, a body Sanic cannot parse or
    # one over the limits are the client's errors, so they keep their own 4xx status.
    @app.exception(SanicException)
    async def client_error(request, error: SanicException):  # noqa: ANN001 - Sanic handler signature
        if error.status_code >= 500:
            logger.error("%s %s failed: %s", request.method, request.path, type(error).__name__)
            return json_response({"error": "internal error; the cause is in the server log"}, status=500)
        return json_response({"error": str(error) or type(error).__name__}, status=error.status_code)
    app.ctx.settings = settings
    mount_back_office(app)
    app.blueprint(hotline_api(settings))

    if opened is not None:
        install(opened)
    else:
        @app.before_server_start
        async def start_services(app, _loop=None):  # noqa: ANN001 - Sanic listener signature
            loop = asyncio.get_running_loop()
            install(await loop.run_in_executor(None, open_services, settings))
            logger.info("knowledge index loaded")

    @app.after_server_stop
    async def close_services(app, _loop=None):  # noqa: ANN001 - Sanic listener signature
        # A clean stop (SIGTERM, Ctrl-C) writes the queued question-log lines before the process ends.
        services = installed()
        if services is not None:
            await asyncio.get_running_loop().run_in_executor(None, services.close)

    @app.after_server_start
    async def start_notice_retries(app, _loop=None):  # noqa: ANN001 - Sanic listener signature
        app.add_task(staff.retry_notifications_forever(settings.notice_retry_s), name="report-notice-retries")

    return app


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description="Hue assistant action server")
    parser.add_argument("--host", default=settings.action_host)
    parser.add_argument("--port", type=int, default=settings.action_port)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    private_dir(settings.var_dir)  # owner-only var/ (and umask 077 for what this process creates)
    redact_in_logs(settings.known_secrets())  # no secret or phone number in any log line
    # Opened before the port listens (Sanic listens before its start-up listeners run): while the
    # index loads, Rasa's calls are refused at once, so the user hears the apology with the hotline
    # (bot/action_fallback.py) instead of waiting in the socket's queue.
    opened = open_services(settings)
    logger.info("knowledge index loaded")
    app = build_app(settings, opened)
    logger.info("action server on http://%s:%s/webhook", args.host, args.port)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
