"""Side by side, in one process: the parts of a turn issue 14's profile (bench/profile_turn.py) named,
each as stock Rasa / main did it and as the assistant does it now, interleaved, with the results
checked equal.

PYTHONPATH=. .venv-rasa/bin/python bench/turn_parts.py [--rounds 5] [--model models/hue-assistant.tar.gz]

- tracker load: `DialogueStateTracker.from_dict` of a 20-turn knowledge session as the SQL tracker
  store loads it, with Rasa's event class walk per event vs bot/event_types.py (the class remembered
  per type name); the loaded events must be equal.
- dialogue prediction: the policies' prediction (Memoization, Rule, TED of the trained model) after a
  knowledge question at turn 10 of a session, with Rasa's replay of the tracker per policy call vs
  bot/past_states.py (replayed once per prediction); the predicted action and probabilities must be
  equal.
- NLU classifier row: the knowledge questions' sentence features as the classifier's input row, built
  with scipy's hstack of an empty dense block (main) vs the sparse features alone (bot/nlu.py now),
  and the classifier's probabilities for both rows, which must be identical.
Prints the median over the rounds of the per-call time (µs) and the ratio.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Rasa's own look-up, taken before anything of ours can replace it.
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered  # noqa: E402

from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

RASA_RESOLVE = Event.__dict__["resolve_by_type"].__func__
RASA_PAST_STATES = DialogueStateTracker.past_states


def session_events(turns: int = 20) -> List[Dict[str, Any]]:
    """A knowledge session as stored: session start, then per turn the user message (with its parse
    data), the answer action, one bot message with buttons and custom json, a slot, action_listen."""
    events: List[Event] = [ActionExecuted("action_session_start"), SessionStarted(),
                           SlotSet("language", "vi"), ActionExecuted("action_listen")]
    for turn in range(turns):
        intent = {"name": "ask_procedure", "confidence": 0.91}
        parse = {"intent": intent, "entities": [], "text": f"làm căn cước công dân ở đâu {turn}",
                 "intent_ranking": [intent, {"name": "ask_city_service", "confidence": 0.05}], "language": "vi"}
        events += [UserUttered(parse["text"], intent, [], parse, input_channel="rest"),
                   ActionExecuted("action_answer_from_knowledge", policy="RulePolicy", confidence=1.0),
                   BotUttered("Bạn làm căn cước tại công an phường.", {
                       "buttons": [{"title": "Phí bao nhiêu?", "payload": "/ask_followup"}],
                       "custom": {"kind": "knowledge_answer", "entry_id": "proc.cccd", "score": 0.8}}),
                   SlotSet("knowledge_topic", f"proc.cccd.{turn % 3}"),
                   ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0)]
    return [event.as_dict() for event in events]


def timed(function: Callable[[], Any], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1e6


def tracker_load(rounds: int) -> Dict[str, List[float]]:
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.event_types import remembering

    stored = session_events()
    remembered = remembering(RASA_RESOLVE)
    variants = {"Rasa's walk per event": RASA_RESOLVE, "remembered (bot/event_types.py)": remembered}
    loaded = {}
    times: Dict[str, List[float]] = {name: [] for name in variants}
    for number in range(rounds):
        for name in (list(variants) if number % 2 == 0 else list(variants)[::-1]):
            Event.resolve_by_type = staticmethod(variants[name])  # type: ignore[method-assign]
            try:
                times[name].append(timed(lambda: DialogueStateTracker.from_dict("u", stored), 50))
                loaded[name] = list(DialogueStateTracker.from_dict("u", stored).events)
            finally:
                Event.resolve_by_type = staticmethod(RASA_RESOLVE)  # type: ignore[method-assign]
    first, second = loaded.values()
    assert first == second and len(first) == len(stored), "the loaded events differ"
    return times


def prediction(agent: Any, rounds: int) -> Dict[str, List[float]]:
    from bot.past_states import remembering

    domain = agent.domain
    tracker = DialogueStateTracker("u", domain.slots)
    for event in DialogueStateTracker.from_dict("u", session_events(10)).events:
        tracker.update(event, domain)
    tracker.update(UserUttered("phí bao nhiêu?", {"name": "ask_followup", "confidence": 0.8}), domain)
    variants = {"replayed per policy call (Rasa)": RASA_PAST_STATES,
                "replayed once per prediction (now)": remembering(RASA_PAST_STATES)}
    predicted = {}

    def predict() -> Any:
        tracker.__dict__.pop("_hue_past_states", None)  # each prediction follows a new event
        return agent.processor._predict_next_with_tracker(tracker)

    times: Dict[str, List[float]] = {name: [] for name in variants}
    try:
        for number in range(rounds):
            for name in (list(variants) if number % 2 == 0 else list(variants)[::-1]):
                DialogueStateTracker.past_states = variants[name]  # type: ignore[method-assign]
                times[name].append(timed(predict, 20))
                result = predict()
                predicted[name] = (result.policy_name, list(result.probabilities))
    finally:
        DialogueStateTracker.past_states = variants["replayed once per prediction (now)"]  # as installed
    first, second = predicted.values()
    assert first == second, "the predictions differ"
    print(f"dialogue prediction: {first[0]}, same prediction both ways")
    return times


captured: List[Any] = []  # the messages the classifier was given, and the classifier
classifier: List[Any] = []


def capture_classifier_input() -> None:
    """Before the model loads (the graph keeps the bound method): record what the classifier gets."""
    from bot.nlu import TfidfLogisticRegressionClassifier

    original = TfidfLogisticRegressionClassifier.process

    def capture(self, messages):  # noqa: ANN001
        classifier[:] = [self]
        captured.extend(messages)
        return original(self, messages)

    TfidfLogisticRegressionClassifier.process = capture  # type: ignore[method-assign]


def classifier_rows(agent: Any, rounds: int) -> Dict[str, List[float]]:
    import numpy as np
    from rasa.shared.nlu.constants import TEXT
    from scipy.sparse import csr_matrix, hstack

    from bench.stock_vs_assistant import knowledge_entries
    from bot.nlu import TfidfLogisticRegressionClassifier

    captured.clear()
    questions = [q.strip() for e in knowledge_entries(0) for q in e["vi"]["questions"] + e.get("en", {}).get("questions", [])]

    async def parse_all() -> None:
        for text in questions:
            await agent.parse_message(text)

    asyncio.run(parse_all())

    def hstack_row(message: Any) -> Any:  # main's row: sparse and an empty dense block stacked
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        return hstack([csr_matrix(sparse.features if sparse else []), csr_matrix(dense.features if dense else [])])

    new_row = TfidfLogisticRegressionClassifier._features_row
    clf = classifier[0].clf
    messages = [m for m in captured if new_row(m) is not None]
    for message in messages:
        old, new = hstack_row(message), new_row(message)
        assert old.dtype == new.dtype and old.shape == new.shape and (old != new).nnz == 0, message.get(TEXT)
        assert np.array_equal(clf.predict_proba(old), clf.predict_proba(new)), message.get(TEXT)
    variants = {"hstack with an empty dense block (main)": hstack_row, "sparse features alone (now)": new_row}
    times: Dict[str, List[float]] = {name: [] for name in variants}
    for number in range(rounds):
        for name in (list(variants) if number % 2 == 0 else list(variants)[::-1]):
            build = variants[name]
            times[name].append(timed(lambda: [build(m) for m in messages], 3) / len(messages))
    print(f"classifier rows: {len(messages)} knowledge questions, rows and probabilities identical")
    return times


def report(title: str, times: Dict[str, List[float]]) -> None:
    (before, before_times), (after, after_times) = times.items()
    b, a = statistics.median(before_times), statistics.median(after_times)
    print(f"{title}:\n  {before:45} {b:9.1f} µs\n  {after:45} {a:9.1f} µs   ({a / b:.2f}×)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hue-assistant.tar.gz")
    args = parser.parse_args()
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(None, warn_only_once=True, filter_repeated_logs=True)  # as `rasa run`
    configure_structlog(None)
    report("tracker load, 20-turn session (DialogueStateTracker.from_dict)", tracker_load(args.rounds))
    from rasa.core.agent import Agent

    capture_classifier_input()
    agent = Agent.load(str(args.model))
    report("dialogue prediction after a question, turn 10 of a session", prediction(agent, args.rounds))
    report("NLU classifier input row, per message", classifier_rows(agent, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
