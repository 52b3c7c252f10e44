"""What a turn of a conversation showed (replies, and the tracker where the Rasa API is open) and the
checks of the set's `expect:` against it. Pure functions: no HTTP here (runner.py talks to the bot).

Form steps are recognised without depending on wording where the bot gives structure:
  1. a custom json `{"kind": "form_step", "step": ...}` (proposed contract; used as soon as it exists),
  2. the location question's custom `{"kind": "ask_location"}`,
  3. category buttons (payloads carrying `incident_category`), confirm buttons (`/affirm` + more),
  4. the text of domain.yml's `utter_ask_incident_*` responses, read when the run starts,
  5. otherwise, a question (a `?` or buttons) sent while the tracker's `requested_slot` names the step.
The tracker, when readable, must also agree: the form is active and waits for that step's slot.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import yaml

from tests.conversations.langid import language_of, languages_of_lines
from tests.conversations.spec import STEP_SLOTS, Turn

FORM = "incident_report_form"
CODE_RE = re.compile(r"\bHUE-\d{4}-\d{6}\b")
SLOT_STEPS = {slot: step for step, slot in STEP_SLOTS.items()}
_SKIP_PAYLOADS = {"skip", "bo qua", "xong", "done", "/skip"}


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: for comparing texts whose wording may shift a little."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", text))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").casefold()


class StepReader:
    """Tells which form step a bot message asks, from the domain's ask responses and message structure."""

    def __init__(self, ask_texts: Mapping[str, Sequence[str]]):
        self._asks = [(step, fold(text)) for step, texts in ask_texts.items() for text in texts if fold(text)]

    @classmethod
    def from_domain(cls, domain_path: Path) -> "StepReader":
        domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
        asks: Dict[str, List[str]] = {}
        for name, variants in (domain.get("responses") or {}).items():
            slot = name[len("utter_ask_"):] if name.startswith("utter_ask_") else None
            if slot in SLOT_STEPS:
                asks.setdefault(SLOT_STEPS[slot], []).extend(v.get("text") or "" for v in variants or [])
        return cls(asks)

    def _by_text(self, text: str) -> Optional[str]:
        folded = fold(text)
        if not folded:
            return None
        best, best_ratio = None, 0.0
        for step, ask in self._asks:
            if folded == ask or (len(ask) > 20 and ask in folded):
                return step
            ratio = difflib.SequenceMatcher(None, folded, ask).ratio()
            if ratio > best_ratio:
                best, best_ratio = step, ratio
        return best if best_ratio >= 0.8 else None

    def step_of(self, message: Mapping[str, Any], requested_slot: Optional[str]) -> Optional[str]:
        custom = message.get("custom") or {}
        if isinstance(custom, dict):
            if custom.get("kind") == "form_step" and custom.get("step"):
                step = str(custom["step"])
                return SLOT_STEPS.get(step, step)
            if custom.get("kind") == "ask_location":
                return "location"
        payloads = [str(b.get("payload") or "") for b in message.get("buttons") or []]
        if any("incident_category" in p for p in payloads):
            return "category"
        if any("edit_field" in p for p in payloads):
            return "confirm"  # the "what would you like to change" menu of the summary
        by_text = self._by_text(message.get("text") or "")
        if by_text:
            return by_text
        if "/affirm" in payloads:
            return "duplicate" if len(payloads) == 2 and "/deny" in payloads else "confirm"
        if any(fold(p) in _SKIP_PAYLOADS for p in payloads):
            if requested_slot in (STEP_SLOTS["photo"], STEP_SLOTS["phone"]):
                return SLOT_STEPS[requested_slot]
            return "photo" if re.search(r"\b(anh|photo|photos|picture)\b", fold(message.get("text") or "")) else "phone"
        return None


@dataclass
class Observation:
    """What one user message got back."""
    replies: List[Dict[str, Any]]
    tracker: Optional[Dict[str, Any]] = None          # after the turn, when the Rasa API is readable
    tracker_before: Optional[Dict[str, Any]] = None   # before the turn
    stored: Optional[List[Dict[str, Any]]] = None     # this conversation's reports, when the store is readable
    error: Optional[str] = None                       # an HTTP failure instead of replies
    asked_step: Optional[str] = None

    @property
    def texts(self) -> List[str]:
        return [r["text"] for r in self.replies if isinstance(r.get("text"), str) and r["text"].strip()]

    @property
    def button_titles(self) -> List[str]:
        return [str(b.get("title") or "") for r in self.replies for b in r.get("buttons") or []]

    @property
    def entries(self) -> List[str]:
        return [r["custom"].get("entry_id") for r in self.replies
                if isinstance(r.get("custom"), dict) and r["custom"].get("kind") == "knowledge_answer"]

    @property
    def codes(self) -> List[str]:
        return sorted(set(CODE_RE.findall(" ".join(self.texts))))

    @property
    def requested_slot(self) -> Optional[str]:
        return ((self.tracker or {}).get("slots") or {}).get("requested_slot") if self.tracker else None

    @property
    def form_active(self) -> bool:
        if self.tracker is not None:
            return ((self.tracker.get("active_loop") or {}).get("name")) == FORM
        return self.asked_step is not None


