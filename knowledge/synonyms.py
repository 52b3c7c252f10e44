"""Query expansion from knowledge/synonyms.yml: abbreviations, dialect and loanwords people type."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.text import fold_key

SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.yml"


class Synonyms:
    def __init__(self, table: Dict[str, Dict[str, str]]) -> None:
        self._rules: Dict[str, List[Tuple[re.Pattern, str]]] = {}
        for language, pairs in table.items():
            self._rules[language] = [
                (re.compile(rf"(?<!\w){re.escape(fold_key(term))}(?!\w)"), str(expansion))
                for term, expansion in (pairs or {}).items()
            ]

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Synonyms":
        path = path or SYNONYMS_FILE
        if not path.exists():
            return cls({})
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def expand(self, query: str, language: str) -> str:
        """The query followed by the expansions of every term it contains (whole words, folded)."""
        key = fold_key(query)
        extra = [expansion for pattern, expansion in self._rules.get(language, []) if pattern.search(key)]
        return f"{query} {' '.join(extra)}" if extra else query
