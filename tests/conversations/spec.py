"""The conversation test set: reading and validating dev.yml / heldout.yml (format in README.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import yaml

HERE = Path(__file__).resolve().parent
SETS = {"dev": HERE / "dev.yml", "heldout": HERE / "heldout.yml"}

LANGS = ("vi", "vi_nodiac", "en")
CATEGORIES = ("followup", "cancel", "midform", "service_question", "emergency", "language", "report")
# Form steps by their user-facing names, and the form's slot each one fills (the form's contract).
STEP_SLOTS = {
    "category": "incident_category", "description": "incident_description", "location": "incident_location",
    "photo": "incident_photo_step", "phone": "incident_phone", "confirm": "incident_confirmation",
    "duplicate": "incident_duplicate_choice",
}
REPLY_LANGS = ("vi", "en", "fr", "ko", "ja", "zh")
CHECKS = {
    "entry": "the knowledge entry answered (an id or a list of acceptable ids)",
    "says_any": "some reply contains one of these strings",
    "first_says_any": "the first text reply of the turn contains one of these strings",
    "says_none": "no reply contains any of these strings",
    "form_step": "the report form asks this step (or one of these steps) last",
    "form_ended": "the report form is no longer running and asks nothing",
    "no_report": "no report form runs or asks, and nothing is stored for this conversation",
    "tracking_code": "a tracking code HUE-YYYY-NNNNNN is given and stored for this conversation",
    "place_excludes": "the stored place of this conversation's report does not contain these digits",
    "reply_lang": "every reply is in this language (a list: each of these languages appears)",
}


class SpecError(ValueError):
    pass


@dataclass
class Turn:
    user: str
    expect: Dict[str, Any] = field(default_factory=dict)
    when_step: Optional[str] = None  # send this message only if the form asks this step now


@dataclass
class Conversation:
    id: str
    lang: str
    category: str
    turns: List[Turn]

    @property
    def reply_language(self) -> str:
        return "vi" if self.lang.startswith("vi") else "en"


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_expect(where: str, expect: Mapping[str, Any]) -> None:
    unknown = set(expect) - set(CHECKS)
    if unknown:
        raise SpecError(f"{where}: unknown checks {sorted(unknown)} (known: {sorted(CHECKS)})")
    for step in _as_list(expect.get("form_step", [])):
        if step not in STEP_SLOTS:
            raise SpecError(f"{where}: unknown form step {step!r}")
    for language in _as_list(expect.get("reply_lang", [])):
        if language not in REPLY_LANGS:
            raise SpecError(f"{where}: unknown reply language {language!r}")
    for key in ("form_ended", "no_report", "tracking_code"):
        if key in expect and expect[key] is not True:
            raise SpecError(f"{where}: {key} can only be true")
    for key in ("says_any", "first_says_any", "says_none"):
        if key in expect and not all(isinstance(s, str) and s for s in _as_list(expect[key])):
            raise SpecError(f"{where}: {key} needs strings")


def parse(data: Mapping[str, Any], source: str = "<set>") -> List[Conversation]:
    conversations: List[Conversation] = []
    seen = set()
    for raw in data.get("conversations") or []:
        cid = raw.get("id")
        if not cid or cid in seen:
            raise SpecError(f"{source}: missing or repeated id {cid!r}")
        seen.add(cid)
        if raw.get("lang") not in LANGS or raw.get("category") not in CATEGORIES:
            raise SpecError(f"{source}:{cid}: lang must be one of {LANGS}, category one of {CATEGORIES}")
        turns = []
        for n, turn in enumerate(raw.get("turns") or [], 1):
            if not isinstance(turn.get("user"), str) or not turn["user"].strip():
                raise SpecError(f"{source}:{cid} turn {n}: `user` text is required")
            expect = dict(turn.get("expect") or {})
            _check_expect(f"{source}:{cid} turn {n}", expect)
            when = turn.get("when_step")
            if when is not None and when not in STEP_SLOTS:
                raise SpecError(f"{source}:{cid} turn {n}: unknown when_step {when!r}")
            turns.append(Turn(user=turn["user"], expect=expect, when_step=when))
        if not turns:
            raise SpecError(f"{source}:{cid}: no turns")
        conversations.append(Conversation(id=cid, lang=raw["lang"], category=raw["category"], turns=turns))
    return conversations


def load(path: Path) -> List[Conversation]:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path.name)


def load_sets(names: Sequence[str]) -> Dict[str, List[Conversation]]:
    return {name: load(SETS[name]) for name in names}
