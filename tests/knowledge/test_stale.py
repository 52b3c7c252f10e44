"""knowledge/stale.py and `python -m knowledge stale`: entries due for review."""
import datetime as dt
import subprocess
import sys

import pytest

from knowledge.schema import load_entries
from knowledge.stale import format_stale, stale_entries


def test_entries_older_than_the_cutoff_are_listed_oldest_first():
    entries = load_entries()
    newest = max(e.reviewed for e in entries)
    oldest = min(e.reviewed for e in entries)
    today = newest + dt.timedelta(days=10)
    # Cut-off between the oldest and the newest review date (or just after the oldest when they are equal).
    days = (today - oldest).days - 1
    due = stale_entries(entries, days, today)
    assert due, "the oldest entry must be due"
    assert all(e.reviewed < today - dt.timedelta(days=days) for e in due)
    assert [e.reviewed for e in due] == sorted(e.reviewed for e in due)
    assert {e.id for e in due} == {e.id for e in entries if (today - e.reviewed).days > days}
    assert stale_entries(entries, 10_000, today) == []
    assert len(stale_entries(entries, 0, today)) == len(entries)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        stale_entries(load_entries(), -1)


def test_cli_prints_id_reviewed_date_and_source():
    entries = load_entries()
    newest = max(e.reviewed for e in entries)
    today = (newest + dt.timedelta(days=31)).isoformat()
    run = subprocess.run([sys.executable, "-m", "knowledge", "stale", "--days", "30", "--today", today],
                         capture_output=True, text=True, check=True)
    lines = run.stdout.strip().splitlines()
    assert lines[-1] == f"{len(entries)} entries due for review"
    first = entries[0]
    assert f"{first.id}\t{first.reviewed.isoformat()}\t{first.source_url}" in lines
    assert run.stdout == format_stale(stale_entries(entries, 30, dt.date.fromisoformat(today))) + "\n"
