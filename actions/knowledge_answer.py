"""Answers questions about procedures, city services and tourism from the knowledge index.

The first answer is short (title, gist, source) with buttons for the entry's parts (fee, duration,
where, …) and a "more" step; a follow-up about one aspect of the entry answered last gets just
that part (knowledge/followup.py decides whether a message is a follow-up or names a new topic).
Below the engine's confidence threshold the bot declines, shows the closest topics and offers the
hotline. Search runs in an executor so the action server's event loop never blocks on embedding.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.replies import pick, reply_language
from bot.settings import HOTLINE
from bot.text import fold_key, normalize
from knowledge import answers
from knowledge.aspects import ASPECTS, label
from knowledge.aspects import name as aspect_name
from knowledge.followup import is_follow_up, resolve  # noqa: F401 - is_follow_up is re-exported

MAX_QUERY_CHARS = 500
RELATED_MAX = 2
RELATED_MIN_RATIO = 0.75  # a related topic scores at least this share of the best one
BUTTONS_MAX = 5           # Zalo shows at most 5 buttons under one message
PART_BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 25
MORE = "more"
HOTLINE_CHANNEL = "hotline"
JSON_CHANNELS = {"rest", HOTLINE_CHANNEL}
ASPECT_ENTITY = "aspect"
ENTRY_ENTITY = "knowledge_entry"


def latest_question(tracker: Tracker) -> str:
    """The user's latest free text (a button payload like "/ask_tourism" falls back to older text)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            text = normalize(event.get("text") or "")
            if text and not text.startswith("/"):
                return text[:MAX_QUERY_CHARS]
    text = normalize((tracker.latest_message or {}).get("text") or "")
    return "" if text.startswith("/") else text[:MAX_QUERY_CHARS]


