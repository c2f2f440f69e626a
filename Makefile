# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

.PHONY: install run test test-sqlite test-postgres lint format bench demo check-deploy

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py generate_signing_key
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=true $(BIN)/python manage.py generate_credential_key

run: demo
	@echo "Serving on http://127.0.0.1:8000/ (Ctrl-C stops)"
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL is set or the local server answers.
# In CI (CI=true) a missing PostgreSQL is a failure.
test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then url="$$DATABASE_URL"; \
	elif $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then url="$(PG_URL)"; \
	elif [ "$$CI" = "true" ]; then echo "CI: PostgreSQL is not reachable at $(PG_URL)" >&2; exit 1; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run"; exit 0; fi; \
	$(MAKE) --no-print-directory test-postgres DATABASE_URL="$$url"

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test-postgres: install
	DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks print ratios against a baseline measured in the same run (bench/results/ keeps the figures).
bench: install
	env -u DATABASE_URL $(BIN)/python -m bench review roster issuance lists verification
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL="$(PG_URL)" $(BIN)/python -m bench review roster issuance lists verification; fi

check-deploy: install
	$(BIN)/python manage.py generate_credential_key >/dev/null
	DJANGO_PRODUCTION=true DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))')" \
	AUDIT_HMAC_KEY="$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(40))')" \
	PII_KEY="$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(40))')" \
	NATIONAL_REPORT_RECIPIENTS="$$($(BIN)/python -c 'from pyrage import x25519;print(x25519.Identity.generate().to_public())')" \
	DJANGO_ALLOWED_HOSTS=filing.example.gov.cn REDIS_URL=redis://127.0.0.1:6379/0 \
	CREDENTIAL_SIGNING_KEY=var/keys/credential-signing.pem \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
