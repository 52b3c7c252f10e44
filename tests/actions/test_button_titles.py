"""Every button title the assistant can show fits a phone: ≤ 25 characters in domain.yml's responses
and in the buttons the actions make (literal titles, report categories and fields, knowledge part,
"more" and topic buttons for every entry)."""
import re
from pathlib import Path

import yaml

from actions.knowledge_answer import BUTTON_TITLE_MAX, short_title
from actions.report_form import FIELD_LABELS
from actions.reports import category_buttons
from bot.settings import HOTLINE
from knowledge.aspects import LABELS
from knowledge.schema import load_entries

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r'"title":\s*pick\(language,\s*f?"([^"]+)",\s*f?"([^"]+)"\)')


def domain_titles():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain.get("responses", {}).items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                yield name, button["title"]


def test_domain_response_buttons_fit_a_phone():
    titles = list(domain_titles())
    assert len(titles) >= 10
    too_long = [(name, title) for name, title in titles if len(title) > BUTTON_TITLE_MAX]
    assert not too_long


def test_action_buttons_fit_a_phone():
    titles = []
    for path in sorted((ROOT / "actions").glob("*.py")):
        for vi, en in LITERAL.findall(path.read_text(encoding="utf-8")):
            titles += [vi.replace("{HOTLINE}", HOTLINE), en.replace("{HOTLINE}", HOTLINE)]
    assert len(titles) >= 10  # the pattern still finds the actions' literal titles
    titles += [b["title"] for language in ("vi", "en") for b in category_buttons(language)]
    titles += [label for pair in FIELD_LABELS.values() for label in pair]
    titles += [label for pair in LABELS.values() for label in pair] + ["Xem thêm", "More"]
    assert not [t for t in titles if len(t) > BUTTON_TITLE_MAX]


def test_topic_buttons_for_every_entry_fit_and_stay_readable():
    for entry in load_entries():
        for language in ("vi", "en"):
            title = short_title(entry.block(language).title)
            assert 3 <= len(title) <= BUTTON_TITLE_MAX, (entry.id, title)
