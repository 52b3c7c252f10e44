"""GET /webhooks/metrics/: the Rasa server's Prometheus metrics (bot/metrics.py), as a Rasa input
channel because a channel is how Rasa lets a module add a route. It takes no messages. Served to
loopback clients only: scrape through a local agent or the load balancer's host (docs/reliability.md).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Awaitable, Callable, Text

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


def from_loopback(request: Request) -> bool:
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:
        return False


class MetricsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "metrics"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("hue_metrics", __name__)

        @bp.route("/", methods=["GET"])
        async def metrics(request: Request) -> HTTPResponse:
            if not from_loopback(request):
                return response.text("metrics are served to loopback clients only\n", status=403)
            return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

        return bp
