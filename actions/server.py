"""Action server entry point: rasa-sdk's Sanic app with our actions, the Open311 GeoReport v2 routes
(/open311/v2), the staff status endpoint (/staff) and the hotline console's internal API; in the
background it retries report status notices Rasa did not take.

Run: python -m actions.server [--port 5055]
"""
from __future__ import annotations

import argparse
import asyncio
import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions import open311, staff
from actions.hotline_api import hotline_api
from actions.services import Services, install
from bot.settings import Settings

logger = logging.getLogger(__name__)


def open_services(settings: Settings) -> Services:
    """Everything the actions share, opened once (the knowledge index may build on first start)."""
    from knowledge.engine import open_engine

    from actions.store import Store

    return Services(settings=settings,
                    knowledge=open_engine(settings.knowledge_index_dir, model=settings.embedding_model),
                    store=Store(settings.effective_database_url))


def mount_back_office(app: Sanic) -> None:
    """Open311 for the city's systems, the staff status endpoint; both read the installed services."""
    app.blueprint(open311.blueprint())
    app.blueprint(staff.blueprint())


def build_app(settings: Settings) -> Sanic:
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor)
    app.ctx.settings = settings
    mount_back_office(app)
    app.blueprint(hotline_api(settings))

    @app.before_server_start
    async def start_services(app, _loop=None):  # noqa: ANN001 - Sanic listener signature
        loop = asyncio.get_running_loop()
        install(await loop.run_in_executor(None, open_services, settings))
        logger.info("knowledge index loaded")

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
    app = build_app(settings)
    logger.info("action server on http://%s:%s/webhook", args.host, args.port)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
