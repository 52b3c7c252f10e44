"""Intent macro-F1 on the held-out NLU split, per language slice and overall, via Rasa's own
`rasa test nlu` evaluation (rasa.nlu.test.run_evaluation), loading the model once.

python -m bot.nlu_eval --model models/hue-assistant.tar.gz --data tests/nlu --out results/nlu
Prints each slice against the project's targets (overall 0.95, no-diacritics 0.92); exits 1 when a
score falls under the floors given (--min-overall, --min-nodiac; `make test` sets them), which guard
against regressions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Dict

SLICES = {"vi": "vi.yml", "vi-nodiac": "vi_nodiac.yml", "en": "en.yml"}
TARGETS = {"overall": 0.95, "vi-nodiac": 0.92}


async def evaluate(model: Path, data: Path, out: Path) -> Dict[str, Dict[str, float]]:
    from rasa.core.agent import Agent
    from rasa.nlu.test import run_evaluation

    agent = Agent.load(model_path=str(model))
    scores: Dict[str, Dict[str, float]] = {}
    parts = {name: data / filename for name, filename in SLICES.items()}
    parts["overall"] = data
    for name, path in parts.items():
        result = await run_evaluation(
            str(path), agent.processor, output_directory=str(out / name), errors=True,
            disable_plotting=True, report_as_dict=True, domain_path="domain.yml",
        )
        report = result["intent_evaluation"]["report"]
        scores[name] = {
            "macro_f1": round(report["macro avg"]["f1-score"], 4),
            "accuracy": round(result["intent_evaluation"]["accuracy"], 4),
            "n": int(report["macro avg"]["support"]),
        }
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("tests/nlu"))
    parser.add_argument("--out", type=Path, default=Path("results/nlu"))
    parser.add_argument("--min-overall", type=float, default=TARGETS["overall"])
    parser.add_argument("--min-nodiac", type=float, default=TARGETS["vi-nodiac"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug parse lines would print every held-out text
    scores = asyncio.run(evaluate(args.model, args.data, args.out))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(scores, indent=2))
    print(f"{'slice':<10} {'macro-F1':>9} {'accuracy':>9} {'n':>5}  target")
    for name, s in scores.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  {target:.2f} {'met' if s['macro_f1'] >= target else 'NOT met'}"
        print(f"{name:<10} {s['macro_f1']:>9.4f} {s['accuracy']:>9.4f} {s['n']:>5}{verdict}")
    floors = {"overall": args.min_overall, "vi-nodiac": args.min_nodiac}
    failed = [f"{name} {scores[name]['macro_f1']:.4f} < {floor}"
              for name, floor in floors.items() if scores[name]["macro_f1"] < floor]
    if failed:
        print("NLU below target: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
