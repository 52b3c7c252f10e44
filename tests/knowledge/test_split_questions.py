import json

import pytest

from knowledge.split_questions import add, split


def _rows(n, lang="vi", topic="proc.passport"):
    return [{"q": f"{lang} câu hỏi {i}", "lang": lang, "topic": topic} for i in range(n)]


def test_a_seeded_third_of_each_stratum_is_held_out():
    rows = _rows(9) + _rows(6, "en") + _rows(3, "vi-nodiac", None)
    dev, held = split(rows)
    assert len(held) == 3 + 2 + 1 and len(dev) == len(rows) - len(held)
    assert {r["q"] for r in dev}.isdisjoint(r["q"] for r in held)
    assert sum(r["lang"] == "en" for r in held) == 2
    assert split(rows) == (dev, held)
    assert split(rows, seed=7) != (dev, held) or split(rows, seed=8) != (dev, held)


def test_the_split_does_not_depend_on_input_order():
    rows = _rows(12)
    _, held = split(rows)
    _, held_reversed = split(list(reversed(rows)))
    assert {r["q"] for r in held} == {r["q"] for r in held_reversed}


def test_add_appends_and_refuses_lines_already_there(tmp_path):
    new, dev, held = tmp_path / "new.jsonl", tmp_path / "dev.jsonl", tmp_path / "held.jsonl"
    new.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in _rows(6)), encoding="utf-8")
    assert add(new, dev, held) == (4, 2)
    before = dev.read_text(encoding="utf-8"), held.read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        add(new, dev, held)
    assert (dev.read_text(encoding="utf-8"), held.read_text(encoding="utf-8")) == before
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"q": "câu mới", "lang": "en", "topic": None}), encoding="utf-8")
    add(more, dev, held)
    assert dev.read_text(encoding="utf-8").startswith(before[0])
    assert held.read_text(encoding="utf-8").startswith(before[1])
