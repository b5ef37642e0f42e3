# One command to set up and build the bundled corpus (`make`), one to run the tests (`make test`).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: all setup build test lint clean

all: build

$(BIN)/kg: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/kg

setup: $(BIN)/kg

build: setup
	$(BIN)/kg build corpus/ --out output/

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check kg tests benchmarks

clean:
	rm -rf output/graph.* output/*.png .pytest_cache
