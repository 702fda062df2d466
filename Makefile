# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tandem run

AXE := tests/web/.node/node_modules/axe-core/axe.min.js

# axe-core (npm) for the dashboard's accessibility test; without npm that test skips, or fails under
# TANDEM_REQUIRE_BROWSER=1 (CI) saying why.
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix tests/web/.node --no-audit --no-fund --loglevel=error axe-core@4 \
			|| echo "axe-core could not be installed from npm: the accessibility test will say so"; \
	else echo "npm is missing: the dashboard's accessibility test needs axe-core (npm install axe-core@4)"; fi

test: $(STAMP) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/answers.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
