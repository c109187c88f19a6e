PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

MIN_VENV := .venv-min
MIN_STAMP := $(MIN_VENV)/.installed

.PHONY: test test-min test-slow lint typecheck unit notebooks demo bench sandbox clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP) lint typecheck unit

# The lowest versions pyproject.toml allows, in a venv of their own: the floors are true.
$(MIN_STAMP): pyproject.toml tools/floor_pins.py
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/floor_pins.py > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_VENV)/constraints.txt -e '.[test]'
	$(MIN_VENV)/bin/python tools/floor_pins.py --check
	touch $(MIN_STAMP)

test-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/pytest -q -p no:cacheprovider -n auto --ignore=tests/test_notebooks.py

lint: $(STAMP)
	$(BIN)/ruff check conftest.py targetsms_frames tests benchmarks tools data
	$(BIN)/ruff format --check conftest.py targetsms_frames tests benchmarks tools data

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n auto

# The slow tests, with the large property-test run (hundreds of frames through a campaign).
test-slow: $(STAMP)
	TSF_SLOW=1 $(BIN)/pytest -q -m slow

demo: $(STAMP)
	$(BIN)/targetsms-frames demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

sandbox: $(STAMP)
	$(BIN)/targetsms-frames sandbox --host 127.0.0.1 --port 8055

clean:
	rm -rf $(VENV) $(MIN_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache out
