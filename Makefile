# The two commands: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
DEPS := requirements.txt requirements.lock pyproject.toml package.json package-lock.json scripts/bootstrap.sh

.PHONY: run test test-sqlite test-postgres chaos lint bench fuzz clean help

help:
	@echo "make run   - install if needed, migrate, load the demo corpus, serve on 127.0.0.1:8000"
	@echo "make test  - the whole suite: lint, SQLite, PostgreSQL (throwaway cluster), browser"
	@echo "make bench - benchmarks (bench/)   make fuzz - fuzz campaigns"
	@echo "make chaos - fault tests: worker killed mid-job, database restarted (PostgreSQL)"

$(RUN_STAMP): $(DEPS)
	bash scripts/bootstrap.sh
	touch $@

$(DEV_STAMP): $(DEPS) requirements-dev.txt requirements-dev.lock
	bash scripts/bootstrap.sh --dev
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	bash scripts/run.sh

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts

test: $(DEV_STAMP)
	bash scripts/test.sh

test-sqlite: $(DEV_STAMP)
	$(BIN)/pytest -m "not postgres and not chaos" $(ARGS)

test-postgres: $(DEV_STAMP)
	OBSERVATORY_EXPECT_POSTGRES=1 bash scripts/with-postgres.sh $(BIN)/pytest tests/apps tests/browser $(ARGS)

chaos: $(DEV_STAMP)
	bash scripts/with-postgres.sh $(BIN)/pytest tests/chaos -m chaos -p no:cacheprovider $(ARGS)

bench: $(DEV_STAMP)
	bash scripts/bench.sh

fuzz: $(DEV_STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} $(BIN)/pytest tests -m fuzz -p no:cacheprovider \
	  --hypothesis-show-statistics $(ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles
