# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# the query UI's front-end assets: npm package -> ignored node_modules/ -> ignored vendor/ in the package
NPM          ?= npm
YASGUI_BUILD := node_modules/@zazuko/yasgui/build
VENDOR       := src/jakgraph/web/static/vendor
VENDOR_STAMP := $(VENDOR)/.vendored-stamp


.PHONY: all install vendor build validate serve test test-fast check docs bench bench-scale clean

all: test

$(STAMP): pyproject.toml $(VENDOR_STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --ignore-scripts

$(VENDOR_STAMP): node_modules/.package-lock.json
	mkdir -p $(VENDOR)/yasgui
	cp $(YASGUI_BUILD)/yasgui.min.js $(YASGUI_BUILD)/yasgui.min.css $(VENDOR)/yasgui/
	cp node_modules/@zazuko/yasgui/package.json $(VENDOR)/yasgui/package.json
	touch $(VENDOR_STAMP)

vendor: $(VENDOR_STAMP)

build: $(STAMP)
	$(BIN)/jakgraph build

validate: $(STAMP)
	$(BIN)/jakgraph validate

serve: build $(VENDOR_STAMP)
	$(BIN)/jakgraph serve --host $(HOST) --port $(PORT)

# the whole suite on TEST_WORKERS processes (pytest-xdist; each test module stays on one process, so a
# module's real servers start once); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= 2
test: build $(VENDOR_STAMP)
	$(BIN)/python -m pytest -q $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope)

# the outputs pasted into README.md and docs/*.md, and docs/schema.md, regenerated from the graph
docs: $(STAMP)
	$(BIN)/jakgraph schema --output docs/schema.md
	$(BIN)/python -m jakgraph.publish.exchange_doc
	$(BIN)/python -m jakgraph.publish.docs
# the quick subset while working: no real servers, no browser, nothing over ~3 s (markers in pyproject.toml)
test-fast: build $(VENDOR_STAMP)
	$(BIN)/python -m pytest -q -m "not server and not browser and not slow"

# what CI enforces before the tests: lint (ruff) and types (mypy), both configured in pyproject.toml
check: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

# flags through BENCH_ARGS, e.g. make bench BENCH_ARGS=--quick, make bench-scale BENCH_ARGS="--sizes 10000,100000"
bench: build
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-scale: build
	$(BIN)/python benchmarks/scale.py $(BENCH_ARGS)

.PHONY: bench-validate
bench-validate: build
	$(BIN)/python benchmarks/validate.py

.PHONY: bench-soak
bench-soak: build
	$(BIN)/python benchmarks/soak.py --seconds 60 --clients 32

clean:
	rm -rf dist build .pytest_cache $(VENDOR)
