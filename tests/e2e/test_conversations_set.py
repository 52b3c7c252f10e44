"""The conversation test set (tests/conversations/dev.yml and heldout.yml) end to end over REST on the
real servers: one run of both sets per session, pass rates written to test-output/conversations/.

The floors are regression floors: each is what the code already achieved when it was set (measured,
see the report in tests/conversations/README.md). Raise them when the bot gets better; never lower
them to make a change pass. The issue 11 targets (held-out) are printed beside them.
"""
import json
import time

import pytest

from bot.settings import PROJECT_ROOT
from tests.conversations.report import as_json, failures, measures, table
from tests.conversations.runner import Assistant, ReportStore, run_set
from tests.conversations.spec import SETS, load
from tests.conftest import E2E_RASA_TOKEN

OUT_DIR = PROJECT_ROOT / "test-output" / "conversations"

# (set, measure) → the lowest pass rate accepted: what the code achieved after issue 11's dialogue work,
# less one conversation or turn (measured 2026-12-01 with this test; before that work:
# dev 13/111, held-out 10/57, follow-ups 4/30, emergencies 0/12, cancel + mid-form 1/15, first message
# 42/45 and 17/22). Raise them when the bot gets better; the issue 11 targets are in TARGETS.
FLOORS = {
    # Measured less one conversation or turn (2026-12-01, integ after the third round: convform3,
    # convfollow3, quality3 and speed3 merged; 183 dev / 99 held-out conversations).
    ("dev", "conversations"): 0.95,                    # 176/183
    ("dev", "followup_entry_turns"): 0.96,             # 125/128
    ("dev", "emergency_number_turns"): 0.97,           # 34/34
    ("dev", "cancel_midform_conversations"): 0.93,     # 46/48
    ("heldout", "conversations"): 0.81,                # 82/99
    ("heldout", "followup_entry_turns"): 0.85,         # 58/67  (target 0.85)
    ("heldout", "emergency_number_turns"): 0.90,       # 19/20  (target 1.0)
    ("heldout", "cancel_midform_conversations"): 0.70, # 18/24  (target 0.95)
    ("heldout", "replies_not_empty"): 1.0,             # 285/285 (target 1.0)
    ("dev", "replies_not_empty"): 1.0,                 # 542/542
    ("dev", "first_message_entry"): 0.97,              # 77/78: must not drop
    ("heldout", "first_message_entry"): 0.92,          # 40/42: must not drop
}
# Issue 11 "Done when" (held-out): shown with the floors, asserted once the floors reach them.
TARGETS = {
    "followup_entry_turns": 0.85,
    "emergency_number_turns": 1.0,
    "cancel_midform_conversations": 0.95,
    "replies_not_empty": 1.0,
}


@pytest.fixture(scope="module")
def set_results(servers):
    """Both sets played once against the session's servers (fresh sender per conversation)."""
    assistant = Assistant(servers.rasa_url, token=E2E_RASA_TOKEN)
    store = ReportStore(servers.settings.effective_database_url)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in ("dev", "heldout"):
        start = time.monotonic()
        played = run_set(assistant, load(SETS[name]), domain=PROJECT_ROOT / "domain.yml", store=store,
                         workers=2, prefix=f"e2e-{name}")
        seconds = time.monotonic() - start
        text = table(f"{name} (make test)", played, seconds)
        (OUT_DIR / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (OUT_DIR / f"{name}.json").write_text(json.dumps(as_json(played), ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        if name == "dev":  # never show individual held-out failures
            (OUT_DIR / "dev-failures.txt").write_text(failures(played) + "\n", encoding="utf-8")
        print("\n" + text)
        results[name] = played
    store.close()
    assert assistant.tracker_readable, "the conversation API must be readable with the e2e token"
    return results


@pytest.mark.parametrize("set_name,measure", sorted(FLOORS))
def test_pass_rate_floor(set_results, set_name, measure):
    rate = measures(set_results[set_name])[measure]
    floor = FLOORS[(set_name, measure)]
    target = TARGETS.get(measure)
    assert rate.total > 0, f"{set_name}: nothing measured for {measure}"
    assert rate.value >= floor, (
        f"{set_name} {measure}: {rate} is below the floor {floor:.0%}"
        + (f" (issue 11 target {target:.0%})" if target is not None else "")
        + f"; see test-output/conversations/{set_name}.txt")


def test_every_conversation_was_played(set_results):
    """Nothing silently skipped: every turn not conditional on a form step was sent and checked."""
    for played in set_results.values():
        for result in played:
            for spec_turn, turn in zip(result.conversation.turns, result.turns):
                if spec_turn.when_step is None:
                    assert turn.sent and turn.checks, (result.conversation.id, turn.user)
