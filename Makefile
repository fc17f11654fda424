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

# Web server and push worker together; Ctrl-C stops both.
run: db
	$(FLASK) push keys
	$(FLASK) demo seed --if-empty
	@echo "Between on http://127.0.0.1:5000"
	@trap 'kill 0' INT TERM EXIT; \
	if $(FLASK) push --help >/dev/null 2>&1; then $(FLASK) push worker & fi; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache
