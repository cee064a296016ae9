"""Seconds per LoRA training step with the frozen base weights in float32 or bfloat16.

Runs `extractor train`'s own step (`answer_loss`, then an AdamW update) on the first 8
examples of training/sft/sft.jsonl, and prints each step and the mean over steps 3-8.
One mode per run: the model loads in about a minute.

    .venv/bin/python -m benchmarks.train_step_dtype float32
    .venv/bin/python -m benchmarks.train_step_dtype bfloat16
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(dtype: str) -> None:
    import torch
    from extractor_training.train import (
        TrainConfig,
        answer_loss,
        load_base,
        read_sft,
        tokenize,
        with_lora,
    )

    from extractor.llm.embedded import bundled_model_path

    config = TrainConfig(base_dtype=dtype)
    torch.set_num_threads(config.threads)
    tokenizer, model = load_base(bundled_model_path())
    examples = tokenize(read_sft(Path("training/sft/sft.jsonl"))[:8], tokenizer, config.max_tokens)
    peft_model = with_lora(model, config)
    parameters = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate)
    peft_model.train()
    seconds = []
    for number, example in enumerate(examples, 1):
        started = time.perf_counter()
        loss = answer_loss(peft_model, example)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seconds.append(time.perf_counter() - started)
        tokens = len(example.prompt_ids) + len(example.answer_ids)
        print(
            f"{dtype} step {number}: {tokens} tokens, {seconds[-1]:.2f} s, loss {loss.item():.3f}"
        )
    print(f"{dtype}: mean {sum(seconds[2:]) / len(seconds[2:]):.2f} s per step over steps 3-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bfloat16")
