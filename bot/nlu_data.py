"""Reading Rasa NLU training files: examples per intent, with entity annotations stripped."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import yaml

_ANNOTATION_RE = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def read_examples(path: Path) -> Dict[str, List[str]]:
    """intent → example texts of one Rasa NLU YAML file ("[HUE-2026-000123](report_code)" → the code)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples: Dict[str, List[str]] = {}
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        lines = [line.strip()[2:].strip() for line in str(block.get("examples", "")).splitlines()
                 if line.strip().startswith("- ")]
        examples.setdefault(block["intent"], []).extend(_ANNOTATION_RE.sub(r"\1", line) for line in lines)
    return examples
