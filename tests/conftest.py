"""Shared test helpers: loading NLU examples and the CI rule for tests that need real servers."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally when a real dependency is missing; under CI=true, fail instead."""
    if IN_CI:
        pytest.fail(f"CI=true requires this: {reason}")
    pytest.skip(reason)


_ANNOTATION_RE = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def load_nlu_examples(path: Path) -> Dict[str, List[str]]:
    """intent → plain example texts (entity annotations stripped) from a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples: Dict[str, List[str]] = {}
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        lines = [line.strip()[2:].strip() for line in block["examples"].splitlines()
                 if line.strip().startswith("- ")]
        examples[block["intent"]] = [_ANNOTATION_RE.sub(r"\1", line) for line in lines]
    return examples


@pytest.fixture(scope="session")
def knowledge_index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("knowledge-index")


@pytest.fixture(scope="session")
def knowledge_engine(knowledge_index_dir):
    """A real knowledge engine on the shipped sources (built once per test session, ~1 min)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.engine import open_engine

    return open_engine(knowledge_index_dir)
