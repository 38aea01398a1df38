# Every target works on a fresh clone with Python >= 3.11 and make: `.venv` is created on demand.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean system-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "migrabot needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# The stand-ins (sandbox/) stay out of the wheel; the development venv reaches them from the clone.
	@echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/migrabot-sandbox.pth"
	@touch $(STAMP)

# Slack in Socket Mode, like `migrabot run`; `make demo DEMO_ARGS=--http` for HTTP mode (or --json, --ticket FILE…)
DEMO_ARGS ?=
demo: $(STAMP)
	$(BIN)/migrabot demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot sandbox tests deploy/preprod-ssh-guard
	$(BIN)/ruff format --check bot sandbox tests deploy/preprod-ssh-guard
	$(BIN)/lint-imports  # the architecture contract in pyproject.toml

# The integration tests need sshd and PHP with Symfony Console: installed here (as root with apt-get), or
# `make test` stops at once with the exact command to run.
system-deps:
	@bash .ci/system-deps

test: system-deps lint
	$(BIN)/python -m pytest -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests/bench --benchmark-enable --benchmark-only -q -s

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache build dist *.egg-info demo-output
