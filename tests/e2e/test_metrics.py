"""Prometheus metrics from both processes (bot/metrics.py via channels/metrics.py, actions/metrics.py):
the counters move with a real conversation and a real Open311 report."""
import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import E2E_OPEN311_KEY


def scrape(url):
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_move_after_a_conversation(servers, chat):
    rasa_metrics, action_metrics = f"{servers.rasa_url}/webhooks/metrics/", f"{servers.action_url}/metrics"
    rasa_before, actions_before = scrape(rasa_metrics), scrape(action_metrics)

    chat("e2e-metrics", "what time does the imperial city open")  # answered
    chat("e2e-metrics", "who won the football world cup in 1998")  # declined, or out of scope
    filed = httpx.post(f"{servers.action_url}/open311/v2/requests.json", timeout=30, data={
        "api_key": E2E_OPEN311_KEY, "service_code": "waste", "address_string": "12 Lê Lợi",
        "description": "Rác chưa thu gom"})
    assert filed.status_code == 200, filed.text

    rasa_after, actions_after = scrape(rasa_metrics), scrape(action_metrics)
    assert value(rasa_after, "hue_turns_total", channel="rest") - value(rasa_before, "hue_turns_total", channel="rest") == 2
    assert value(rasa_after, "hue_turn_seconds_count", channel="rest") >= value(rasa_before, "hue_turn_seconds_count",
                                                                                 channel="rest") + 2
    assert value(rasa_after, "hue_turn_seconds_sum", channel="rest") > value(rasa_before, "hue_turn_seconds_sum",
                                                                              channel="rest")
    answered = ("hue_knowledge_replies_total", {"outcome": "answered", "language": "en"})
    assert value(actions_after, answered[0], **answered[1]) == value(actions_before, answered[0], **answered[1]) + 1
    runs = ("hue_action_seconds_count", {"action": "action_answer_from_knowledge"})
    assert value(actions_after, runs[0], **runs[1]) >= value(actions_before, runs[0], **runs[1]) + 1
    filed_total = ("hue_reports_filed_total", {"channel": "open311"})
    assert value(actions_after, *filed_total[:1], **filed_total[1]) == value(actions_before, filed_total[0],
                                                                              **filed_total[1]) + 1
    assert value(actions_after, "hue_report_store_up") == 1
    assert ("hue_report_notices", (("state", "pending"),)) in actions_after  # the outbox backlog
