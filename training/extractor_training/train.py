"""LoRA fine-tuning of the embedded Gemma 3 270M on the compact SFT set, on the CPU.

The prompt is rendered by llama-cpp-python's own `gemma` chat format, the one the
embedded server uses, so the model trains on exactly the tokens it is served. The loss
covers the answer tokens only, and the 262k-word output layer runs on those positions
only: that halves the cost of a step. The frozen base weights are held in bfloat16 (the
adapter stays float32): autocast would otherwise cast every frozen weight on every step
(`benchmarks/train_step_dtype.py`: a step in 0.74 of the time).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
END_OF_TURN = "<end_of_turn>"


@dataclass(frozen=True)
class TrainConfig:
    epochs: float = 1.4
    limit: int | None = None  # train on the first N examples of the seeded shuffle
    learning_rate: float = 2e-4
    accumulate: int = 1
    warmup_updates: int = 8
    rank: int = 16
    alpha: int = 32
    seed: int = 8
    max_tokens: int = 1800
    threads: int = 2
    base_dtype: str = "bfloat16"  # frozen base weights; "float32" is the slower original


@dataclass(frozen=True)
class TokenizedExample:
    id: str
    prompt_ids: list[int]
    answer_ids: list[int]


@dataclass(frozen=True)
class LossPoint:
    update: int
    examples_seen: int
    loss: float
    learning_rate: float
    elapsed_s: float


def chat_prompt(messages: list[dict[str, str]]) -> str:
    """The prompt text the embedded server builds for these messages (`--chat_format gemma`)."""
    from llama_cpp.llama_chat_format import format_gemma

    return str(format_gemma(messages=messages).prompt)


def read_sft(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def training_order(records: list[dict[str, Any]], config: TrainConfig) -> list[dict[str, Any]]:
    """The seeded shuffle; with `limit`, its first N examples (the learning-curve subsets)."""
    order = list(records)
    random.Random(config.seed).shuffle(order)
    return order[: config.limit] if config.limit else order


def tokenize(
    records: list[dict[str, Any]], tokenizer: Any, max_tokens: int
) -> list[TokenizedExample]:
    examples = []
    for record in records:
        *question, answer = record["messages"]
        prompt_ids = tokenizer(chat_prompt(question), add_special_tokens=True)["input_ids"]
        answer_ids = tokenizer(answer["content"] + END_OF_TURN, add_special_tokens=False)[
            "input_ids"
        ]
        if len(prompt_ids) + len(answer_ids) > max_tokens:
            continue  # too long for one step on this machine; counted in the card
        examples.append(TokenizedExample(record["id"], prompt_ids, answer_ids))
    return examples


def load_base(gguf_path: Path) -> tuple[Any, Any]:
    """Tokenizer and fp32 model from the GGUF file itself (transformers dequantizes it)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype="float32")
    model.hf_quantizer = None  # the weights are plain fp32 now; lets peft and saving work
    model.config.quantization_config = None
    return tokenizer, model


def total_steps(example_count: int, config: TrainConfig) -> int:
    """Examples seen in all: `epochs` passes, a fraction allowed."""
    return int(example_count * config.epochs)


def updates_planned(example_count: int, config: TrainConfig) -> int:
    return max(1, -(-total_steps(example_count, config) // config.accumulate))


def example_stream(
    examples: list[TokenizedExample], config: TrainConfig
) -> Iterator[TokenizedExample]:
    """`epochs` passes (a fraction allowed), reshuffled per pass with the fixed seed."""
    rng = random.Random(config.seed + 1)
    total = total_steps(len(examples), config)
    given = 0
    while given < total:
        order = list(examples)
        rng.shuffle(order)
        for example in order[: total - given]:
            yield example
            given += 1


def with_lora(model: Any, config: TrainConfig) -> Any:
    """`model` with its frozen base weights in `config.base_dtype` and LoRA adapters (float32,
    peft's default) on every attention and MLP projection: the peft model."""
    import torch
    from peft import LoraConfig, get_peft_model

    model.to(getattr(torch, config.base_dtype))
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.0,
        target_modules=list(TARGET_MODULES),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def answer_loss(peft_model: Any, example: TokenizedExample) -> Any:
    """Cross-entropy of the answer tokens; the output layer runs on their positions only."""
    import torch

    causal_lm = peft_model.base_model.model
    ids = torch.tensor([example.prompt_ids + example.answer_ids])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden = causal_lm.model(input_ids=ids, use_cache=False).last_hidden_state
        # position t predicts token t+1: the answer is predicted from prompt end - 1 on
        answer_hidden = hidden[0, len(example.prompt_ids) - 1 : -1]
        logits = causal_lm.lm_head(answer_hidden).float()
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return torch.nn.functional.cross_entropy(logits, torch.tensor(example.answer_ids))


def train_lora(
    model: Any,
    examples: list[TokenizedExample],
    config: TrainConfig,
    on_update: Callable[[LossPoint], None],
) -> Any:
    """Fine-tune LoRA adapters on `examples`; returns the peft model."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    peft_model = with_lora(model, config)
    parameters = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=0.0)
    total_updates = updates_planned(len(examples), config)
    schedule = get_linear_schedule_with_warmup(
        optimizer, min(config.warmup_updates, total_updates // 4), total_updates
    )
    peft_model.train()
    started = time.perf_counter()
    losses: list[float] = []
    last_step = total_steps(len(examples), config)
    for seen, example in enumerate(example_stream(examples, config), 1):
        loss = answer_loss(peft_model, example)
        (loss / config.accumulate).backward()
        losses.append(loss.item())
        if seen % config.accumulate == 0 or seen == last_step:
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            on_update(
                LossPoint(
                    update=schedule.last_epoch,
                    examples_seen=seen,
                    loss=round(sum(losses) / len(losses), 4),
                    learning_rate=schedule.get_last_lr()[0],
                    elapsed_s=round(time.perf_counter() - started, 1),
                )
            )
            losses.clear()
    peft_model.eval()
    return peft_model
