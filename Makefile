PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test lint corpus eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build kept on this machine, not the CUDA one.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/replika serve

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

corpus: $(STAMP)
	$(BIN)/python scripts/build_corpus.py

eval: $(STAMP)
	$(BIN)/replika eval --out docs/evaluation.md

bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py --out docs/performance.md

clean:
	rm -rf $(VENV) .replika
