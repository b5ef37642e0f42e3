# One command to set up and build the bundled corpus (`make`), one to run the tests (`make test`).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
JS := tests/js

.PHONY: all setup system-deps build test lint clean

all: build

$(BIN)/kg: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/kg

setup: $(BIN)/kg system-deps $(JS)/node_modules/.package-lock.json

# Headless Chromium, CJK fonts and Node for the browser and Gephi tests (tests/test_html.py,
# tests/test_gephi.py): installed with apt-get when missing and running as root, else a hint.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	{ command -v fc-list >/dev/null && fc-list :lang=zh family | grep -q .; } || missing="$$missing fonts-noto-cjk"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "warning: missing$$missing; install them (sudo apt-get install$$missing) or the browser tests skip"; fi; \
	fi

$(JS)/node_modules/.package-lock.json: $(JS)/package.json $(JS)/package-lock.json
	@if command -v npm >/dev/null; then cd $(JS) && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "warning: npm missing; tests needing tests/js skip"; fi

build: $(BIN)/kg
	$(BIN)/kg build corpus/ --out output/

test: setup
	$(BIN)/python -m pytest -q

lint: $(BIN)/kg
	$(BIN)/ruff check kg tests benchmarks scripts

clean:
	rm -rf output/graph.* output/*.png .pytest_cache
