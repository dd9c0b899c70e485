# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: all install build validate serve test bench bench-scale clean

all: test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/jakgraph build

validate: $(STAMP)
	$(BIN)/jakgraph validate

serve: build
	$(BIN)/jakgraph serve --host $(HOST) --port $(PORT)

test: build
	$(BIN)/python -m pytest -q

bench: build
	$(BIN)/python benchmarks/run.py

bench-scale: build
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf dist build .pytest_cache