def read_step(reader: StepReader, replies: Sequence[Mapping[str, Any]], tracker: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The form step the turn's replies ask last, or None."""
    requested = ((tracker or {}).get("slots") or {}).get("requested_slot") if tracker else None
    form_active = tracker is not None and ((tracker.get("active_loop") or {}).get("name")) == FORM
    step = None
    for message in replies:
        step = reader.step_of(message, requested) or step
    if step is None and form_active and requested in SLOT_STEPS and replies:
        last = replies[-1]
        payloads = [str(b.get("payload") or "") for b in last.get("buttons") or []]
        is_feedback = any(p.startswith("/feedback") for p in payloads)
        asks = (last.get("text") or "").rstrip().endswith("?") or bool(payloads)
        if asks and not is_feedback and not isinstance(last.get("custom"), dict):
            step = SLOT_STEPS[requested]
    return step


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


def _contains_any(texts: Iterable[str], needles: Sequence[str]) -> bool:
    haystack = normalize(" \n ".join(texts))
    return any(normalize(n) in haystack for n in needles)


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _short(texts: Sequence[str], limit: int = 160) -> str:
    joined = " | ".join(t.replace("\n", " ") for t in texts)
    return joined if len(joined) <= limit else joined[:limit] + "…"


def check_turn(turn: Turn, seen: Observation, conversation_language: str) -> List[CheckResult]:
    """Every check of the turn, plus the implicit ones: a reply is given (never empty, never an HTTP
    error) and its language is the conversation's (unless the turn says which language)."""
    results: List[CheckResult] = []
    if seen.error:
        return [CheckResult("not_empty", False, seen.error)]
    results.append(CheckResult("not_empty", bool(seen.texts), "" if seen.texts else f"replies: {seen.replies}"))
    expect = turn.expect

    if "entry" in expect:
        wanted = _as_list(expect["entry"])
        got = seen.entries
        results.append(CheckResult("entry", bool(got) and got[0] in wanted, f"answered {got or 'no entry'}"))
    if "says_any" in expect:
        results.append(CheckResult("says_any", _contains_any(seen.texts, _as_list(expect["says_any"])),
                                   _short(seen.texts)))
    if "first_says_any" in expect:
        first = seen.texts[:1]
        results.append(CheckResult("first_says_any", _contains_any(first, _as_list(expect["first_says_any"])),
                                   _short(first)))
    if "says_none" in expect:
        results.append(CheckResult("says_none", not _contains_any(seen.texts, _as_list(expect["says_none"])),
                                   _short(seen.texts)))
    if "form_step" in expect:
        wanted = _as_list(expect["form_step"])
        ok = seen.asked_step in wanted
        if ok and seen.tracker is not None:
            ok = seen.form_active and seen.requested_slot == STEP_SLOTS[seen.asked_step]
        results.append(CheckResult("form_step", ok, f"asked {seen.asked_step}, requested_slot "
                                                    f"{seen.requested_slot}: {_short(seen.texts[-1:])}"))
    if "form_ended" in expect:
        ok = not seen.form_active and seen.asked_step is None
        results.append(CheckResult("form_ended", ok, f"asked {seen.asked_step}: {_short(seen.texts)}"))
    if "no_report" in expect:
        stored = seen.stored or []
        ok = not seen.form_active and seen.asked_step is None and not seen.codes and not stored
        results.append(CheckResult("no_report", ok, f"asked {seen.asked_step}, codes {seen.codes}, "
                                                    f"stored {len(stored)}: {_short(seen.texts)}"))
    if "tracking_code" in expect:
        codes = seen.codes
        ok = bool(codes)
        if ok and seen.stored is not None:
            ok = any(r.get("code") in codes for r in seen.stored)
        results.append(CheckResult("tracking_code", ok, f"codes {codes}: {_short(seen.texts)}"))
    if "place_excludes" in expect:
        results.append(_check_place(seen, str(expect["place_excludes"])))

    results.append(_check_language(seen, expect.get("reply_lang"), conversation_language))
    return results


def _check_place(seen: Observation, digits: str) -> CheckResult:
    if seen.stored:
        places = [r.get("location_text") or "" for r in seen.stored]
        source = "stored"
    elif seen.tracker_before is not None:
        places = [str(((seen.tracker_before.get("slots") or {}).get("incident_location")) or "")]
        source = "slot before the turn"
    else:
        return CheckResult("place_excludes", False, "no store and no tracker to read the place from")
    ok = all(digits not in re.sub(r"\D", "", place) for place in places)
    return CheckResult("place_excludes", ok, f"{source}: {places}")


def _check_language(seen: Observation, wanted: Any, conversation_language: str) -> CheckResult:
    """Judged per message (a Vietnamese term quoted in an English answer, or the user's own words echoed
    in a summary, do not make a line of another language count); the buttons of a message together.
    For a list, each language must appear in some line (one message may hold the two)."""
    messages = [language_of(text) for text in seen.texts]
    buttons = [language_of(" · ".join(str(b.get("title") or "") for b in r.get("buttons") or []))
               for r in seen.replies if r.get("buttons")]
    decided = [lang for lang in messages + buttons if lang]
    if wanted is None:  # implicit: nothing in another language
        wrong = [lang for lang in decided if lang != conversation_language]
        return CheckResult("reply_lang", not wrong, f"want {conversation_language}, saw {decided}: "
                                                      f"{_short(seen.texts)}")
    allowed = _as_list(wanted)
    wrong = [lang for lang in decided if lang not in allowed]
    present = set(decided) | {lang for lang in languages_of_lines(seen.texts) if lang}
    missing = [lang for lang in allowed if lang not in present]
    return CheckResult("reply_lang", not wrong and not missing,
                       f"want {allowed}, saw {decided}: {_short(seen.texts)}")


def next_language(turn: Turn, current: str) -> str:
    """The language later turns are held to: an explicit single reply_lang switches it; a list (a
    line in an unserved language, then English) leaves its last language."""
    wanted = turn.expect.get("reply_lang")
    if wanted is None:
        return current
    return _as_list(wanted)[-1]
