"""llama-cpp-python's OpenAI-compatible server, with fast greedy grammar-constrained sampling.

Stock llama-cpp-python runs the grammar over all 262k vocabulary entries at every step,
which makes constrained decoding several times slower than free decoding. For greedy
decoding (temperature 0) this launcher checks the grammar on the best few candidates
first and falls back to the full vocabulary only when none of them can win. The chosen
token is the same one the stock sampler picks; `benchmarks/grammar_sampling.py` checks
that and measures the difference.

Two more changes to the stock server, both for a user who runs one answer twice:
- every completion starts from an empty KV cache (`Llama.reset()`), so an answer depends
  on its own prompt only, not on what the server answered before (the stock server
  reuses the longest common prompt prefix, which changes greedy answers);
- a watchdog ends the server within a second when the process that started it is gone
  (`EXTRACTOR_LLAMA_PARENT_PID`), even after a `kill -9`, and removes its log file
  (`EXTRACTOR_LLAMA_LOG`).

Run as `python -m extractor.llm.llama_server <llama_cpp.server arguments>`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import numpy as np

PARENT_PID_ENV = "EXTRACTOR_LLAMA_PARENT_PID"
LOG_ENV = "EXTRACTOR_LLAMA_LOG"
WATCH_INTERVAL_S = 0.5
TOKEN_DTYPE = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
SHORTLIST = 64  # candidates checked against the grammar before the whole vocabulary


class FastGreedyGrammarSampler:
    """Penalties, then grammar, then greedy: the stock chain's result, mostly on a shortlist."""

    def __init__(
        self,
        vocab: Any,
        grammar: Any,
        n_vocab: int,
        *,
        penalty_last_n: int,
        penalty_repeat: float,
        penalty_freq: float,
        penalty_present: float,
    ) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self.n_vocab = n_vocab
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self.penalties = llama_cpp.llama_sampler_init_penalties(
            n_vocab, penalty_last_n, penalty_repeat, penalty_freq, penalty_present
        )
        self._all = np.zeros(n_vocab, dtype=TOKEN_DTYPE)
        self.shortlist_hits = 0
        self.full_scans = 0

    def _apply(self, sampler: Any, candidates: np.ndarray) -> None:
        lib = self._lib
        array = lib.llama_token_data_array(
            data=candidates.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)),
            size=len(candidates),
            selected=-1,
            sorted=False,
        )
        lib.llama_sampler_apply(sampler, ctypes.byref(array))

    def _constrain(self, candidates: np.ndarray) -> int:
        """Index of the best candidate the penalties and the grammar leave; -1 if none."""
        self._apply(self.penalties, candidates)
        self._apply(self.grammar, candidates)
        best = int(np.argmax(candidates["logit"]))
        return best if np.isfinite(candidates["logit"][best]) else -1

    def sample(self, ctx: Any, idx: int = -1) -> int:
        pointer = self._lib.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))
        order = np.argpartition(logits, -(SHORTLIST + 1))[-(SHORTLIST + 1) :]
        order = order[np.argsort(logits[order])[::-1]]
        shortlist, runner_up = order[:SHORTLIST], float(logits[order[SHORTLIST]])
        candidates = np.zeros(SHORTLIST, dtype=TOKEN_DTYPE)
        candidates["id"] = shortlist
        candidates["logit"] = logits[shortlist]
        best = self._constrain(candidates)
        # Penalties only lower logits, so no token outside the shortlist can beat this one.
        if best >= 0 and candidates["logit"][best] >= runner_up:
            token = int(candidates["id"][best])
            self.shortlist_hits += 1
        else:
            everything = self._all
            everything["id"] = np.arange(self.n_vocab, dtype=np.int32)
            everything["logit"] = logits
            everything["p"] = 0
            best = self._constrain(everything)
            token = int(everything["id"][best])
            self.full_scans += 1
        self.accept(token)
        return token

    def accept(self, token: int) -> None:
        self._lib.llama_sampler_accept(self.penalties, token)
        self._lib.llama_sampler_accept(self.grammar, token)

    def reset(self) -> None:
        self._lib.llama_sampler_reset(self.penalties)
        self._lib.llama_sampler_reset(self.grammar)

    def close(self) -> None:
        for name in ("penalties", "grammar"):
            sampler = getattr(self, name, None)
            if sampler is not None:
                self._lib.llama_sampler_free(sampler)
                setattr(self, name, None)

    def __del__(self) -> None:
        self.close()


def install() -> None:
    """Make `Llama` use the fast sampler for greedy grammar-constrained generation."""
    from llama_cpp import Llama

    stock = Llama._init_sampler
    if getattr(stock, "fast_grammar", False):
        return

    def init_sampler(self: Llama, **options: Any) -> Any:
        greedy = options.get("temp", 0.8) == 0.0 and options.get("mirostat_mode", 0) == 0
        grammar = options.get("grammar")
        if grammar is None or not greedy or options.get("logits_processor") is not None:
            return stock(self, **options)
        return FastGreedyGrammarSampler(
            self._model.vocab,
            grammar,
            self._n_vocab,
            penalty_last_n=self.last_n_tokens_size,
            penalty_repeat=options.get("repeat_penalty", 1.0),
            penalty_freq=options.get("frequency_penalty", 0.0),
            penalty_present=options.get("presence_penalty", 0.0),
        )

    init_sampler.fast_grammar = True  # type: ignore[attr-defined]
    cast(Any, Llama)._init_sampler = init_sampler

    stock_completion = Llama.create_completion

    def create_completion(self: Llama, *args: Any, **kwargs: Any) -> Any:
        cast(Any, self).reset()  # no prompt-prefix reuse: the answer depends on its own prompt only
        return stock_completion(self, *args, **kwargs)

    cast(Any, Llama).create_completion = create_completion


def watch_parent(parent_pid: int, log_path: str | None) -> threading.Thread:
    """End this process (and remove its log) once `parent_pid` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_INTERVAL_S)
        if log_path:
            with contextlib.suppress(OSError):
                os.unlink(log_path)
        os._exit(0)

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def main() -> None:
    parent = os.environ.get(PARENT_PID_ENV)
    if parent:
        watch_parent(int(parent), os.environ.get(LOG_ENV))
    install()
    from llama_cpp.server.__main__ import main as serve

    cast(Callable[[], None], serve)()


if __name__ == "__main__":
    main()
