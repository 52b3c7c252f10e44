"""Pass rates of a run: per category, per language, per check, the first-message answer rate, and the
measures of issue 11's "Done when"."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from tests.conversations.runner import ConversationResult
from tests.conversations.spec import CATEGORIES, LANGS


@dataclass
class Rate:
    passed: int
    total: int

    @property
    def value(self) -> Optional[float]:
        return self.passed / self.total if self.total else None

    def __str__(self) -> str:
        if not self.total:
            return "—"
        return f"{100 * self.passed / self.total:5.1f} % ({self.passed}/{self.total})"


def _rate(items: Iterable[bool]) -> Rate:
    values = list(items)
    return Rate(sum(values), len(values))


def _turns(results: Sequence[ConversationResult]):
    for result in results:
        for spec_turn, turn in zip(result.conversation.turns, result.turns):
            if turn.sent:
                yield result, spec_turn, turn


def _check_rate(results: Sequence[ConversationResult], name: str,
                where: Callable[[ConversationResult], bool] = lambda r: True) -> Rate:
    return _rate(c.ok for r, _, t in _turns(results) if where(r) for c in t.checks if c.name == name)


def measures(results: Sequence[ConversationResult]) -> "OrderedDict[str, Rate]":
    """Named rates; the keys are what the e2e floors refer to."""
    out: "OrderedDict[str, Rate]" = OrderedDict()
    out["conversations"] = _rate(r.ok for r in results)
    for category in CATEGORIES:
        out[f"category:{category}"] = _rate(r.ok for r in results if r.conversation.category == category)
    for lang in LANGS:
        out[f"lang:{lang}"] = _rate(r.ok for r in results if r.conversation.lang == lang)
    out["first_message_entry"] = _rate(r.first_entry_ok for r in results if r.first_entry_ok is not None)
    # Issue 11, "Done when".
    out["followup_entry_turns"] = _rate(
        c.ok for r, spec_turn, t in _turns(results) if r.conversation.category == "followup"
        and spec_turn is not r.conversation.turns[0] for c in t.checks if c.name == "entry")
    out["emergency_number_turns"] = _check_rate(results, "first_says_any", lambda r: r.conversation.category == "emergency")
    out["cancel_midform_conversations"] = _rate(
        r.ok for r in results if r.conversation.category in ("cancel", "midform"))
    out["replies_not_empty"] = _check_rate(results, "not_empty")
    for name in ("entry", "form_step", "form_ended", "no_report", "tracking_code", "place_excludes", "reply_lang",
                 "says_any", "first_says_any"):
        out[f"check:{name}"] = _check_rate(results, name)
    return out


def table(title: str, results: Sequence[ConversationResult], seconds: Optional[float] = None) -> str:
    rates = measures(results)
    lines = [title, "=" * len(title)]

    def block(heading: str, rows: List[Tuple[str, Rate]]) -> None:
        lines.append("")
        lines.append(f"{heading:<34} pass rate")
        lines.append(f"{'-' * 34} {'-' * 22}")
        lines.extend(f"{name:<34} {rate}" for name, rate in rows)

    block("category (whole conversations)", [(k.split(":", 1)[1], v) for k, v in rates.items()
                                             if k.startswith("category:")])
    block("language (whole conversations)", [(k.split(":", 1)[1], v) for k, v in rates.items()
                                             if k.startswith("lang:")])
    block("all conversations", [("all", rates["conversations"])])
    block("issue 11 measures", [
        ("follow-ups about the right topic", rates["followup_entry_turns"]),
        ("emergencies with the right number", rates["emergency_number_turns"]),
        ("cancellations + mid-form handled", rates["cancel_midform_conversations"]),
        ("replies not empty", rates["replies_not_empty"]),
        ("first message answers right entry", rates["first_message_entry"]),
    ])
    block("checks (turns)", [(k.split(":", 1)[1], v) for k, v in rates.items() if k.startswith("check:")])
    if seconds is not None:
        lines.append("")
        turns = sum(1 for _ in _turns(results))
        lines.append(f"{len(results)} conversations, {turns} turns in {seconds:.0f} s")
    return "\n".join(lines)


def failures(results: Sequence[ConversationResult], limit: Optional[int] = None) -> str:
    """The failed checks, conversation by conversation (for the dev set; never tune on held-out ones)."""
    lines: List[str] = []
    for result in results:
        if result.ok:
            continue
        lines.append(f"✗ {result.conversation.id} ({result.conversation.category}, {result.conversation.lang}) "
                     f"sender {result.sender}")
        for n, turn in enumerate(result.turns, 1):
            if not turn.sent:
                continue
            bad = [c for c in turn.checks if not c.ok]
            mark = "  " if not bad else "✗ "
            lines.append(f"   {mark}{n}. user: {turn.user}")
            for check in bad:
                lines.append(f"        {check.name}: {check.detail}")
        if limit is not None and len(lines) > limit:
            lines.append("   …")
            break
    return "\n".join(lines)


def as_json(results: Sequence[ConversationResult]) -> Dict[str, object]:
    return {
        "measures": {k: {"passed": v.passed, "total": v.total} for k, v in measures(results).items()},
        "conversations": [
            {"id": r.conversation.id, "ok": r.ok, "category": r.conversation.category, "lang": r.conversation.lang,
             "turns": [{"user": t.user, "sent": t.sent, "seconds": round(t.seconds, 3),
                        "failed": [{"check": c.name, "detail": c.detail} for c in t.checks if not c.ok],
                        "replies": t.replies} for t in r.turns]}
            for r in results],
    }
