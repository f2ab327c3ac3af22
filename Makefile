PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser serve test lint corpus eval relevance bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build kept on this machine, not the CUDA one.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser test drives Debian's Chromium; install it when missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	      || echo "note: could not install chromium; the browser test will say so"; \
	  else echo "note: chromium missing; run 'apt-get install chromium' as root"; fi; \
	fi

serve: $(STAMP)
	$(BIN)/replika serve

test: $(STAMP) browser
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

corpus: $(STAMP)
	$(BIN)/python scripts/build_corpus.py
	$(BIN)/python scripts/ship_vectors.py
	$(BIN)/python scripts/corpus_report.py > /dev/null

eval: $(STAMP)
	$(BIN)/replika eval --dense-models minilm --out docs/evaluation.md

# Refit the shipped relevance models (and their no-match thresholds) on eval/.
relevance: $(STAMP)
	$(BIN)/replika relevance fit
	$(BIN)/replika relevance fit --model hashing

bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py
	$(BIN)/python scripts/bench_forum.py
	$(BIN)/python scripts/loadtest.py
	$(BIN)/python scripts/bench_scale.py

screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshot.py

clean:
	rm -rf $(VENV) .replika
