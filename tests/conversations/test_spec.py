"""The conversation set itself: well formed, honest about the knowledge it names, split as documented."""
import collections
from pathlib import Path

import pytest
import yaml

from tests.conversations import split as splitter
from tests.conversations.spec import CATEGORIES, LANGS, SETS, SpecError, load, parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sets():
    return {name: load(path) for name, path in SETS.items()}


def knowledge_ids():
    return {entry["id"] for path in (ROOT / "knowledge" / "sources").glob("*.yml")
            for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]}


def test_size_and_balance(sets):
    everything = sets["dev"] + sets["heldout"]
    assert len(everything) >= 150 and len(sets["dev"]) >= 100
    assert len({c.id for c in everything}) == len(everything)
    by_lang = collections.Counter(c.lang for c in everything)
    assert set(by_lang) == set(LANGS) and max(by_lang.values()) - min(by_lang.values()) <= len(everything) // 10
    assert set(c.category for c in everything) == set(CATEGORIES)
    assert all(len(c.turns) >= 1 for c in everything)
    assert sum(len(c.turns) >= 2 for c in everything) >= 0.8 * len(everything)  # mostly multi-turn


def test_expected_entries_exist(sets):
    known = knowledge_ids()
    for conversation in sets["dev"] + sets["heldout"]:
        for turn in conversation.turns:
            wanted = turn.expect.get("entry", [])
            for entry_id in wanted if isinstance(wanted, list) else [wanted]:
                assert entry_id in known, (conversation.id, entry_id)


def test_heldout_is_a_stratified_third_and_says_so(sets):
    everything = sets["dev"] + sets["heldout"]
    for category in CATEGORIES:
        for lang in LANGS:
            total = sum(1 for c in everything if (c.category, c.lang) == (category, lang))
            held = sum(1 for c in sets["heldout"] if (c.category, c.lang) == (category, lang))
            assert abs(held - total / 3) <= 1, (category, lang, held, total)
    assert "never tune on individual failures" in SETS["heldout"].read_text(encoding="utf-8").lower()
    # the files are as the split script writes them (one line per message and per expectation)
    assert splitter.dump(splitter.DEV_HEADER, splitter.load_raw([SETS["dev"]])) == SETS["dev"].read_text(encoding="utf-8")
    assert splitter.dump(splitter.HELDOUT_HEADER, splitter.load_raw([SETS["heldout"]])) == \
        SETS["heldout"].read_text(encoding="utf-8")


def test_the_split_is_seeded_and_stratified():
    pool = [{"id": f"c{n:02d}", "category": "cancel" if n % 2 else "followup", "lang": "en", "turns": []}
            for n in range(30)]
    dev, heldout = splitter.split(pool)
    assert len(heldout) == 10 and len(dev) == 20
    assert sum(c["category"] == "cancel" for c in heldout) == 5
    again_dev, again_heldout = splitter.split(list(reversed(pool)))
    assert [c["id"] for c in again_heldout] == [c["id"] for c in heldout]
    assert [c["id"] for c in splitter.split(pool, seed=1)[1]] != [c["id"] for c in heldout]


@pytest.mark.parametrize("conversation,message", [
    ({"id": "x", "lang": "de", "category": "followup", "turns": [{"user": "hi"}]}, "lang must be"),
    ({"id": "x", "lang": "en", "category": "followup", "turns": []}, "no turns"),
    ({"id": "x", "lang": "en", "category": "followup", "turns": [{"user": "hi", "expect": {"entri": "a"}}]},
     "unknown checks"),
    ({"id": "x", "lang": "en", "category": "cancel", "turns": [{"user": "hi", "expect": {"form_step": "where"}}]},
     "unknown form step"),
    ({"id": "x", "lang": "en", "category": "cancel", "turns": [{"user": "hi", "expect": {"form_ended": False}}]},
     "can only be true"),
])
def test_malformed_conversations_are_refused(conversation, message):
    with pytest.raises(SpecError, match=message):
        parse({"conversations": [conversation]})
