# Symphonia: `make run` and `make test` set everything up from nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ASSETS := symphonia/web/static/.built
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test lint typecheck pytest bench clean

install: $(STAMP) $(ASSETS)

# torch is installed first and pinned, so nothing can pull a CUDA build in behind our back.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web platform's htmx, GOV.UK Frontend script and stylesheet, from the pinned npm packages.
$(ASSETS): package.json package-lock.json assets/symphonia.scss assets/symphonia.js scripts/build-assets.sh
	bash scripts/build-assets.sh
	touch $(ASSETS)

## From nothing: analyse the demo study, print sign-in links for a facilitator, an editor,
## an expert and a reader of it, and serve the web platform on http://127.0.0.1:8000.
run: install
	$(BIN)/symphonia demo
	$(BIN)/symphonia demo-people
	$(BIN)/symphonia serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check symphonia tests benchmarks
	$(BIN)/ruff format --check symphonia tests benchmarks

typecheck: install
	$(BIN)/mypy

# PostgreSQL comes from Debian packages; the script installs and starts it when it can.
pytest: install
	@url=$$(bash scripts/postgres-test-server.sh) || { echo "PostgreSQL unavailable: its tests will skip" >&2; url=""; }; \
	SYMPHONIA_TEST_POSTGRES_URL="$${SYMPHONIA_TEST_POSTGRES_URL:-$$url}" $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/argkp_themes.py
	$(BIN)/python benchmarks/scale.py --sizes 1000 10000

clean:
	rm -rf $(VENV) .symphonia .pytest_cache .mypy_cache .ruff_cache node_modules symphonia/web/static test-output
