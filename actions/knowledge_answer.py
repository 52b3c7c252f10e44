"""Answers questions about procedures, city services and tourism from the knowledge index.

Answers cite their source and offer related topics; below the engine's confidence threshold the bot
declines, shows the closest topics and offers the hotline. Search runs in an executor so the action
server's event loop never blocks on embedding.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.hotline_store import HotlineStore
from actions.replies import pick, reply_language
from bot.settings import HOTLINE
from bot.text import fold_key, normalize

MAX_QUERY_CHARS = 500
RELATED_MAX = 3
RELATED_MIN_RATIO = 0.75  # a related topic scores at least this share of the best one
HOTLINE_CHANNEL = "hotline"
JSON_CHANNELS = {"rest", HOTLINE_CHANNEL}
logger = logging.getLogger(__name__)
_FOLLOW_UP_RE = re.compile(r"^(con|the con|vay con|the thi|and|what about|how about|also)\b")


def latest_question(tracker: Tracker) -> str:
    """The user's latest free text (a button payload like "/ask_tourism" falls back to older text)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            text = normalize(event.get("text") or "")
            if text and not text.startswith("/"):
                return text[:MAX_QUERY_CHARS]
    text = normalize((tracker.latest_message or {}).get("text") or "")
    return "" if text.startswith("/") else text[:MAX_QUERY_CHARS]


def is_follow_up(text: str) -> bool:
    """"còn giá vé?", "and the ticket price?": short or opening with a follow-up word."""
    key = fold_key(text)
    return bool(_FOLLOW_UP_RE.match(key)) or len(key.split()) <= 3


def answer_text(entry, language: str) -> str:
    block = entry.block(language)
    parts = [block.title, block.answer.strip()]
    if block.steps:
        parts.append("\n".join(f"• {step}" for step in block.steps))
    parts.append(pick(language, f"Nguồn: {entry.source_url}", f"Source: {entry.source_url}"))
    return "\n\n".join(parts)


def topic_buttons(engine, hits, language: str) -> List[Dict[str, str]]:
    """Buttons whose payload is the topic's first question, so a tap asks about that topic."""
    buttons = []
    for hit in hits:
        entry = engine.index.entries[hit.entry_id]
        block = entry.block(language)
        buttons.append({"title": block.title, "payload": block.questions[0]})
    return buttons


def related_hits(result) -> list:
    best = result.hits[0].score if result.hits else 0.0
    related = [h for h in result.hits[1:] if h.score >= RELATED_MIN_RATIO * best][:RELATED_MAX]
    return related or result.hits[1:2]


def search_with_context(engine, question: str, language: str, previous_topic: Optional[str]):
    """A follow-up is searched together with the previous topic's title first."""
    if previous_topic in engine.index.entries and is_follow_up(question):
        title = engine.index.entries[previous_topic].block(language).title
        result = engine.search(f"{question} {title}", language=language)
        if result.answered:
            return result
    return engine.search(question, language=language)


async def log_question(channel: Optional[str], result) -> None:
    """One line in the question log for the dashboard; a failure there never blocks the answer."""
    store = services.current().store
    if store is None:
        return
    best = result.best
    try:
        await services.in_executor(
            HotlineStore(store).log_question, channel, result.language,
            best.entry_id if best else None, result.answered, result.confidence)
    except Exception:  # noqa: BLE001 - the dashboard may miss a question; the caller must not
        logger.exception("could not log the question")


class ActionAnswerFromKnowledge(Action):
    def name(self) -> Text:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        question = latest_question(tracker)
        engine = services.current().knowledge
        if engine is None or not question:
            dispatcher.utter_message(text=pick(
                language,
                f"Xin lỗi, tôi chưa tra cứu được lúc này. Bạn vui lòng gọi tổng đài {HOTLINE}.",
                f"Sorry, I can't look that up right now. Please call the city hotline {HOTLINE}."))
            return []
        result = await services.in_executor(
            search_with_context, engine, question, language, tracker.get_slot("knowledge_topic"))
        channel = tracker.get_latest_input_channel()
        if channel != HOTLINE_CHANNEL:  # the hotline API logs its calls' questions itself, once
            await log_question(channel, result)
        with_json = channel in JSON_CHANNELS
        if not result.answered:
            return self._decline(dispatcher, engine, result, language, with_json)
        best = result.hits[0]
        entry = engine.index.entries[best.entry_id]
        # Answer in the reply language even when the match came from the other language's block.
        dispatcher.utter_message(text=answer_text(entry, language),
                                 buttons=topic_buttons(engine, related_hits(result), language))
        if with_json:
            dispatcher.utter_message(json_message={
                "kind": "knowledge_answer", "entry_id": entry.id, "score": round(result.confidence, 4),
                "language": language, "source_url": entry.source_url})
        dispatcher.utter_message(
            text=pick(language, "Thông tin này có hữu ích không?", "Was this helpful?"),
            buttons=[{"title": "👍", "payload": "/feedback_helpful"},
                     {"title": "👎", "payload": "/feedback_not_helpful"}])
        return [SlotSet("knowledge_topic", entry.id)]

    @staticmethod
    def _decline(dispatcher, engine, result, language: str, with_json: bool) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=pick(
                language,
                "Xin lỗi, tôi chưa có thông tin chắc chắn cho câu hỏi này. Có thể bạn quan tâm các chủ đề "
                f"dưới đây, hoặc gọi tổng đài {HOTLINE} để được nhân viên hỗ trợ.",
                "Sorry, I don't have reliable information on that. These topics may be close, or call the "
                f"city hotline {HOTLINE} to talk to a person."),
            buttons=topic_buttons(engine, result.hits[:3], language))
        if with_json:
            best = result.best
            dispatcher.utter_message(json_message={
                "kind": "knowledge_decline", "best_entry_id": best.entry_id if best else None,
                "best_score": round(result.confidence, 4)})
        return [SlotSet("knowledge_topic", None)]
