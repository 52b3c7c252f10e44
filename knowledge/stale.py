"""Entries due for review: their `reviewed` date is older than a number of days."""
from __future__ import annotations

import datetime as dt
from typing import List, Optional, Sequence

from knowledge.schema import Entry


def stale_entries(entries: Sequence[Entry], days: int, today: Optional[dt.date] = None) -> List[Entry]:
    """Entries reviewed more than `days` days before `today`, oldest first."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    cutoff = (today or dt.date.today()) - dt.timedelta(days=days)
    return sorted((e for e in entries if e.reviewed < cutoff), key=lambda e: (e.reviewed, e.id))


def format_stale(entries: Sequence[Entry]) -> str:
    lines = [f"{e.id}\t{e.reviewed.isoformat()}\t{e.source_url}" for e in entries]
    lines.append(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} due for review")
    return "\n".join(lines)
