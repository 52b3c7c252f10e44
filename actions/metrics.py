"""Prometheus metrics of the action server, served at GET /metrics (loopback clients only).

Per action: runs, errors and a latency histogram (a measuring ActionExecutor); knowledge answers and
declines by language (read from the answer's custom json, the `knowledge_answer` contract); and,
read from the report store when scraped (so every action-server instance reports the same shared
truth): reports filed per channel and the status-notice outbox (pending / delivered / given up).
The Rasa server's own metrics (turns, turn latency, action-server failures) are in bot/metrics.py.
"""
from __future__ import annotations

import ipaddress
import logging
import time
from typing import Any, Dict, Iterator, Optional

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection
from sanic import Request
from sanic.response import HTTPResponse, raw

from actions import services

logger = logging.getLogger(__name__)

# prometheus_client's default registry: it also carries the process's CPU, memory and GC figures.
ACTION_SECONDS = Histogram("hue_action_seconds", "Time to run one action, by action.", ["action"],
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)
ACTION_ERRORS = Counter("hue_action_errors_total", "Actions that raised (the user got the apology).",
                        ["action"], registry=REGISTRY)
KNOWLEDGE_REPLIES = Counter("hue_knowledge_replies_total", "Knowledge questions answered or declined.",
                            ["outcome", "language"], registry=REGISTRY)
KINDS = {"knowledge_answer": "answered", "knowledge_decline": "declined"}


class MeasuredExecutor(ActionExecutor):
    """rasa-sdk's executor, timing and counting every action it runs."""

    async def run(self, action_call: Dict[str, Any], *args: Any, **kwargs: Any) -> Optional[Any]:
        name = str(action_call.get("next_action") or "unknown")
        start = time.perf_counter()
        try:
            result = await super().run(action_call, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form step declined on purpose: not an error
        except Exception:
            ACTION_ERRORS.labels(name).inc()
            raise
        finally:
            ACTION_SECONDS.labels(name).observe(time.perf_counter() - start)
        for response in (result.responses if result is not None else []):
            custom = response.get("custom") or {}
            outcome = KINDS.get(custom.get("kind")) if isinstance(custom, dict) else None
            if outcome:
                language = custom.get("language") or (action_call.get("tracker") or {}).get(
                    "slots", {}).get("language") or "vi"
                KNOWLEDGE_REPLIES.labels(outcome, language if language in ("vi", "en") else "other").inc()
        return result


class StoreCollector:
    """Reports filed and the notice outbox, counted by the database at scrape time."""

    def collect(self) -> Iterator[Any]:
        from sqlalchemy import func, select

        from actions.models import Report

        up = GaugeMetricFamily("hue_report_store_up", "1 when the report store answered this scrape.")
        try:
            store = services.current().store
            with store.session() as session:
                per_channel = session.execute(select(Report.channel, func.count()).group_by(Report.channel)).all()
            outbox = store.notification_counts()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when the database does not
            logger.warning("metrics: report store unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        filed = CounterMetricFamily("hue_reports_filed", "Reports stored, by the channel they came from.",
                                    labels=["channel"])
        for channel, count in per_channel:
            filed.add_metric([channel or "unknown"], count)
        yield filed
        backlog = GaugeMetricFamily("hue_report_notices", "Status notices in the outbox, by state "
                                    "(pending is the backlog still to deliver).", labels=["state"])
        for state, count in outbox.items():
            backlog.add_metric([state], count)
        yield backlog


REGISTRY.register(StoreCollector())


def from_loopback(request: Request) -> bool:
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> HTTPResponse:
    """GET /metrics in Prometheus' text format; refused to anything but loopback (docs/reliability.md)."""
    if not from_loopback(request):
        return raw(b"metrics are served to loopback clients only\n", status=403)
    return raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
