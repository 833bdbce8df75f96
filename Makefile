# Two commands on a fresh machine: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The demo and the tests run with development settings; production sets its own environment (README).
DEV_ENV := DEBUG=1
HOST ?= 127.0.0.1
# Both cores: the suite runs in two worker processes (each with its own test database).
PYTEST_ARGS ?= -n auto
PORT ?= 8000

.PHONY: run test setup lint messages catalogue clean mutation loadtest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

# Refresh the Vietnamese catalogue after changing user-facing strings, then translate the new entries.
catalogue: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py makemessages -l vi --no-location --no-obsolete --ignore=.venv --ignore=node_modules

setup: $(VENV)/.installed node_modules/.installed messages

run: setup
	$(DEV_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo "Serving the demo on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(DEV_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Mutation testing of the rules (scoring, workflow, policy, results), slow: not part of `make test` (README).
MUTATION_CHILDREN ?= 2
loadtest: setup  ## issue 12: fresh PostgreSQL database, gunicorn in production settings, 200 users; LOADTEST_ARGS=--quick
	$(PY) tools/loadtest.py $(LOADTEST_ARGS)

# MODULE=assessment/policy.py runs one module (its earlier results replaced, the other modules' kept); default: all four.
MODULE ?=
MUTANTS_OF = $(subst /,.,$(MODULE:.py=)).*
mutation: setup
ifeq ($(MODULE),)
	rm -rf mutants
	$(DEV_ENV) $(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN)
else
	$(DEV_ENV) $(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN) '$(MUTANTS_OF)'
endif
	$(DEV_ENV) $(PY) tools/mutation_report.py --recheck-timeouts $(MODULE)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 mutants

# issue 14: two gunicorn nodes (8611, 8612) and one Celery worker on PostgreSQL cchc_cluster, Redis dbs 13 (queue)
# and 14 (cache), SeaweedFS (README). Another machine's or run's ports: CLUSTER_TEST_ARGS="--ports 8621,8622 --redis-dbs 4,5".
.PHONY: cluster-test
cluster-test: setup
	$(PY) tools/cluster_test.py $(CLUSTER_TEST_ARGS)
