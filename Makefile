# The README's two set-up commands live here: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/zerotrail --db demo/zerotrail.duckdb demo --out demo

# Both cores by default (TEST_WORKERS=0 runs in one process). --dist loadfile keeps a test file on
# one worker, so its module fixtures (calculated workspaces) are built once, not once per worker;
# the suite's own scheduler (tests/scheduling.py) also keeps every Spark test on one worker (one
# JVM to start) and sends the slowest files first.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) demo build *.egg-info
