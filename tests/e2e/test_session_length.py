"""A long conversation on the real servers: after HUE_SESSION_MAX_TURNS user turns (20) Rasa starts a
new session (bot/session_length.py), the conversation goes on where it was (language and topic carried
over), and an open form is never cut."""
import httpx

from bot.session_length import DEFAULT_MAX_TURNS
from tests.e2e.conftest import E2E_RASA_TOKEN


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def contract(replies):
    [found] = [r["custom"] for r in replies if "custom" in r]
    return found


def tracker(servers, sender):
    response = httpx.get(f"{servers.rasa_url}/conversations/rest:{sender}/tracker",
                         params={"token": E2E_RASA_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def user_turns_in_latest_session(events):
    """The API returns every session's events; count the user turns after the latest start."""
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    return sum(e["event"] == "user" for e in events[starts[-1]:])


def test_a_long_conversation_gets_a_new_session_and_keeps_its_topic_and_language(chat, servers):
    sender = "e2e-long-session"
    questions = ["what time does the imperial city open", "how much is the ticket?", "is it open on sunday"]
    for turn in range(DEFAULT_MAX_TURNS):
        replies = chat(sender, questions[turn % len(questions)])
        assert contract(replies)["entry_id"] == "tour.imperial_city", turn
    assert tracker(servers, sender)["slots"]["knowledge_topic"] == "tour.imperial_city"
    assert user_turns_in_latest_session(tracker(servers, sender)["events"]) == DEFAULT_MAX_TURNS

    # Turn 21: a new session (Rasa loads only it), and a follow-up is still about the topic, in English.
    follow_up = chat(sender, "can I pay by card")
    assert contract(follow_up)["entry_id"] == "tour.imperial_city" and "200,000" in texts(follow_up)[0]
    assert texts(follow_up)[-1] == "Was this helpful?"
    after = tracker(servers, sender)
    assert user_turns_in_latest_session(after["events"]) == 1  # a new session: Rasa loads only it
    assert sum(e["event"] == "session_started" for e in after["events"]) == 2
    assert after["slots"]["language"] == "en"


def test_an_open_report_form_is_not_cut_by_the_session_length(chat, servers):
    sender = "e2e-long-form"
    for turn in range(DEFAULT_MAX_TURNS - 1):
        chat(sender, "xin chào")
    started = chat(sender, "tôi muốn phản ánh đèn đường bị hỏng")  # turn 20 opens the form
    assert tracker(servers, sender)["active_loop"].get("name") == "incident_report_form", texts(started)
    chat(sender, "đèn đường trước số 12 Lê Lợi không sáng")  # turn 21: the form goes on
    state = tracker(servers, sender)
    assert state["active_loop"].get("name") == "incident_report_form"
    assert user_turns_in_latest_session(state["events"]) == DEFAULT_MAX_TURNS + 1  # the same session
