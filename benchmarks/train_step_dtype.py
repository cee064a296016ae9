"""Seconds per LoRA training step with the frozen base weights in float32 or bfloat16.

Runs `extractor train`'s step (bf16 autocast, loss and output layer on the answer tokens
only) on the first 8 examples of training/sft/sft.jsonl, and prints each step and the
mean over steps 3-8. One mode per run: the model loads in about a minute.

    .venv/bin/python -m benchmarks.train_step_dtype float32
    .venv/bin/python -m benchmarks.train_step_dtype bfloat16
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(dtype: str) -> None:
    import torch
    from extractor_training.train import TARGET_MODULES, load_base, read_sft, tokenize
    from peft import LoraConfig, get_peft_model

    from extractor.llm.embedded import bundled_model_path

    torch.set_num_threads(2)
    tokenizer, model = load_base(bundled_model_path())
    examples = tokenize(read_sft(Path("training/sft/sft.jsonl"))[:8], tokenizer, 1800)
    model.to(getattr(torch, dtype))
    lora = LoraConfig(
        r=16,
        lora_alpha=32,
        lora_dropout=0.0,
        target_modules=list(TARGET_MODULES),
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    causal_lm = peft_model.base_model.model
    parameters = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=1e-4)
    peft_model.train()
    seconds = []
    for number, example in enumerate(examples, 1):
        started = time.perf_counter()
        ids = torch.tensor([example.prompt_ids + example.answer_ids])
        with torch.autocast("cpu", dtype=torch.bfloat16):
            hidden = causal_lm.model(input_ids=ids, use_cache=False).last_hidden_state
            answer = hidden[0, len(example.prompt_ids) - 1 : -1]
            logits = causal_lm.lm_head(answer).float()
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(example.answer_ids))
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
