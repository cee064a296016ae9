"""Write a peft LoRA adapter as a GGUF LoRA that llama.cpp loads over the base GGUF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_LORA_KEY = re.compile(r"(model\.layers\.\d+\.\w+\.\w+_proj)\.lora_([AB])\.(?:default\.)?weight$")


def write_gguf_lora(peft_model: Any, out: Path, *, alpha: float) -> int:
    """Write every LoRA pair of `peft_model` to `out` (f16); returns the pair count."""
    import gguf
    import numpy as np

    causal_lm = peft_model.base_model.model
    block_count = causal_lm.config.num_hidden_layers
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3, block_count)
    pairs: dict[str, dict[str, Any]] = {}
    for key, tensor in causal_lm.state_dict().items():
        match = _LORA_KEY.search(key)
        if match:
            pairs.setdefault(match.group(1), {})[match.group(2)] = tensor
    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.GEMMA3])
    writer.add_string(gguf.Keys.General.TYPE, gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    for hf_name, pair in sorted(pairs.items()):
        base = names.get_name(hf_name + ".weight", try_suffixes=(".weight",))
        if base is None:
            raise ValueError(f"no GGUF name for {hf_name}")
        # llama.cpp wants A as (rank, in) and B as (out, rank): peft's own layout
        for part in ("A", "B"):
            array = pair[part].detach().float().numpy().astype(np.float16)
            writer.add_tensor(f"{base}.lora_{part.lower()}", array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return len(pairs)
