# Two set-up commands, each creating .venv and installing what it needs:
#   make demo   run the main job on the built-in 2021 campaign
#   make test   run the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= exports/endchildlabour2021
DB     ?= sqlite:///$(OUT)/campaign.db
# replay the campaign's busiest day: World Day Against Child Labour, 12 June 2021
NOW    ?= 2021-06-12T09:30+02:00

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/campaign validate
	$(BIN)/campaign kit --out $(OUT)
	$(BIN)/campaign db upgrade --db $(DB)
	@for n in x bluesky mastodon; do $(BIN)/campaign accounts add $$n demo-$$n --db $(DB); done
	$(BIN)/campaign queue plan --account x --account bluesky --account mastodon --db $(DB)
	$(BIN)/campaign run --once --dry-run --now $(NOW) --outbox $(OUT)/outbox.jsonl --db $(DB)
	$(BIN)/campaign db status --db $(DB)

lint: $(STAMP)
	$(BIN)/ruff check campaign tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/bench_queue.py

clean:
	rm -rf $(VENV) exports .pytest_cache .mypy_cache .ruff_cache
