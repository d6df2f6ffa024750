# MicroTix: `make up` runs everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(abspath $(BIN)):$(PATH)

# mysqlclient is only installed when DATABASE_URL points at MySQL/MariaDB.
NEEDS_MYSQL := $(filter mysql%,$(DATABASE_URL))
# mysqlclient compiles on install: unless it is installed already, say what the machine lacks (one line)
# rather than let pip end in a compiler's traceback.
MYSQL_CLIENT_CHECK = $(PY) -c "import MySQLdb" 2>/dev/null || $(PY) -m servicekit.stack check-mysql-client
# The browser tests drive Debian's chromium: installed with the dev tools where apt can (root), else one line
# saying how (the tests skip without it).
BROWSER_CHECK = command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	echo "browser tests will be skipped: apt-get install chromium chromium-driver"
RUN_STAMP := $(VENV)/.run-installed$(if $(NEEDS_MYSQL),-mysql)
DEV_STAMP := $(VENV)/.dev-installed$(if $(NEEDS_MYSQL),-mysql)

.PHONY: up check-ports migrate superuser demo test lint format protos worker bench clean

# Ports first: a taken one is a line naming the variable to set, before anything starts.
up: $(RUN_STAMP) check-ports migrate
	@echo ""
	@echo "  MicroTix is starting:"
	@echo "    Home         http://127.0.0.1:$${MICROTIX_HTTP_PORT:-8000}/"
	@echo "    API          http://127.0.0.1:$${MICROTIX_HTTP_PORT:-8000}/api/"
	@echo "    API docs     http://127.0.0.1:$${MICROTIX_HTTP_PORT:-8000}/api/docs/"
	@echo "    Health       http://127.0.0.1:$${MICROTIX_HTTP_PORT:-8000}/api/health/"
	@echo "    Admin        http://127.0.0.1:$${MICROTIX_HTTP_PORT:-8000}/admin/  (make superuser)"
	@echo "    gRPC         events $${MICROTIX_EVENTS_ADDR:-127.0.0.1:50051}, tickets $${MICROTIX_TICKETS_ADDR:-127.0.0.1:50052}, payments $${MICROTIX_PAYMENTS_ADDR:-127.0.0.1:50053}"
	@echo "  Ctrl-C stops every process."
	@echo ""
	$(PY) -m servicekit.stack up

check-ports: $(RUN_STAMP)
	@$(PY) -m servicekit.stack check-ports

migrate: $(RUN_STAMP)
	$(PY) -m servicekit.stack migrate

superuser: $(RUN_STAMP) migrate
	$(PY) gateway_project/manage.py createsuperuser

# Demo data on top of a running `make up` (another terminal): make demo ARGS="--events 200"
demo: $(RUN_STAMP)
	$(PY) gateway_project/manage.py demo $(ARGS)

worker: $(RUN_STAMP)
	$(PY) -m servicekit.stack up worker

# Benchmarks on this machine into docs/benchmarks.md (needs MySQL + RabbitMQ): make bench ARGS=--quick
bench: $(DEV_STAMP)
	$(PY) -m bench $(ARGS)

test: $(DEV_STAMP) lint
	$(PY) -m devkit.test_all

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

protos: $(DEV_STAMP)
	$(PY) -m protos.generate

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.run-installed-mysql: requirements/base.txt requirements/mysql.txt | $(PY)
	@$(MYSQL_CLIENT_CHECK)
	$(PY) -m pip install --quiet -r requirements/base.txt -r requirements/mysql.txt
	touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt requirements/bench.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@$(BROWSER_CHECK)
	touch $@

$(VENV)/.dev-installed-mysql: requirements/base.txt requirements/dev.txt requirements/bench.txt requirements/mysql.txt | $(PY)
	@$(MYSQL_CLIENT_CHECK)
	$(PY) -m pip install --quiet -r requirements/dev.txt -r requirements/mysql.txt
	@$(BROWSER_CHECK)
	touch $@

clean:
	rm -rf $(VENV) var
