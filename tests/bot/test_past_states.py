"""bot/past_states.py: a tracker's past states are replayed once while its events stay the same, give
the same states as Rasa's replay, are computed anew after any new event or with other arguments, and a
caller's edits to them never reach the next caller."""
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_extensions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def conversation(domain):
    tracker = DialogueStateTracker("u1", domain.slots)
    for event in [ActionExecuted("action_listen"),
                  UserUttered("lam can cuoc o dau", {"name": "ask_procedure", "confidence": 0.9}),
                  ActionExecuted("action_answer_from_knowledge"), BotUttered("Công an phường."),
                  SlotSet("knowledge_topic", "proc.cccd"), ActionExecuted("action_listen"),
                  UserUttered("phí bao nhiêu?", {"name": "ask_followup", "confidence": 0.8},
                              [{"entity": "language", "value": "vi"}])]:
        tracker.update(event, domain)
    return tracker


def replayed(tracker, domain, **arguments):
    """Rasa's own replay, which past_states calls."""
    return domain.states_for_tracker_history(tracker, **arguments)


def test_same_states_as_rasa_and_replayed_once(domain, monkeypatch):
    rasa_extensions.install()
    tracker = conversation(domain)
    first = tracker.past_states(domain)
    assert first == replayed(tracker, domain) and len(first) >= 3

    def no_replay(*args, **kwargs):
        raise AssertionError("replayed the tracker again")

    monkeypatch.setattr(Domain, "states_for_tracker_history", no_replay)
    assert tracker.past_states(domain) == first  # kept: no replay


def test_a_callers_edits_do_not_reach_the_next_caller(domain):
    rasa_extensions.install()
    tracker = conversation(domain)
    states = tracker.past_states(domain)
    expected = replayed(tracker, domain)
    del states[-1]["user"]["intent"]  # as the featurizers do to the last user state
    states[1]["prev_action"]["action_name"] = "edited"
    assert tracker.past_states(domain) == expected


def test_new_events_and_other_arguments_replay_again(domain):
    rasa_extensions.install()
    tracker = conversation(domain)
    before = tracker.past_states(domain)
    tracker.update(ActionExecuted("action_answer_from_knowledge"), domain)
    after = tracker.past_states(domain)
    assert after == replayed(tracker, domain) and len(after) == len(before) + 1
    rule_only = {"slots": [], "active_loops": []}
    assert tracker.past_states(domain, ignore_rule_only_turns=True, rule_only_data=rule_only) == replayed(
        tracker, domain, ignore_rule_only_turns=True, rule_only_data=rule_only)
    assert tracker.past_states(domain, omit_unset_slots=True) == replayed(tracker, domain, omit_unset_slots=True)
    other = Domain.load(str(ROOT / "domain.yml"))  # another domain object: replayed for it
    assert tracker.past_states(other) == replayed(tracker, other)


def test_a_copied_tracker_replays_its_own_events(domain):
    rasa_extensions.install()
    tracker = conversation(domain)
    tracker.past_states(domain)
    copied = tracker.copy()
    copied.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}), domain)
    assert copied.past_states(domain) == replayed(copied, domain)
    assert tracker.past_states(domain) == replayed(tracker, domain)


def test_both_policies_argument_sets_are_kept(domain, monkeypatch):
    """MemoizationPolicy and TEDPolicy ask with rule-only turns ignored, RulePolicy without, in turn:
    each set is replayed once per prediction."""
    rasa_extensions.install()
    tracker = conversation(domain)
    rule_only = {"rule_only_slots": [], "rule_only_loops": ["action_two_stage_fallback"]}
    ml = tracker.past_states(domain, ignore_rule_only_turns=True, rule_only_data=rule_only)
    rules = tracker.past_states(domain, rule_only_data=rule_only)
    replays = []
    monkeypatch.setattr(Domain, "states_for_tracker_history",
                        lambda *args, **kwargs: replays.append(args) or [])
    assert tracker.past_states(domain, rule_only_data=rule_only) == rules
    assert tracker.past_states(domain, ignore_rule_only_turns=True, rule_only_data=rule_only) == ml
    assert replays == []
