"""One base for form validation (financial-demo's CustomFormValidationAction is the model).

Each answer is read once by the slot it was asked for (`read_<slot>`). Every step understands the
same things: an everyday cancellation ("hủy", "thôi", "bỏ đi em", "cancel", the NLU's `cancel`
intent) ends the form with nothing stored, asking for a person ends it with the hotline, and after 3
answers a step cannot use the user is offered to skip it or call the hotline. Some messages are not
answers at all: an emergency, a question, a language we do not serve. For those the validation
fills nothing, so Rasa rejects the form for this turn, a rule (nlu_data/interruptions.yml)
answers them, and the form asks its pending question again.
The form ends by setting its outcome slot (e.g. confirmed / cancelled) and `requested_slot` to None;
the action that follows the form reads the outcome.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import pick, reply_language
from bot.settings import HOTLINE
from bot.text import fold_key, normalize

MAX_ATTEMPTS = 3


def _phrases(text: str) -> frozenset:
    return frozenset(phrase.strip() for phrase in text.split("|") if phrase.strip())


# Whole answers (folded) that mean the same at every step.
CANCEL_WORDS = _phrases("""
huy | huy bo | huy di | huy nhe | huy phan anh | huy bao cao | thoi huy | thoi huy di | khong gui nua |
khong bao nua | thoi khong bao nua | thoi khong gui nua | khong phan anh nua | dung lai | cancel | cancel it |
cancel report | cancel the report | cancel this | stop | stop it | never mind | nevermind | forget it | abort |
thoi | thui | thoi bo di | bo di | bo di em | bo di a | thoi bo | khong can nua | khong can nua dau |
ko can nua | ko can nua dau | k can nua | hong can nua | ko bao nua | k bao nua | kh bao nua | kg bao nua |
ko gui nua | k gui nua | thoi khoi | thoi khoi bao | ngung | ngung lai | huy giup | huy giup minh |
no thanks, stop | no thanks stop | no stop | please stop | stop please | cancel please | cancel pls | quit | exit |
thoi khoi gui | khoi gui | khoi bao | thoi khong bao | khong bao | ko bao | thoi khong can | dung lai | nham roi |
thoi khong phan anh | khong muon bao nua | ko muon bao nua | leave it | nah leave it | drop it | stop this |
i dont want to report anymore | i don't want to report anymore | dont report it | don't report it | forget about it
""")
# A clause said around a cancellation ("à thôi, nhà bên tắt rồi, không báo nữa") and the particles
# people end it with ("ko can nua nha", "thoi khoi gui nhe").
_CLAUSE_RE = re.compile(r"[,.;!?…]+|\s+-\s+")
_PARTICLES = frozenset("nha nhe nhen nghe a ah em ad di thoi nhi please pls oi ban ak nhaa luon then thanks".split())
# Words people open a clause with before cancelling ("à thôi", "ok nvm", "actually forget it").
_LEADS = frozenset("a u uh uhm um ok oke okay oh ah hmm well actually sorry oops nham thoi thui ma vay thi da vang no "
                   "wait hold on khoan thoi ua ui o".split())
# Everyday cancellations as a small grammar over one folded clause, so the forms people really type are
# covered, not a list of sentences: "thôi khỏi", "ko can nua dau", "thoi k bao nua", "hủy giúp mình với",
# "để lúc khác", "đổi ý rồi", "nvm", "forget it", "don't send it", "cancel my report".
_NEG = r"(?:khong|ko|k|kh|kg|khg|hong|hok|hem|hk|chang|k0)"
NEGATION = _NEG  # for the steps' own readers
_SUBJECT = r"(?:(?:toi|minh|em|anh|chi|tao|tui|i|we) )?"
_CANCEL_CLAUSE_RE = re.compile(
    r"^(?:"
    r"(?:huy|xoa|dep|bo)(?: (?:bo|di|het|luon|giup|dum|ho|gium|nha|nhe|phan anh|bao cao|cai nay|cai do|no|viec nay"
    r"|minh|em|toi|voi|ngay|lien|nay|do|ca|gui))*"
    r"|(?:thoi )?(?:ngung|dung|thoi|khoi|thoat|bo)(?: (?:lai|di|luon|ngay|nhe|nha|bao|gui|phan anh|ra|a|thoi|nua|do|vay"
    r"|giup|gium|dum|ho|voi|minh|em))*"
    r"|thoi bo qua(?: (?:di|het|luon|nhe|nha|vay))*"
    rf"|{_SUBJECT}(?:thoi )?{_NEG} (?:can|bao|gui|phan anh|muon|lam|lam nua|bao cao|can bao|can gui|muon bao|muon gui"
    r"|muon phan anh|muon lam|can phan anh|gui di)(?: (?:cai nay|nua|nua dau|dau|thi thoi|gi|luon|lai))*"
    rf"(?: nua| dau)"
    rf"|{_SUBJECT}(?:thoi )?{_NEG} (?:bao|gui|phan anh|muon bao|muon gui|muon phan anh|can bao|can gui)(?: dau| nua)?"
    rf"|{_SUBJECT}(?:da |vua )?doi y(?: roi)?(?: {_NEG} (?:bao|gui|phan anh|can)(?: nua)?)?"
    r"|de (?:sau|luc khac|khi khac|hom khac|bua khac|mai)(?: (?:di|tinh|roi tinh|bao sau|gui sau))*"
    r"|(?:please |pls |i want to |i wanna |can we |can you |let'?s |let me )?(?:cancel|stop|quit|exit|abort)"
    r"(?: (?:it|this|that|the report|my report|the whole thing|everything|reporting|please|pls|now|here|cancel|stop))*"
    r"|(?:thoi )?quen (?:di|no di|chuyen nay di)|ignore (?:it|this|that)"
    r"|(?:i )?(?:no longer want|(?:do not|don'?t|dont) want) to (?:continue|go on|report|send|do this)(?: \w+){0,3}"
    r"|nvm|nm|nevermind|never ?mind(?: (?:then|it|that|about it))*"
    r"|forget (?:it|about it|that|this|the report)(?: then)?"
    r"|(?:scrap|drop|leave) (?:it|that|this)"
    r"|(?:no|nah|nope),? (?:stop|cancel|forget it|leave it|never ?mind)"
    r"|(?:please |pls )?(?:do not|don'?t|dont) (?:send|report|file|submit)(?: (?:it|this|that|anything|the report))?(?: anymore)?"
    r"|i (?:do not|don'?t|dont) want (?:to )?(?:report|send|file|do) (?:it|this|that|anything)?(?: ?anymore)?"
    r"|i (?:do not|don'?t|dont) (?:want|need) (?:it|this|that) ?(?:anymore)?"
    r"|(?:i'?ve |i )?changed my mind|let'?s not|not anymore|no need(?: (?:anymore|now|then|thanks))?|no thanks"
    r"|(?:please )?(?:do not|don'?t|dont) bother|scratch (?:that|it|this)|(?:let'?s )?(?:stop|end|finish) (?:here|this|it|now)"
    r"|(?:i'?d|i would) rather not(?: (?:continue|go on|report|send it|do this))?|end (?:this|it|the report)"
    r")$")
# A message that opens with a clear cancellation and goes on without punctuation ("thoi huy di de mai
# toi goi tong dai", "never mind I'll call them"): short messages only.
_CANCEL_OPENING_RE = re.compile(
    rf"^(?:(?:a|u|ok|oh|ah|actually|thoi) )*(?:huy (?:di|bo|het|luon)|cancel|nvm|never ?mind|forget (?:it|about it)"
    rf"|{_NEG} (?:can|bao|gui|phan anh) nua|doi y roi)\b")
CANCEL_OPENING_MAX_WORDS = 10


def is_cancel_clause(clause: str, _joined: bool = False) -> bool:
    """One folded clause is a cancellation ("thoi k bao nua", "nvm"), after any openers ("à", "dạ",
    "ok") and before any particles ("nha", "ạ", "đi"); every trim is tried, since "thôi" and "đi" are
    both particles and words of a cancellation ("dạ thôi ạ", "quên đi")."""
    words = clause.split()
    last_start = 0
    while last_start < len(words) - 1 and words[last_start] in _LEADS:
        last_start += 1
    first_end = len(words)
    while first_end > 1 and words[first_end - 1] in _PARTICLES:
        first_end -= 1
    for start in range(last_start + 1):
        for end in range(len(words), min(first_end, len(words)) - 1, -1):
            text = " ".join(words[start:end])
            if end > start and (text in CANCEL_WORDS or _CANCEL_CLAUSE_RE.match(text)):
                return True
    if _joined:
        return False
    # Two cancellations run together without punctuation ("thoi dung lai ko gui dau", "huy di ko bao nua").
    return any(is_cancel_clause(" ".join(words[:cut]), _joined=True)
               and is_cancel_clause(" ".join(words[cut:]), _joined=True) for cut in range(1, len(words)))


# Said around a skip on an optional step ("its ok, no need", "no thanks, all good now").
_SKIP_COMPANIONS = _phrases("""
ok | oke | okay | its ok | it's ok | it is ok | all good | all good now | thanks | thank you | sorry | cam on |
khong sao | ko sao | k sao | thoi | vay thoi
""")
SKIP_WORDS = _phrases("""
bo qua | bo qua nhe | skip | skip it | khong co | ko co | k co | kh co | khong can | ko can |
khong | ko | k | no | none | no thanks | not needed | xong | xong roi | het | het roi | du roi | done |
that's all | thats all | finished | next | tiep | tiep tuc | khoi | khoi di | khoi nha | thoi khoi | thoi khoi nha |
khong can dau | ko can dau | k can | hong can | kh can | no need | nope | nah | khong co dau | ko co dau |
thoi bo qua | thoi bo qua di | bo qua di
""")
CONFIRM_WORDS = _phrases("""
gui | gui di | gui luon | xac nhan | dong y | dung roi | ok | oke | okay | co | vang | u | uh | 👍 |
send | send it | submit | confirm | yes | yep | correct | right
""")
EDIT_WORDS = _phrases("""
sua | sua lai | chinh sua | thay doi | doi | edit | change | modify | fix
""")
_TRAILING_RE = re.compile(r"[\s.!?…]+$")
# The NLU's `cancel` intent ends a form only on a short message: a long one is an answer that happens
# to say "thôi" ("ông ấy bảo thôi không sửa nữa").
CANCEL_MAX_WORDS = 8
# Intents whose message is not an answer to the step: a rule answers it, then the form asks again.
INTERRUPTING_INTENTS = frozenset({"emergency", "unsupported_language"})
# Questions of these kinds asked mid-form are answered from knowledge (rules), not taken as answers.
QUESTION_INTENTS = frozenset({"ask_procedure", "ask_city_service", "ask_tourism", "check_report_status",
                              "ask_followup", "nlu_fallback", "inform", "out_of_scope"})
_QUESTION_RE = re.compile(
    r"\?|\b(?:o dau|cho nao|noi nao|the nao|nhu nao|lam sao|bao gio|bao lau|bao nhieu|khi nao|may gio|may h|"
    r"goi ai|goi so nao|lien he ai|bao cho ai|hoi ai|co duoc khong|duoc khong|duoc ko|dc ko|dc k|so may|"
    r"so nao|la bn|bn vay|bn tien|mat bn|lam gi|de lam gi|gi vay|sao vay|ra sao|the nao|co can|co phai|"
    r"cho hoi|hoi chut|cho minh hoi|cho em hoi|cho toi hoi|"
    r"where|how|when|what|who|which|why|can i|do i|does it|will (?:my|it|you|they|someone)|is there|are there|"
    r"is it|should i|"
    # "cần giấy tờ gì", "còn hộ chiếu thì sao", "is the museum open…", "cho xin số tổng đài", "tell me …"
    r"(?:can|giay to|thu tuc|ho so|mang|chuan bi|nhung|la|phi) gi|thi sao|the sao|tell me|"
    r"(?:cho )?xin (?:so|sdt|dia chi|thong tin|hotline)|^(?:is|are) (?:the|this|that|there|it)|"
    r"ai (?:phu trach|quan ly|lo|chiu trach nhiem|xu ly)|ai vay|la ai|who'?s in charge|"
    r"^(?:does|do|can|could|will|would|any|anywhere) )\b")
# "… được không", "có ảnh ko": a closing negation asks, but only after a few words ("không" alone is "no").
_QUESTION_END_RE = re.compile(r"\w+ \w+ (?:khong|ko|hok|chua|k|khong nhi|ko nhi|nhi|vay ta)$")


# A step's question echoed before its answer ("ở đâu hả, trước nhà số 9 Lê Lợi", "where? right in front of
# 22 Tran Hung Dao", "my number? 0905 …"): the echo is a question word or the step's own noun, with
# particles, alone in its clause. What follows it is the answer.
_ECHO_RE = re.compile(
    r"^(?:(?:o|tai|the|my|your|cai|so) )?(?:o dau|cho nao|noi nao|dau|where|where is it|which place|what place|"
    r"dia chi|address|location|place|sdt|so dien thoai|so dt|dien thoai|phone|phone number|number|my number|"
    r"so cua toi|so cua minh|so cua em|so nao|anh|photo|picture|mo ta|su co gi|what problem|the problem)"
    r"(?: (?:ha|a|ah|ak|u|nhi|vay|z|ta|ne|ad|em|anh|chi|ban|oi|you say|you mean|you ask|again|then|right))*$")
_ECHO_SPLIT_RE = re.compile(r"^\s*([^,.;:!?…]+)[,.;:!?…]+\s*(.*\w.*)$", re.S)


def phrase_key(text: str) -> str:
    """A whole answer as a matching key: folded, lower case, without trailing punctuation."""
    return _TRAILING_RE.sub("", fold_key(text)).strip()


@dataclass(frozen=True)
class Answer:
    """The user's latest message as the form reads it."""

    text: str
    intent: Optional[str] = None
    entities: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, tracker: Tracker) -> "Answer":
        latest = tracker.latest_message or {}
        entities: Dict[str, Any] = {}
        for entity in latest.get("entities") or []:
            if entity.get("entity"):
                entities[entity["entity"]] = entity.get("value")
        return cls(normalize(latest.get("text") or ""), (latest.get("intent") or {}).get("name"), entities)

    def without_echo(self) -> "Answer":
        """The answer after an echo of the question ("ở đâu hả, …", "where? …"), else itself."""
        match = _ECHO_SPLIT_RE.match(self.text)
        if self.is_payload or not match or not _ECHO_RE.match(phrase_key(match.group(1))):
            return self
        return Answer(match.group(2).strip(), self.intent, self.entities)

    @property
    def key(self) -> str:
        return phrase_key(self.text)

    @property
    def is_payload(self) -> bool:
        """A button or channel payload such as /share_location{…}, not typed text."""
        return self.text.startswith("/")

    def says(self, words: frozenset) -> bool:
        return self.key in words

    @property
    def is_question(self) -> bool:
        """Shaped as a question ("…ở đâu?", "bao giờ có điện lại", "where do I…")."""
        key = fold_key(self.text)
        if self.is_payload or not re.search(r"\w", key):  # "?" alone says nothing
            return False
        return bool(_QUESTION_RE.search(key) or _QUESTION_END_RE.search(self.key))

    @property
    def is_skip(self) -> bool:
        """A skip of an optional step, alone or with words around it ("its ok, no need")."""
        if self.says(SKIP_WORDS):
            return True
        clauses = [phrase_key(clause) for clause in self.clauses]
        return (any(clause in SKIP_WORDS for clause in clauses)
                and all(clause in SKIP_WORDS or clause in _SKIP_COMPANIONS for clause in clauses))

    @property
    def is_cancel(self) -> bool:
        if self.is_payload:
            return False
        if self.says(CANCEL_WORDS) or any(is_cancel_clause(clause) for clause in self.clauses):
            return True
        words = self.key.split()
        if len(words) <= CANCEL_OPENING_MAX_WORDS and _CANCEL_OPENING_RE.match(" ".join(words)):
            return True
        return self.intent == "cancel" and len(words) <= CANCEL_MAX_WORDS

    @property
    def clauses(self) -> List[str]:
        """The answer's clauses, each folded ("à thôi", "nhà bên tắt rồi", "ko can nua nha")."""
        return [" ".join(clause.split()) for clause in _CLAUSE_RE.split(fold_key(self.text)) if clause.split()]


