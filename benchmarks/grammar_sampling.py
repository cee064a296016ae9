"""Greedy grammar-constrained decoding: stock llama-cpp-python sampler against
extractor.llm.llama_server's shortlist sampler, side by side in one process.

    .venv/bin/python benchmarks/grammar_sampling.py [--tokens 200] [--rounds 2]

Prints CPU and wall seconds per run and whether both produce the same tokens.
Needs the [embedded] extra. The request is the real one the extractor sends for
seeds/000_0cd24d71fac579ce.txt (tool schema with grounded evidence choices).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import instructor
from llama_cpp import Llama

from extractor import Extractor
from extractor.articles import read_article_file
from extractor.config import load_settings
from extractor.llm import llama_server
from extractor.llm.embedded import bundled_model_path

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "000_0cd24d71fac579ce.txt"


def request_for(article_path: Path) -> dict[str, Any]:
    """The chat-completion arguments the embedded default sends for one article."""
    settings = load_settings(
        base_url="http://127.0.0.1:9/v1",
        model="gemma-3-270m-q4_k_m",
        few_shot="none",
        grounded_decoding=True,
        max_events=4,
        max_text_length=60,
    )
    extractor = Extractor(settings)
    article = read_article_file(article_path)
    spec = instructor.openai_schema(extractor.response_model(article)).openai_schema  # type: ignore[attr-defined]
    return {  # what instructor's TOOLS mode sends
        "messages": extractor.prepare(article)["messages"],
        "tools": [{"type": "function", "function": spec}],
        "tool_choice": {"type": "function", "function": {"name": spec["name"]}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    llm = Llama(
        str(bundled_model_path()), n_ctx=8192, n_threads=2, chat_format="gemma", verbose=False
    )
    # repeat_penalty 1.1 is what llama_cpp.server applies when a request names none.
    request = {
        **request_for(ARTICLE),
        "temperature": 0.0,
        "max_tokens": args.tokens,
        "repeat_penalty": 1.1,
    }
    stock = Llama._init_sampler
    llama_server.install()
    fast = Llama._init_sampler
    outputs: dict[str, str] = {}
    totals = {"stock": [0.0, 0.0], "fast": [0.0, 0.0]}
    for _ in range(args.rounds):
        for name, sampler in (("stock", stock), ("fast", fast)):
            Llama._init_sampler = sampler  # type: ignore[method-assign]
            llm.reset()
            cpu, wall = time.process_time(), time.perf_counter()
            answer = llm.create_chat_completion(**request)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            tokens = answer["usage"]["completion_tokens"]  # type: ignore[index]
            call = answer["choices"][0]["message"]["tool_calls"][0]  # type: ignore[index]
            outputs[name] = call["function"]["arguments"]
            totals[name][0] += cpu
            totals[name][1] += wall
            print(f"{name:5}  {tokens} tokens  cpu {cpu:6.1f} s  wall {wall:6.1f} s", flush=True)
    print(f"same output: {outputs['stock'] == outputs['fast']}")
    print(
        f"stock/fast CPU ratio: {totals['stock'][0] / totals['fast'][0]:.2f}  "
        f"wall ratio: {totals['stock'][1] / totals['fast'][1]:.2f}"
    )


if __name__ == "__main__":
    main()
