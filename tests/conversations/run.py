"""Runs the conversation set against a running assistant and prints pass rates per category and language.

    make run                                     # in another terminal
    .venv-rasa/bin/python -m tests.conversations.run --set heldout --url http://127.0.0.1:5005

Failures are printed for the dev set only (never tune on individual held-out failures); --show-failures
prints them for any set, --json writes everything (replies included) to a file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from tests.conversations.report import as_json, failures, table
from tests.conversations.runner import PROJECT_ROOT, Assistant, ReportStore, run_set
from tests.conversations.spec import SETS, load


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Play the conversation tests against a running assistant.")
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(SETS),
                        help="dev or heldout (repeat for both; default: dev)")
    parser.add_argument("--url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                        help="the Rasa server (or its REST webhook URL)")
    parser.add_argument("--token", default=os.environ.get("RASA_AUTH_TOKEN"),
                        help="Rasa API token, to read the form state from the tracker (RASA_AUTH_TOKEN)")
    parser.add_argument("--database-url", default=None,
                        help="the report store, to check what was stored (default: DATABASE_URL, else "
                             "var/hue_assistant.sqlite3 when it exists)")
    parser.add_argument("--domain", type=Path, default=PROJECT_ROOT / "domain.yml")
    parser.add_argument("--workers", type=int, default=2, help="conversations played at once")
    parser.add_argument("--only", action="append", default=[], help="conversation ids (repeatable)")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--json", type=Path, help="write results and replies here")
    args = parser.parse_args(argv)

    database_url = args.database_url or os.environ.get("DATABASE_URL")
    default_sqlite = Path(os.environ.get("HUE_VAR_DIR", PROJECT_ROOT / "var")) / "hue_assistant.sqlite3"
    if not database_url and default_sqlite.exists():
        database_url = f"sqlite:///{default_sqlite}"
    store = ReportStore(database_url) if database_url else None
    assistant = Assistant(args.url, token=args.token)
    status = 0
    dump = {}
    for name in args.sets or ["dev"]:
        conversations = load(SETS[name])
        if args.only:
            conversations = [c for c in conversations if c.id in args.only]
        start = time.monotonic()
        results = run_set(assistant, conversations, domain=args.domain, store=store, workers=args.workers,
                          prefix=f"cli-{name}")
        print(table(f"{name}: {args.url}", results, time.monotonic() - start))
        if assistant.tracker_readable is False:
            print("(the tracker API was not readable: form steps were judged from the replies alone)")
        if store is None:
            print("(no report store given: stored reports were not checked)")
        if name == "dev" or args.show_failures:
            print()
            print(failures(results))
        dump[name] = as_json(results)
        status |= 0 if all(r.ok for r in results) else 1
    if args.json:
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    if store is not None:
        store.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
