# Two commands set everything up on a fresh machine:
#   make run   - install with the embedded model, extract the seed articles (every subset), score them
#   make test  - install the dev tools and run lint, types and the test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Portable llama.cpp build: the native one crashes in libggml-cpu on these Xeons (AMX).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
OUT ?= out

.PHONY: run test lint record train learning-curve install-embedded install-dev clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.embedded: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install -q -e ".[embedded]"
	touch $@

$(VENV)/.train: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install -q -e ".[train,embedded]"
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install-embedded: $(VENV)/.embedded
install-dev: $(VENV)/.dev

run: $(VENV)/.embedded
	@mkdir -p $(OUT)
	@# `batch` exits 1 when some article failed; its records say why, and the eval still runs.
	$(BIN)/extractor batch seeds/ seeds/real/ seeds/lang/ -o $(OUT)/seeds.jsonl || [ $$? -eq 1 ]
	$(BIN)/extractor eval --data seeds --predictions $(OUT)/seeds.jsonl --report $(OUT)/eval
	@echo "results: $(OUT)/seeds.jsonl  report: $(OUT)/eval/report.html"

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Re-record every cassette from the embedded llama.cpp server (about 14 min here).
# WIRE=tests/wire/test_reask.py re-records one module.
WIRE ?= tests/wire
record: $(VENV)/.embedded $(VENV)/.dev
	$(BIN)/pytest $(WIRE) --record-mode=rewrite -n 0 -q

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info

# The fine-tuning set, rebuilt from training/articles/ exactly as the manifest records it.
SFT := training/sft/sft.jsonl
$(SFT): $(VENV)/.train training/manifest.jsonl
	$(BIN)/extractor augment
	$(BIN)/extractor build-sft

# Fine-tune the shipped adapter again (about 59 minutes on 2 cores); see its MODEL_CARD.md.
train: $(SFT)
	$(BIN)/extractor train

# Train on the first LC_SIZES examples of the seeded shuffle, evaluate each on seeds/, plot
# beside the shipped adapter (all 697). A weak model's answers run to EXTRACTOR_MAX_TOKENS,
# so each eval takes up to 20 min.
LC ?= $(OUT)/learning-curve
LC_SIZES ?= 50 200
learning-curve: $(SFT)
	for n in $(LC_SIZES); do \
	  $(BIN)/extractor train --limit $$n --out $(LC)/$$n && \
	  EXTRACTOR_EMBEDDED_ADAPTER=$(LC)/$$n/events-lora.gguf \
	    $(BIN)/extractor eval --data seeds --report $(LC)/$$n/eval || exit 1; \
	done
	$(BIN)/extractor learning-curve $(foreach n,$(LC_SIZES),$(LC)/$(n)) extractor/llm/adapter
