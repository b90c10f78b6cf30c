# Two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv from
# the pinned lock first; nothing is installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_HOME := $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 180
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: setup setup-test setup-bench office browser fonts demo test test-durations bench clean

# runtime only (what `make demo` and a worker need); tests and benchmarks add their extras
setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test
setup-bench: $(VENV)/.installed-bench

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Нужен $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install -q -r requirements-test.lock
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-test requirements-bench.lock
	$(BIN)/pip install -q -r requirements-bench.lock
	touch $@

demo: setup fonts
	mkdir -p $(PREFECT_HOME)
	$(BIN)/edumon demo

# LibreOffice Writer (DOCX → PDF check) and poppler-utils (pdftotext, pdftoppm) for the
# document tests; installed with apt when missing and we are root, quietly and only once.
office:
	@command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Устанавливаю libreoffice-writer-nogui и poppler-utils (apt)…"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        libreoffice-writer-nogui poppler-utils; } >/dev/null 2>&1 \
	      || echo "Не удалось установить LibreOffice: тесты конвертации DOCX будут пропущены"; \
	  else echo "Нет LibreOffice (нужен root для apt): тесты конвертации DOCX будут пропущены"; fi; }

# Liberation Serif (Times New Roman's metrics) for the PDF and DOCX справки: without it the PDF
# falls back to Typst's Libertinus Serif and the table rows are not given their heights
# (reports/fonts.py). Installed with apt when missing and we are root; EDUMON_FONT_DIRS
# points elsewhere where that cannot be done.
LIBERATION := /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
fonts:
	@test -f $(LIBERATION) || [ -n "$$EDUMON_FONT_DIRS" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Устанавливаю шрифты Liberation (apt)…"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        fonts-liberation2; } >/dev/null 2>&1 \
	      || echo "Не удалось установить шрифты Liberation: PDF будет набран запасным шрифтом"; \
	  else echo "Нет шрифтов Liberation (нужен root для apt): PDF будет набран запасным шрифтом"; fi; }

# Headless Chromium (Debian's chromium-headless-shell) for the tests that open published
# pages as an official would; installed with apt when missing and we are root.
browser:
	@command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Устанавливаю chromium-headless-shell (apt)…"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        chromium-headless-shell; } >/dev/null 2>&1 \
	      || echo "Не удалось установить Chromium: тесты в браузере будут пропущены"; \
	  else echo "Нет Chromium (нужен root для apt): тесты в браузере будут пропущены"; fi; }

# Test files run on three workers (most of the time is spent waiting for real servers and
# `edumon` processes); each worker has its own PREFECT_HOME. A file's tests stay together
# (their xdist group) and the heaviest groups start first (tests/conftest.py, docs/testing.md).
TEST_WORKERS ?= 3
TEST_ARGS := -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder
test: setup-test office browser fonts
	mkdir -p $(PREFECT_HOME)
	$(BIN)/python -m pytest $(TEST_ARGS)

# The same run, writing each group's seconds to tests/durations.json (the weights the
# scheduling uses); commit the file when the suite's shape changed.
test-durations: setup-test office browser fonts
	mkdir -p $(PREFECT_HOME)
	EDUMON_TEST_DURATIONS=tests/durations.json $(BIN)/python -m pytest $(TEST_ARGS)

# Long (see docs/benchmarks.md). First edumon's September data path against its pandas and
# plain-DuckDB peers (the three ШНОР lists must be equal; ratios per scale), then the stages.
bench: setup-bench
	$(BIN)/python -m bench.compare --scales region,country --repeats 3 --country-repeats 1
	$(BIN)/python -m bench.run --scales municipality,region --repeats 3
	$(BIN)/python -m bench.run --scales region --repeats 3 --ingest bulk --no-prefect
	$(BIN)/python -m bench.run --scales country --country-repeats 1 --ingest bulk --skip-xlsx --no-prefect
	$(BIN)/python -m bench.distributed --scale regions8 --workers 1,2

clean:
	rm -rf var/demo var/prefect var/store var/warehouse.duckdb
