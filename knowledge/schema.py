"""The knowledge source format: one YAML file per topic family, validated with pydantic.

A malformed entry is rejected with the file, the entry id and the field named.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Dict, List, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
PREFIX_BY_CATEGORY = {"procedure": "proc.", "city_service": "svc.", "tourism": "tour."}
ID_RE = re.compile(r"^(proc|svc|tour)\.[a-z0-9_]+$")
LANGUAGES = ("vi", "en")


class KnowledgeError(ValueError):
    """A knowledge source that cannot be used, with where and what."""


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


class LanguageBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2)
    questions: List[str] = Field(min_length=3)
    answer: str = Field(min_length=20)
    steps: List[str] = Field(default_factory=list)

    @field_validator("title", "answer")
    @classmethod
    def _text_nfc(cls, value: str) -> str:
        return _nfc(value)

    @field_validator("questions", "steps")
    @classmethod
    def _list_nfc(cls, values: List[str]) -> List[str]:
        cleaned = [_nfc(v) for v in values]
        if any(not v for v in cleaned):
            raise ValueError("empty item")
        return cleaned


# Optional short texts per aspect of an entry (knowledge/aspects.py names the aspects), each in both
# languages: what a follow-up such as "phí bao nhiêu?" gets instead of the whole answer.
PART_MAX_CHARS = 400


class PartText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vi: str = Field(min_length=5, max_length=PART_MAX_CHARS)
    en: str = Field(min_length=5, max_length=PART_MAX_CHARS)

    @field_validator("vi", "en")
    @classmethod
    def _text_nfc(cls, value: str) -> str:
        return _nfc(value)

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


class Parts(BaseModel):
    """fee, duration, where, documents, online, hours, contact: all optional."""
    model_config = ConfigDict(extra="forbid")

    fee: Optional[PartText] = None
    duration: Optional[PartText] = None
    where: Optional[PartText] = None
    documents: Optional[PartText] = None
    online: Optional[PartText] = None
    hours: Optional[PartText] = None
    contact: Optional[PartText] = None

    def get(self, aspect: str) -> Optional[PartText]:
        return getattr(self, aspect, None) if aspect in Parts.model_fields else None

    def present(self) -> List[str]:
        """The aspects this entry has text for, in the schema's order."""
        return [name for name in Parts.model_fields if getattr(self, name) is not None]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: Literal["procedure", "city_service", "tourism"]
    tags: List[str] = Field(default_factory=list)
    source_url: str
    # Why a source outside the official list is cited (see knowledge/source_policy.py).
    source_note: Optional[str] = None
    reviewed: dt.date
    vi: LanguageBlock
    en: LanguageBlock
    parts: Parts = Field(default_factory=Parts)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError("must be proc.*, svc.* or tour.* in lower case [a-z0-9_]")
        return value

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _prefix_matches_category(self) -> "Entry":
        if not self.id.startswith(PREFIX_BY_CATEGORY[self.category]):
            raise ValueError(f"id {self.id} does not match category {self.category}")
        return self

    def block(self, language: str) -> LanguageBlock:
        return self.vi if language == "vi" else self.en


class SourceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: str
    entries: List[dict]


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "(entry)"
        parts.append(f"field '{location}': {error['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> List[Entry]:
    """Entries of one source file; raises KnowledgeError naming file, entry id and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc
    try:
        source = SourceFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name}: {_describe(exc)}") from exc
    entries = []
    for position, item in enumerate(source.entries):
        entry_id = item.get("id", f"#{position + 1}") if isinstance(item, dict) else f"#{position + 1}"
        try:
            entries.append(Entry.model_validate(item))
        except ValidationError as exc:
            raise KnowledgeError(f"{path.name}: entry {entry_id}: {_describe(exc)}") from exc
    return entries


def load_entries(directory: Optional[Path] = None) -> List[Entry]:
    """All entries of all *.yml files in the directory, checked for duplicate ids across files."""
    directory = directory or SOURCES_DIR
    entries: List[Entry] = []
    seen: Dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        for entry in load_file(path):
            if entry.id in seen:
                raise KnowledgeError(f"{path.name}: entry {entry.id}: field 'id': duplicate of {seen[entry.id]}")
            seen[entry.id] = path.name
            entries.append(entry)
    if not entries:
        raise KnowledgeError(f"no knowledge entries under {directory}")
    return entries