@dataclass
class Step:
    """What reading one answer gave: slot values to set, and what to tell the user first.

    `accepted` False means the answer did not fill the step: it counts as a failed attempt."""

    values: Dict[str, Any] = field(default_factory=dict)
    say: List[Dict[str, Any]] = field(default_factory=list)
    accepted: bool = True

    @classmethod
    def rejected(cls, text: str) -> "Step":
        return cls(say=[{"text": text}], accepted=False)

    def tell(self, text: str, **extra: Any) -> "Step":
        self.say.append({"text": text, **extra})
        return self


Reader = Callable[[Answer, Tracker, str], Awaitable[Step]]


class CustomFormValidationAction(Action):
    """Validation for one form. Subclasses set the names and write `read_<slot>` per step."""

    form_name: str = ""
    outcome_slot: str = ""  # its value tells the follow-up action how the form ended
    # Outcomes that end the form before its last step; the base itself ends with these two.
    early_outcomes: Tuple[str, ...] = ("cancelled", "handoff")
    attempts_slot: str = ""  # "<slot>:<failed answers>" for the step being asked
    # Optional steps where "không cần" / "no" means skip, not cancel.
    skippable_steps: Tuple[str, ...] = ()

    def name(self) -> Text:
        return f"validate_{self.form_name}"

    # --- what subclasses provide ------------------------------------------------------------
    def steps(self, slots: Mapping[str, Any]) -> Sequence[str]:
        """The slots the form asks for, in order, given the values so far (may depend on them)."""
        raise NotImplementedError

    def cleared_slots(self) -> Sequence[str]:
        """Every slot the form fills, reset when it starts over or is cancelled."""
        raise NotImplementedError

    async def prefill(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        """Values the message that started the form already gives."""
        return Step()

    async def absorb(self, answer: Answer, tracker: Tracker, language: str,
                     slots: Mapping[str, Any]) -> Optional[Step]:
        """A hook for answers any step takes in passing (a photo sent while a place is asked)."""
        return None

    def explain(self, answer: Answer, requested: str, language: str) -> Optional[str]:
        """The answer to a question about the form itself ("sđt để làm gì?", "có cần ảnh không?"),
        or None. Said, then the pending question is asked again."""
        return None

    def skipped_value(self, slot: str, slots: Mapping[str, Any]) -> Any:
        """The value a step gets when the user skips it after repeated failures."""
        return "skipped"

    # --- the common loop --------------------------------------------------------------------
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        answer = Answer.of(tracker)
        requested = tracker.get_slot("requested_slot")
        slots = {name: tracker.get_slot(name) for name in self.cleared_slots()}

        if (answer.intent or "").startswith("EXTERNAL_"):
            # Not the user's answer but an event (a status notice): leave the step as it is, so the
            # form rejects this turn, the event's rule runs, and the same question comes back.
            return [SlotSet("requested_slot", requested)]
        if requested is None:  # the form is starting: a clean slate, then what the first message says
            step = await self.prefill(answer, tracker, language)
            step.values = {**{name: None for name in self.cleared_slots()}, **step.values}
            return self._events(dispatcher, step, {}, requested=None, attempts=0)
        answer = answer.without_echo()
        explanation = self.explain(answer, requested, language) if answer.is_question else None
        if explanation:  # not an answer and not a failed attempt: said, then the step is asked again
            return self._events(dispatcher, Step(say=[{"text": explanation}]), slots, requested,
                                self._attempts(tracker, requested))
        if self.interrupts(answer):
            # Not an answer: fill nothing, so Rasa rejects the form this turn and a rule answers it
            # (the number for an emergency, the knowledge answer for a question); then the form asks
            # its pending question again.
            return [SlotSet("requested_slot", requested)]
        skipping = requested in self.skippable_steps and answer.is_skip
        if skipping and not answer.says(SKIP_WORDS):  # "its ok, no need": read as its skip alone
            said = next(clause for clause in map(phrase_key, answer.clauses) if clause in SKIP_WORDS)
            answer = Answer(said, answer.intent, answer.entities)
        if answer.is_cancel and not skipping:
            return self._finish(dispatcher, "cancelled")
        if answer.intent == "request_human":
            return self._finish(dispatcher, "handoff")

        attempts = self._attempts(tracker, requested)
        step = await self.absorb(answer, tracker, language, slots)
        if step is None:
            if attempts >= MAX_ATTEMPTS and answer.says(SKIP_WORDS):
                step = Step(values={requested: self.skipped_value(requested, slots)})
            else:
                step = await self._reader(requested)(answer, tracker, language)
        if not step.accepted:
            attempts += 1
            if attempts >= MAX_ATTEMPTS:
                step.say.append(self._offer_way_out(language))
        else:
            attempts = 0 if requested in step.values else attempts
        return self._events(dispatcher, step, slots, requested, attempts)

    @staticmethod
    def interrupts(answer: Answer) -> bool:
        """An emergency, a language we do not serve, or a question about a service or procedure."""
        if answer.is_payload:
            return False
        if answer.intent in INTERRUPTING_INTENTS:
            return True
        return answer.intent in QUESTION_INTENTS and answer.is_question

    def _reader(self, slot: str) -> Reader:
        reader = getattr(self, f"read_{slot}", None)
        if reader is None:
            raise NotImplementedError(f"{type(self).__name__} has no read_{slot}")
        return reader

    def _attempts(self, tracker: Tracker, requested: str) -> int:
        slot, _, count = str(tracker.get_slot(self.attempts_slot) or "").partition(":")
        return int(count) if slot == requested and count.isdigit() else 0

    def _events(self, dispatcher: CollectingDispatcher, step: Step, slots: Mapping[str, Any],
                requested: Optional[str], attempts: int) -> List[Dict[Text, Any]]:
        for message in step.say:
            dispatcher.utter_message(**message)
        merged = {**slots, **step.values}
        if merged.get(self.outcome_slot) in self.early_outcomes:
            next_slot = None  # the step ended the form early
        else:
            next_slot = next((name for name in self.steps(merged) if merged.get(name) is None), None)
        if next_slot != requested:
            attempts = 0
        events = [SlotSet(name, value) for name, value in step.values.items()]
        events.append(SlotSet(self.attempts_slot, f"{next_slot}:{attempts}" if next_slot else None))
        events.append(SlotSet("requested_slot", next_slot))
        return events

    def _finish(self, dispatcher: CollectingDispatcher, outcome: str) -> List[Dict[Text, Any]]:
        """End the form now; the follow-up action says the rest and clears the slots."""
        return [SlotSet(self.outcome_slot, outcome), SlotSet(self.attempts_slot, None),
                SlotSet("requested_slot", None)]

    def _offer_way_out(self, language: str) -> Dict[str, Any]:
        return {
            "text": pick(language,
                         f"Nếu khó trả lời bước này, bạn có thể bỏ qua hoặc gọi tổng đài {HOTLINE}.",
                         f"If this step is hard to answer, you can skip it or call the hotline {HOTLINE}."),
            "buttons": [{"title": pick(language, "Bỏ qua", "Skip"), "payload": pick(language, "bỏ qua", "skip")},
                        {"title": pick(language, "Gọi tổng đài", "Call the hotline"),
                         "payload": "/request_human"}],
        }
