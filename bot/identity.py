"""Conversation ids qualified by channel (`telegram:<chat id>`, `zalo:<user id>`, `rest:<sender>`,
`hotline:<call id>`): one namespace per channel, so a sender on one channel can never address a
conversation, a report or a status notice of another. Stdlib only: both processes use it."""
from __future__ import annotations

CHANNELS = ("rest", "telegram", "zalo", "hotline")


def qualify(channel: str, native_id: object) -> str:
    """The conversation id of `native_id` (the platform's or client's id) on `channel`."""
    return f"{channel}:{native_id}"


def native_id(conversation_id: str, channel: str) -> str:
    """The platform's id inside a conversation id of `channel` (unchanged when not qualified)."""
    prefix = f"{channel}:"
    return conversation_id[len(prefix):] if conversation_id.startswith(prefix) else conversation_id


def channel_of(conversation_id: str) -> str:
    """The channel a conversation id belongs to ("" for an unqualified, pre-migration id)."""
    head, sep, _ = conversation_id.partition(":")
    return head if sep and head in CHANNELS else ""
