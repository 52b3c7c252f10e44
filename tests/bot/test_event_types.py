"""bot/event_types.py: Rasa's event class look-up answers as Rasa's own walk does, walks once per type
name, and still refuses (or defaults) names it does not know."""
import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_extensions


def walked(type_name):
    """Rasa's answer: the first concrete subclass with that type name."""
    return next(cls for cls in rasa.shared.utils.common.all_subclasses(Event) if cls.type_name == type_name)


def test_every_event_type_resolves_to_rasas_class():
    rasa_extensions.install()
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started"} <= names
    for name in sorted(names):
        assert Event.resolve_by_type(name) is walked(name)
        assert Event.resolve_by_type(name) is walked(name)  # remembered: the same class again


def test_a_known_name_no_longer_walks_the_class_tree(monkeypatch):
    rasa_extensions.install()
    Event.resolve_by_type("user")  # remembered from here on

    def no_walk(cls):
        raise AssertionError("walked the Event subclasses again")

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", no_walk)
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("user", default=BotUttered) is UserUttered


def test_unknown_names_keep_rasas_answers():
    rasa_extensions.install()
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert "no_such_event" not in Event.resolve_by_type.found
    with pytest.raises(ValueError):  # a default once given is not remembered as the answer
        Event.resolve_by_type("no_such_event")


def test_a_stored_tracker_loads_the_same_events():
    rasa_extensions.install()
    events = [ActionExecuted("action_listen"), UserUttered("Đại Nội mở cửa mấy giờ?", {"name": "ask_tourism"}),
              SlotSet("knowledge_topic", "tour.dai_noi"), BotUttered("7:00–17:30", {"custom": {"kind": "x"}}),
              ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("u1", events)
    loaded = DialogueStateTracker.from_dict("u1", [e.as_dict() for e in tracker.events])
    assert list(loaded.events) == list(tracker.events)
    assert [type(e) for e in loaded.events] == [type(e) for e in events]
