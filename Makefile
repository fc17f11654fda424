# Between: `make run` starts the app, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test lint format db keys worker clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

db: $(STAMP)
	$(FLASK) db upgrade

keys: $(STAMP)
	$(FLASK) push keys

# Web server and push worker together; Ctrl-C stops both. `make run PORT=5050`
# serves on another port.
PORT ?= 5000
run: db
	$(FLASK) push keys
	$(FLASK) demo seed --if-empty
	@echo "Between on http://127.0.0.1:$(PORT)"
	@$(FLASK) push worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 0' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# One process by default. `make test TEST_WORKERS=2` runs two workers side by
# side (pytest-xdist, a test file to each at a time), each with its own database:
# quicker, but a loaded machine still shows timing races in some browser tests.
TEST_WORKERS ?= 0
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache
