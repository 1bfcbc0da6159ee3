# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Tests run in parallel, one process per core (pytest-xdist); each gets its own test database.
# Whole files go to one worker (loadfile), so a module's fixtures (the browser crawl's demo data,
# seeded once for its three languages) are set up once per run.
PYTEST_ARGS ?= -n auto --dist loadfile --durations=15
export DJANGO_SETTINGS_MODULE ?= advisory.settings.dev

.PHONY: run test install migrate demo serve lint format messages bench clean

# axe-core for the browser tests' accessibility checks (package.json); skipped without npm, and the
# crawl test then says how to get it (docs/i18n.md).
NPM ?= $(shell command -v npm)
NODE_DEPS := $(if $(NPM),node_modules/.installed,)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(NODE_DEPS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py setup_periodic_tasks
	$(BIN)/python manage.py audit_keygen --if-missing
	$(BIN)/python manage.py seed_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) BIN=$(BIN) ./scripts/serve.sh

test: install
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=advisory.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=advisory.settings.test $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l zh_Hant --no-location --ignore=.venv --ignore=var --ignore=test-artifacts --ignore=bench --ignore=node_modules
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/broker var/cache
