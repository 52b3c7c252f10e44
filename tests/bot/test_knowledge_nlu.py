"""bot/knowledge_nlu.py: the generated NLU file matches the knowledge sources (action env)."""
import yaml

from bot.knowledge_nlu import INTENT_BY_CATEGORY, OUTPUT, generate, render
from knowledge.schema import load_entries


def test_generated_file_is_current():
    assert OUTPUT.read_text(encoding="utf-8") == generate(), "run `make nlu-from-knowledge`"


def test_render_labels_by_category_and_skips_taken_examples():
    entries = load_entries()
    first = entries[0]
    taken = {first.vi.questions[0].lower()}
    data = yaml.safe_load(render(entries, taken))
    blocks = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert set(blocks) == set(INTENT_BY_CATEGORY.values())
    assert f"- {first.vi.questions[0]}\n" not in blocks[INTENT_BY_CATEGORY[first.category]]
    assert f"- {first.en.questions[0]}\n" in blocks[INTENT_BY_CATEGORY[first.category]]