def button_request(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """(entry id, aspect or "more") from a tapped answer button's payload; (None, None) otherwise."""
    latest = tracker.latest_message or {}
    if not (latest.get("text") or "").startswith("/"):
        return None, None
    values = {e.get("entity"): e.get("value") for e in latest.get("entities") or []}
    aspect = values.get(ASPECT_ENTITY)
    return values.get(ENTRY_ENTITY), aspect if aspect in ASPECTS or aspect == MORE else None


_DANGLING = {"and", "or", "of", "for", "the", "a", "an", "to", "in", "on", "with", "và", "hoặc", "của", "cho",
             "về", "ở", "tại", "các", "những", "từ", "đến", "khi", "với", "trong"}


def short_title(title: str, limit: int = BUTTON_TITLE_MAX) -> str:
    """A button title that fits a phone: the title before any "(…)", " – " or ": ", else cut at a
    word (never after "and", "và", …) with "…"."""
    head = re.split(r"\s+\(|\s+[–-]\s+|:\s", title, maxsplit=1)[0].strip()
    head = head if len(head) >= 8 else title
    if len(head) <= limit:
        return head
    cut = head[:limit - 1]
    cut = cut if head[limit - 1] == " " else cut.rsplit(" ", 1)[0]  # keep a word that ends at the cut
    words = cut.rstrip(",;:").split()
    while len(words) > 1 and (words[-1].lower() in _DANGLING or words[-1].endswith(",")):
        words.pop()
    return " ".join(words).rstrip(",") + "…"


def followup_payload(entry_id: str, aspect: Optional[str] = None) -> str:
    values = {ENTRY_ENTITY: entry_id}
    if aspect:
        values[ASPECT_ENTITY] = aspect
    return "/ask_followup" + json.dumps(values, separators=(",", ":"))


def part_buttons(entry, language: str, exclude: Optional[str] = None, more: bool = True) -> List[Dict[str, str]]:
    """Buttons for the entry's other parts, then "Xem thêm" / "More" when the short answer left text out."""
    buttons = [{"title": label(aspect, language), "payload": followup_payload(entry.id, aspect)}
               for aspect in entry.parts.present() if aspect != exclude][:PART_BUTTONS_MAX]
    if more and answers.has_more(entry, language):
        buttons.append({"title": pick(language, "Xem thêm", "More"), "payload": followup_payload(entry.id, MORE)})
    return buttons


def topic_buttons(engine, entry_ids: List[str], language: str) -> List[Dict[str, str]]:
    """One button per topic, titled with its short title; a tap answers exactly that entry."""
    buttons, seen = [], set()
    for entry_id in entry_ids:
        title = short_title(engine.index.entries[entry_id].block(language).title)
        if fold_key(title) in seen:
            continue
        seen.add(fold_key(title))
        buttons.append({"title": title, "payload": followup_payload(entry_id)})
    return buttons


def related_ids(engine, result, answered: str) -> List[str]:
    """Other entries close to the question, in the answered entry's category (on topic), distinct."""
    best = result.hits[0].score if result.hits else 0.0
    category = engine.index.entries[answered].category
    related = [h.entry_id for h in result.hits
               if h.entry_id != answered and h.score >= RELATED_MIN_RATIO * best
               and engine.index.entries[h.entry_id].category == category]
    return related[:RELATED_MAX]


def log_question(channel: Optional[str], result) -> None:
    """Queues one line of the question log for the dashboard (written off the answer path)."""
    question_log = services.current().question_log
    if question_log is None:
        return
    best = result.best
    question_log.record(channel, result.language, best.entry_id if best else None, result.answered,
                        result.confidence)


def compose(engine, entry, aspect: Optional[str], language: str, follow_up: bool,
            related: List[str]) -> Tuple[str, List[Dict[str, str]]]:
    """The reply text and buttons for one entry: a part, the rest ("more"), or the short answer."""
    if aspect == MORE:
        return answers.more_answer(entry, language), part_buttons(entry, language, more=False)
    if aspect and entry.parts.get(aspect) is not None:
        return answers.part_answer(entry, aspect, language), part_buttons(entry, language, exclude=aspect)
    if aspect and follow_up:
        return answers.missing_part_answer(entry, aspect, language, HOTLINE), part_buttons(entry, language)
    buttons = part_buttons(entry, language)
    room = min(RELATED_MAX, BUTTONS_MAX - len(buttons))
    return answers.short_answer(entry, language), buttons + topic_buttons(engine, related, language)[:max(room, 0)]


class ActionAnswerFromKnowledge(Action):
    def name(self) -> Text:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        engine = services.current().knowledge
        channel = tracker.get_latest_input_channel()
        with_json = channel in JSON_CHANNELS
        tapped, aspect = button_request(tracker)
        topic = tracker.get_slot("knowledge_topic")
        if engine is not None and tapped in engine.index.entries:
            # A tapped part / "more" / topic button: the entry is named, nothing to search.
            entry = engine.index.entries[tapped]
            text, buttons = compose(engine, entry, aspect, language, True, [])
            return self._answer(dispatcher, entry, text, buttons, language, 1.0, aspect, with_json, topic)
        question = latest_question(tracker)
        if engine is None or not question:
            dispatcher.utter_message(text=pick(
                language,
                f"Xin lỗi, tôi chưa tra cứu được lúc này. Bạn vui lòng gọi tổng đài {HOTLINE}.",
                f"Sorry, I can't look that up right now. Please call the city hotline {HOTLINE}."))
            return []
        found = await services.in_executor(resolve, engine, question, language, topic)
        if channel != HOTLINE_CHANNEL:  # the hotline API logs its calls' questions itself, once
            log_question(channel, found.result)
        if found.entry_id is None and found.needs_topic:
            return self._ask_topic(dispatcher, found.aspect, language, with_json, topic)
        if found.entry_id is None:
            return self._decline(dispatcher, engine, found.result, language, with_json, topic)
        entry = engine.index.entries[found.entry_id]
        # Answer in the reply language even when the match came from the other language's block.
        related = [] if found.follow_up else related_ids(engine, found.result, entry.id)
        text, buttons = compose(engine, entry, found.aspect, language, found.follow_up, related)
        return self._answer(dispatcher, entry, text, buttons, language, found.confidence, found.aspect, with_json,
                            topic)

    @staticmethod
    def _answer(dispatcher, entry, text: str, buttons, language: str, confidence: float, aspect: Optional[str],
                with_json: bool, topic: Optional[str]) -> List[Dict[Text, Any]]:
        # One bot message for the answer, its buttons and (rest, hotline) the json contract: Rasa's
        # output channels still deliver the text with its buttons, then the json, as two replies.
        contract = {"kind": "knowledge_answer", "entry_id": entry.id, "score": round(confidence, 4),
                    "language": language, "source_url": entry.source_url, "aspect": aspect}
        dispatcher.utter_message(text=text, buttons=buttons, json_message=contract if with_json else None)
        dispatcher.utter_message(
            text=pick(language, "Thông tin này có hữu ích không?", "Was this helpful?"),
            buttons=[{"title": "👍", "payload": "/feedback_helpful"},
                     {"title": "👎", "payload": "/feedback_not_helpful"}])
        return topic_change(topic, entry.id)

    @staticmethod
    def _ask_topic(dispatcher, aspect: Optional[str], language: str, with_json: bool,
                   topic: Optional[str]) -> List[Dict[Text, Any]]:
        """ "how much?" with no topic in memory: ask which procedure or place, instead of guessing."""
        what = f" ({aspect_name(aspect, language)})" if aspect in ASPECTS else ""
        contract = {"kind": "knowledge_decline", "best_entry_id": None, "best_score": 0.0}
        dispatcher.utter_message(
            text=pick(
                language,
                f"Bạn hỏi về thủ tục hay địa điểm nào{what}? Ví dụ: “lệ phí làm hộ chiếu”, “giờ mở cửa Đại Nội”.",
                f"Which procedure or place do you mean{what}? For example: “passport fee”, "
                "“Imperial City opening hours”."),
            json_message=contract if with_json else None)
        return topic_change(topic, None)

    @staticmethod
    def _decline(dispatcher, engine, result, language: str, with_json: bool,
                 topic: Optional[str]) -> List[Dict[Text, Any]]:
        best = result.best
        contract = {"kind": "knowledge_decline", "best_entry_id": best.entry_id if best else None,
                    "best_score": round(result.confidence, 4)}
        dispatcher.utter_message(
            text=pick(
                language,
                "Xin lỗi, tôi chưa có thông tin chắc chắn cho câu hỏi này. Có thể bạn quan tâm các chủ đề "
                f"dưới đây, hoặc gọi tổng đài {HOTLINE} để được nhân viên hỗ trợ.",
                "Sorry, I don't have reliable information on that. These topics may be close, or call the "
                f"city hotline {HOTLINE} to talk to a person."),
            buttons=topic_buttons(engine, [h.entry_id for h in result.hits[:3]], language),
            json_message=contract if with_json else None)
        return topic_change(topic, None)


def topic_change(before: Optional[str], after: Optional[str]) -> List[Dict[Text, Any]]:
    """The `knowledge_topic` slot event, only when the topic changes: every event stays in the
    conversation's tracker, which Rasa replays on each turn (issue 14)."""
    return [] if before == after else [SlotSet("knowledge_topic", after)]
