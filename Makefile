# Set-up commands, each creating .venv and installing what it needs:
#   make demo   run the main job on the built-in 2021 campaign (its accounts are outbox files)
#   make serve  the web dashboard on the demo's database (made by `make demo` when absent)
#   make test   run the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PDS    := tests/servers/pds
PDS_STAMP := $(PDS)/node_modules/.campaign-pds-installed
OUT    ?= exports/endchildlabour2021
DB     ?= sqlite:///$(OUT)/campaign.db
# replay the campaign's busiest day: World Day Against Child Labour, 12 June 2021
NOW    ?= 2021-06-12T09:30+02:00
# make serve: where the dashboard listens, and the day it counts from (the demo's; TODAY= for today)
PORT   ?= 8000
TODAY  ?= 2021-06-12

.PHONY: demo serve test bench lint pds chromium wrk clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The real Bluesky PDS that tests start (a Node 22 binary and npm packages, all from the npm
# registry; install.sh keeps its own stamp). Should the install fail (no registry), make goes on and
# the tests that need the PDS skip, saying why: the rest of the suite still runs. Not on CI (CI set):
# there a failed install fails the run, so the Bluesky tests cannot be skipped unnoticed.
$(PDS_STAMP): $(PDS)/package-lock.json $(PDS)/install.sh
	@$(PDS)/install.sh && touch $@ || { [ -z "$$CI" ] || exit 1; \
	  echo "make: the test PDS is not installed, the tests that need it will skip"; }

pds: $(PDS_STAMP)

# Debian's Chromium for the browser tests (Playwright drives it through executable_path: no
# browser download). Installed with apt where make runs as root; elsewhere the browser tests skip,
# saying why, except on CI (CI set), where a missing Chromium fails them.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
	  && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	       >/dev/null; } \
	  || echo "make: Debian's chromium is not installed: the browser tests will skip (CI fails them)"; }

# Debian's wrk, the load tool of the web benchmark: installed with apt where make runs as root;
# elsewhere bench_web.py says the pages are not measured, and measures the form.
wrk:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
	  && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
	       >/dev/null; } \
	  || echo "make: Debian's wrk is not installed: the web benchmark will not measure the pages"; }

demo: $(STAMP)
	$(BIN)/campaign validate
	$(BIN)/campaign kit --out $(OUT)
	$(BIN)/campaign db upgrade --db $(DB)
	@for n in x bluesky mastodon; do $(BIN)/campaign accounts add $$n demo-$$n --db $(DB) \
	  --credentials outbox:$(OUT)/outbox.jsonl; done
	$(BIN)/campaign pledge import schedules/examples/pledges/pledges-2021.json --skip-existing \
	  --no-resolve --db $(DB)
	$(BIN)/campaign pledge posts --queue --kit $(OUT)/pledge-kits --db $(DB)
	$(BIN)/campaign pledge report --today 2021-07-01 --db $(DB)
	$(BIN)/campaign track import schedules/examples/tracking/x-2021.jsonl \
	  schedules/examples/tracking/posts-2021.csv schedules/examples/tracking/year-2021.csv \
	  --db $(DB)
	$(BIN)/campaign track authors --pledgers --db $(DB)
	$(BIN)/campaign report --today 2021-12-15 --html $(OUT)/report.html --csv $(OUT)/report \
	  --chart $(OUT)/posts.svg --db $(DB)
	$(BIN)/campaign story --out $(OUT)/story.html --lang fr --today 2021-12-31 --db $(DB)
	$(BIN)/campaign queue plan --account x=demo-x --account bluesky=demo-bluesky \
	  --account mastodon=demo-mastodon --db $(DB)
	@# the secretariat's accounts of the example policy, amplifying pledgers' posts (outbox too)
	@for a in "x ILO_fr" "bluesky ilo.bsky.social"; do $(BIN)/campaign accounts add $$a \
	  --db $(DB) --credentials outbox:$(OUT)/outbox.jsonl >/dev/null; done
	$(BIN)/campaign amplify auto --policy schedules/examples/amplify-policy.yaml --now $(NOW) \
	  --db $(DB)
	$(BIN)/campaign run --once --now $(NOW) --db $(DB)
	$(BIN)/campaign db status --db $(DB)

# The one-command local start: the demo's SQLite database (made once), served on 127.0.0.1.
serve: $(STAMP)
	@[ -f $(OUT)/campaign.db ] || $(MAKE) --no-print-directory demo
	@# a demo database made by an older version: brought to the newest schema (idempotent)
	@$(BIN)/campaign db upgrade --db $(DB) >/dev/null
	@echo "make serve: to sign in, add a user first (in another terminal):"
	@echo "  $(BIN)/campaign users add NAME --role admin --db $(DB)"
	$(BIN)/campaign serve --port $(PORT) --db $(DB) $(if $(TODAY),--today $(TODAY))

lint: $(STAMP)
	$(BIN)/ruff check campaign tests bench tools
	$(BIN)/mypy

test: lint $(PDS_STAMP) chromium
	$(BIN)/pytest -q -n auto

bench: $(STAMP) $(PDS_STAMP) wrk
	$(BIN)/python bench/run.py
	$(BIN)/python bench/bench_queue.py
	$(BIN)/python bench/bench_publish.py
	$(BIN)/python bench/bench_pledges.py
	$(BIN)/python bench/bench_track.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_web.py

clean:
	rm -rf $(VENV) exports .pytest_cache .mypy_cache .ruff_cache $(PDS)/node_modules
