"""Outside evaluation material: public collections nobody here wrote or tuned on.

Each collection has a `dev` split (the only one any tuning may look at) and a `test` split (reported,
never tuned on). Collections whose licence does not allow redistribution are not committed: `prepare`
writes them to the local cache (HUE_EVAL_CACHE, default var/eval-cache/) from public snapshots, and
the evaluation skips them with a notice when they are absent (as in CI).

- vicov19qa (vi): UIT-ViCoV19QA, Vietnamese community questions about COVID-19 with answers from
  medical FAQ sources (Thai et al., PACLIC 2022; no licence stated, so cached only). dev = its val
  split, test = its test split; each split indexes its own 500 answers.
- stackfaq (en): StackFAQ (Karan & Šnajder 2018), 125 StackExchange threads with 1,375 user
  rephrasings; cached only. The thread's question and answers are indexed; the rephrasings are the
  questions, split dev/test by a hash of the text.
- clinc150-oos (en, committed, CC BY 3.0, Larson et al. 2019): the out-of-scope queries of the
  CLINC150 intent benchmark, knowledge/outside/clinc150_oos.json. oos_train is a calibration negative,
  oos_val checks declining, oos_test is only reported. Training queries of the benchmark's intents that
  are not ours (knowledge/outside/clinc150_other_intents.json) are negatives too.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_DIR = Path(__file__).resolve().parent / "outside"
CLINC_FILE = OUTSIDE_DIR / "clinc150_oos.json"
CLINC_OTHER_INTENTS_FILE = OUTSIDE_DIR / "clinc150_other_intents.json"
MIRRORS = Path(os.environ.get("HUE_MIRRORS", "/work/.mirror"))
SPLITS = ("dev", "test")

# name: (language, mirror repository, description)
COLLECTIONS = {
    "vicov19qa": ("vi", "triet2397+UIT-ViCoV19QA", "UIT-ViCoV19QA community COVID-19 QA (vi)"),
    "stackfaq": ("en", "ML-Recipes+BERT-FAQ", "StackFAQ StackExchange rephrasings (en)"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("HUE_EVAL_CACHE", ROOT / "var" / "eval-cache"))


def _git_show(repo: str, path: str) -> str:
    git_dir = MIRRORS / repo / "repo"
    return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def _split_of(text: str) -> str:
    return "dev" if int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def _vicov(split: str) -> List[dict]:
    name = {"dev": "val", "test": "test"}[split]
    text = _git_show(COLLECTIONS["vicov19qa"][1], f"dataset/1_ans/UIT-ViCoV19QA_{name}.csv")
    rows = csv.DictReader(io.StringIO(text), delimiter="|")
    return [{"q": r["Question"].strip(), "a": r["Answer_1"].strip()} for r in rows
            if (r.get("Question") or "").strip() and (r.get("Answer_1") or "").strip()]


def _stackfaq(split: str) -> List[dict]:
    data = json.loads(_git_show(COLLECTIONS["stackfaq"][1], "data/StackFAQ/stackExchange-FAQ.json"))
    rows = []
    for pair in data["root"]["qapair"]:
        answers = pair["answer"] if isinstance(pair["answer"], list) else [pair["answer"]]
        document = " ".join([pair["question"], *[a for a in answers if a]])
        for rephrasing in pair["rephr"]:
            rephrasing = (rephrasing or "").strip()
            if len(rephrasing) > 3 and _split_of(rephrasing) == split:
                rows.append({"q": rephrasing, "a": document})
            elif len(rephrasing) > 3:
                rows.append({"a": document})  # the other split's document is indexed all the same
    return rows


def prepare(names: Optional[List[str]] = None) -> Dict[str, str]:
    """Write the cached collections from the public snapshots; {name: status}."""
    status = {}
    for name in names or list(COLLECTIONS):
        try:
            builder = {"vicov19qa": _vicov, "stackfaq": _stackfaq}[name]
            out = cache_dir() / name
            out.mkdir(parents=True, exist_ok=True)
            for split in SPLITS:
                rows = builder(split)
                (out / f"{split}.jsonl").write_text(
                    "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            status[name] = f"written to {out}"
        except (OSError, subprocess.CalledProcessError, KeyError, ValueError) as exc:
            status[name] = f"not prepared: {exc}"
    return status


def load_split(name: str, split: str) -> Optional[Tuple[List[Tuple[str, str]], List[str]]]:
    """(question → answer pairs, every answer to index) of a cached collection, None when absent."""
    path = cache_dir() / name / f"{split}.jsonl"
    if not path.exists():
        return None
    pairs, answers = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        answers.append(row["a"])
        if row.get("q"):
            pairs.append((row["q"], row["a"]))
    return pairs, answers


def clinc_oos(split: str) -> List[str]:
    """CLINC150 out-of-scope queries: split is train, val or test."""
    return json.loads(CLINC_FILE.read_text(encoding="utf-8"))[f"oos_{split}"]


def clinc_other_intents() -> List[str]:
    """CLINC150 training queries of intents no entry answers (banking, cooking, smart home, car care…),
    committed in knowledge/outside/clinc150_other_intents.json: out-of-scope negatives for the domain
    model and the confidence. Its selection note names the intents left out because people ask a city
    assistant about them (travel, bills, taxes, insurance, getting around, restaurants)."""
    data = json.loads(CLINC_OTHER_INTENTS_FILE.read_text(encoding="utf-8"))
    return [query for queries in data["queries"].values() for query in queries]
