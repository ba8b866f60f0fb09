# Dozor: developer and appliance commands. The README's first two commands are `make install`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# ../shared (models, test photos) sits beside every checkout; override to point elsewhere.
export DOZOR_SHARED_DIR ?= $(abspath ../shared)
# Tests and the demo find the ONNX models through this variable (unset = fast-alpr hub download).
export DOZOR_MODEL_DIR ?= $(wildcard $(DOZOR_SHARED_DIR)/models)

.PHONY: install system-deps venv test test-fast bench lint demo clean install-system uninstall-system soak faults

install: system-deps venv  ## system packages (apt) + a .venv with Dozor and its test tools

system-deps:
	scripts/install-deps.sh

venv: $(BIN)/dozor

$(BIN)/dozor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

test: lint  ## the lint checks and the whole suite, as CI runs them
	$(BIN)/pytest -q

test-fast: venv  ## unit tests only (no RTSP, models or browser)
	$(BIN)/pytest -q -m "not slow"

bench: venv  ## the performance figures of the README's table
	$(BIN)/python bench/record_cpu.py
	$(BIN)/python bench/decode_cpu.py
	$(BIN)/python bench/lpr_throughput.py
	$(BIN)/python bench/search.py --reads 5000000
	$(BIN)/python bench/web_search.py --reads 5000000
	$(BIN)/python bench/web_video.py --runs 10

# The long reliability run (issue 6): 24 cameras for 10 minutes, then the sweep of camera counts at
# which plate reading starts dropping frames (SOAK_SWEEP= skips it), then the fault suite's long form.
SOAK_SWEEP ?= 1,2,4,8,16,24
soak: venv  ## 24-camera soak with plate reading, sweep (~35 min; a quiet machine), then make faults
	$(BIN)/python bench/soak.py $(SOAK_ARGS)
	$(if $(SOAK_SWEEP),$(BIN)/python bench/soak.py --sweep $(SOAK_SWEEP))
	$(MAKE) faults

faults: venv  ## the fault suite's long form (issue 6 counts: camera down/up 20x, daemon kill -9 10x, ...)
	DOZOR_FAULT_ROUNDS=full $(BIN)/pytest -q -s --timeout 1800 tests/faults

demo: venv  ## the whole appliance on a simulated camera with rendered cars; Ctrl-C stops it
	$(BIN)/dozor demo $(DEMO_ARGS)

install-system:  ## the appliance (as root): user, /opt/dozor venv, /etc/dozor, /var/lib/dozor, units; MODELS=DIR
	scripts/install-system.sh $(if $(MODELS),--models "$(MODELS)")

uninstall-system:  ## remove units, venv and user; keeps recordings and config unless PURGE=1
	PURGE=$(or $(PURGE),0) scripts/uninstall-system.sh

PRODUCT := edge recorder plate_index accounts health webui dozor
lint: venv  ## ruff, the type checker (mypy) and the layer contract (lint-imports, docs/architecture.md)
	$(BIN)/ruff check $(PRODUCT) tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
