"""Is the embedded default deterministic? The same article, asked again and again with other
articles in between, must give byte-identical events.

    .venv/bin/python benchmarks/determinism.py                 # seed 004, 5 times
    .venv/bin/python benchmarks/determinism.py --compare a.jsonl b.jsonl   # two batch runs

The first form extracts `seeds/004_1defd1476dc2c061.txt` `--times` times through one
`Extractor` with the zero-configuration embedded server, asking `seeds/000_...` and
`seeds/120_...` in turn in between (the server has just answered other articles each time), and
prints each answer's events' hash and time. The second compares the events of two
`extractor batch` output files article by article. Both exit 1 on any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import Extractor, read_article_file  # noqa: E402

SEEDS = ROOT / "seeds"
ASKED = "004_1defd1476dc2c061"
BETWEEN = ("000_0cd24d71fac579ce", "120_wearside_cells_loans")


def events_json(events: list[Any]) -> str:
    """The events as canonical JSON: dicts as read from a file, or the models themselves."""
    plain = [e if isinstance(e, dict) else e.model_dump(mode="json") for e in events]
    return json.dumps(plain, sort_keys=True)


def repeat(times: int) -> int:
    asked = read_article_file(SEEDS / f"{ASKED}.txt")
    others = [read_article_file(path) for name in BETWEEN for path in SEEDS.glob(f"{name}*.txt")]
    answers: list[str] = []
    with Extractor() as extractor:
        for number in range(times):
            started = time.perf_counter()
            result = extractor.extract(asked)
            seconds = time.perf_counter() - started
            answer = events_json(list(result.events))
            answers.append(answer)
            digest = hashlib.sha256(answer.encode()).hexdigest()[:12]
            print(
                f"answer {number + 1}: {len(result.events)} events, "
                f"sha256 {digest}, {seconds:.1f} s"
            )
            extractor.extract(others[number % len(others)])  # the server answers another article
    identical = len(set(answers)) == 1
    print("identical" if identical else "DIFFERENT answers")
    return 0 if identical else 1


def compare(first: Path, second: Path) -> int:
    def read(path: Path) -> dict[str, str]:
        return {
            (record := json.loads(line))["article_id"]: events_json(record["events"])
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line).get("record") == "result"
        }

    one, two = read(first), read(second)
    common = sorted(set(one) & set(two))
    different = [key for key in common if one[key] != two[key]]
    print(f"{len(common)} articles in both; {len(different)} with different events")
    for key in different[:10]:
        print(f"  {key}")
    return 1 if different else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=5)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("FIRST", "SECOND"))
    args = parser.parse_args()
    sys.exit(compare(*args.compare) if args.compare else repeat(args.times))


if __name__ == "__main__":
    main()
