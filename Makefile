# `make run` serves the demo corpus; `make test` runs every check CI runs. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-fast test lint typecheck pytest contract bench bench-http bench-live peers soak clean

# Serving needs only the package; the checks add the test toolchain (`.[test]`) on top.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

# `feeds serve`: gunicorn with the packaged settings (feeds/gunicorn_conf.py), access log on stdout.
run: $(STAMP)
	FEEDS_CONTENT_DIR=$${FEEDS_CONTENT_DIR:-content} $(BIN)/feeds serve --bind $(HOST):$(PORT) --workers 2

# The same with granian (the faster WSGI server; see README "Speed").
run-fast: $(STAMP)
	FEEDS_CONTENT_DIR=$${FEEDS_CONTENT_DIR:-content} $(BIN)/granian --interface wsgi --no-ws \
	  --blocking-threads 1 --backpressure 64 --workers 2 --host $(HOST) --port $(PORT) feeds.wsgi:app

test: lint typecheck pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

pytest: $(TEST_STAMP)
	$(BIN)/pytest

# Holds a running server to ../shared/docs/contract.md (needs the shared folder beside the repo).
contract: $(STAMP)
	FEEDS_CONTENT_DIR=../shared/corpus FEEDS_BASE_URL=http://127.0.0.1:8011 \
	  $(BIN)/gunicorn --bind 127.0.0.1:8011 --pid /tmp/feeds-contract.pid --daemon wsgi:app
	sleep 2; $(BIN)/python ../shared/tools/contract_check.py http://127.0.0.1:8011 ../shared/corpus; \
	  status=$$?; kill $$(cat /tmp/feeds-contract.pid); exit $$status

# Benchmarks (need wrk and nginx: apt-get install wrk nginx-light). Ratios are printed side by side.
# `make bench`: HTTP, start-up, render and export at 100,000 documents, then targets beside figures.
bench: $(TEST_STAMP)
	$(BIN)/python -m bench.report

bench-http: $(TEST_STAMP)
	$(BIN)/python -m bench.http_bench

bench-live: $(TEST_STAMP)
	$(BIN)/python -m bench.live_bench

# Hugo, Jekyll and `feeds export` building the same generated corpora, side by side (installs hugo, jekyll
# and ruby-jekyll-feed from Debian's packages when missing). Arguments: PEERS_ARGS="--sizes 4958,20050".
peers: $(TEST_STAMP)
	$(BIN)/python -m bench.peers $(PEERS_ARGS)

# Load and fault soak (needs wrk): 60 s of mixed requests while documents change underneath.
# A 20-second version runs in `make test` (tests/test_soak.py).
soak: $(TEST_STAMP)
	$(BIN)/python -m bench.soak --seconds $${SOAK_SECONDS:-60}
	$(BIN)/python -m bench.cache_bust --seconds 360

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
