"""Drafts `parts` for knowledge entries from their own answer text: for each aspect, the sentences
of the entry's vi and en answers (and steps) that speak about it, verbatim. Nothing is invented: a
part exists only when both languages have such a sentence. The drafts are inserted after the
entry's `reviewed:` line and then read over by a person (docs/knowledge.md, "Parts").

Run: .venv/bin/python scripts/draft_parts.py ID [ID …] [--skip FILE] [--write]
(--skip: lines "entry_id aspect" of drafts a reviewer rejected, left out when writing)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.text import fold_key
from knowledge.schema import PART_MAX_CHARS, SOURCES_DIR, Entry, load_file

# Sentence cues per aspect (accent-folded, lower case; regular expressions).
CUES: Dict[str, Dict[str, str]] = {
    "fee": {"vi": r"\b(le phi|phi|mien phi|gia ve|ve nguoi lon|ve tre em|\d[\d.,]* ?(d|dong|vnd)|"
                  r"\d+ ?(nghin|trieu) ?(d|dong)|khong thu|tien mat|chuyen khoan)\b",
            "en": r"\b(fees?|free|prices?|vnd|costs?|charged?|tickets?|cash|card)\b"},
    "duration": {"vi": r"\b(ngay lam viec|trong vong|thoi han|tra ket qua|trong ngay|\d+ ngay|\d+ thang|"
                       r"\d+ tuan|vai tuan|vai ngay|mat khoang|thoi gian)\b",
                 "en": r"\b(working days?|within|same day|\d+ days?|\d+ weeks?|\d+ months?|few (days|weeks)|"
                       r"takes?|processing)\b"},
    "where": {"vi": r"\b(nop (ho so )?tai|nop o|tai (cong an|uy ban|ubnd|trung tam|bo phan|so|phong|chi nhanh|"
                    r"buu cuc|benh vien|tram|diem)|bo phan mot cua|phuc vu hanh chinh cong|dia chi|"
                    r"nam (o|tren|tai|ben|gan|canh)|cach trung tam|bo (bac|nam))\b",
              "en": r"\b(apply at|submit (it |them )?(at|to)|office|centre|center|located|address|"
                    r"(north|south) bank|km (from|south|north|west|east)|next to|near)\b"},
    "documents": {"vi": r"\b(giay to|ho so gom|ho so:|ho so can|mang theo|to khai|ban sao|ban chinh)\b",
                  "en": r"\b(documents?|bring|forms?|cop(y|ies)|papers?|file (usually )?includes)\b"},
    "online": {"vi": r"\b(truc tuyen|dichvucong|vneid|online|qua mang|ung dung|hue-s|cong dich vu cong)\b",
               "en": r"\b(online|vneid|dichvucong|app|website|portal|hue-s)\b"},
    "hours": {"vi": r"(\b\d{1,2} ?h ?(\d{2})?\b|\b\d{1,2}:\d{2}\b|\bmo cua\b|\bgio hanh chinh\b|\bgio lam viec\b|"
                    r"\bthu hai\b|\bthu 2\b|\bthu bay\b|\bchu nhat\b)",
              "en": r"(\b\d{1,2}(:\d{2})? ?(am|pm)\b|\b\d{1,2}:\d{2}\b|\bopen(s|ing)?\b|\bhours\b|\bclos(es|ed|ing)\b|"
                    r"\bmonday|\bsaturday|\bsunday|\bdaily\b|\boffice hours\b)"},
    "contact": {"vi": r"\b(goi|hotline|so dien thoai|duong day nong|lien he|tong dai)\b",
                "en": r"\b(call|hotline|phone|contact)\b"},
}
# sentence ends, but not after "e.g." / "i.e." / "tel." / "v.v."
_SENTENCE = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<!tel\.)(?<!v\.v\.)(?<=[.!?])\s+|\n+")


def sentences(entry: Entry, language: str) -> List[Tuple[int, str]]:
    """(paragraph number, sentence) of the answer, then the steps as one more paragraph."""
    block = entry.block(language)
    found = []
    for number, paragraph in enumerate(p for p in re.split(r"\n\s*\n", block.answer) if p.strip()):
        found += [(number, s.strip()) for s in _SENTENCE.split(paragraph) if len(s.strip()) > 3]
    return found + [(1000, step) for step in block.steps]


_PHONE = re.compile(r"\b1[89]00 ?\d{3,4}\b|\b0\d{2,3}[ .]?\d{3}[ .]?\d{3,4}\b|\b11[345]\b")


def ranked(entry: Entry, aspect: str, language: str) -> List[Tuple[int, int, int, str]]:
    """(score, order, paragraph, sentence) for the sentences that match the aspect, best first."""
    cue = re.compile(CUES[aspect][language])
    rows = []
    for order, (paragraph, sentence) in enumerate(sentences(entry, language)):
        hits = len(cue.findall(fold_key(sentence)))
        if aspect == "contact" and _PHONE.search(sentence):
            hits += 2
        if hits:
            rows.append((hits, order, paragraph, sentence))
    return sorted(rows, key=lambda t: (-t[0], t[1]))


def pick_sentences(rows: List[Tuple[int, int, int, str]]) -> Optional[str]:
    """The best sentence, and the next one too when it matches as strongly (two cues or more)."""
    if not rows:
        return None
    best = rows[:1] + [t for t in rows[1:2] if t[0] >= max(2, rows[0][0])]
    chosen: List[str] = []
    for row in sorted(best, key=lambda t: t[1]):
        if len(" ".join(chosen + [row[3]])) <= PART_MAX_CHARS:
            chosen.append(row[3])
    return " ".join(chosen) or None


def draft_pair(entry: Entry, aspect: str) -> Optional[Dict[str, str]]:
    """The English sentence(s) first (its cues are the sharper), then the Vietnamese from the same
    paragraph when one there matches, so both languages say the same thing."""
    en_rows = ranked(entry, aspect, "en")
    vi_rows = ranked(entry, aspect, "vi")
    if not en_rows or not vi_rows:
        return None
    paragraph = en_rows[0][2]
    same = [r for r in vi_rows if r[2] == paragraph]
    en, vi = pick_sentences(en_rows), pick_sentences(same or vi_rows)
    return {"vi": vi, "en": en} if vi and en else None


def drafts(entry: Entry) -> Dict[str, Dict[str, str]]:
    parts = {}
    for aspect in CUES:
        pair = draft_pair(entry, aspect)
        if pair:
            parts[aspect] = pair
    return parts


def yaml_block(parts: Dict[str, Dict[str, str]]) -> str:
    lines = ["    parts:"]
    for aspect, texts in parts.items():
        lines.append(f"      {aspect}:")
        for language in ("vi", "en"):
            lines.append(f"        {language}: {json.dumps(texts[language], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def insert(path: Path, entry_id: str, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {entry_id}\n")
    reviewed = re.compile(r"^    reviewed: .*\n", re.M).search(text, start)
    assert reviewed is not None
    path.write_text(text[:reviewed.end()] + block + text[reviewed.end():], encoding="utf-8")


def main() -> None:
    args = sys.argv[1:]
    write = "--write" in args
    skip = set()
    if "--skip" in args:
        skip_file = Path(args.pop(args.index("--skip") + 1))
        skip = {tuple(line.split()[:2]) for line in skip_file.read_text().splitlines() if line.strip()}
    wanted = [a for a in args if not a.startswith("--")]
    for path in sorted(SOURCES_DIR.glob("*.yml")):
        for entry in load_file(path):
            if entry.id in wanted and entry.parts.present() == []:
                parts = {a: t for a, t in drafts(entry).items() if (entry.id, a) not in skip}
                print(f"# {entry.id}\n{yaml_block(parts)}")
                if write and parts:
                    insert(path, entry.id, yaml_block(parts))


if __name__ == "__main__":
    main()
