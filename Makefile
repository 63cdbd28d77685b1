# ecoinv — the README's commands.  Each target sets the machine up first
# (packaging/bootstrap.sh skips whatever is already there).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO ?= out/harbin-demo.sqlite
# Headless runs use Qt's offscreen platform (no display needed).
OFFSCREEN := QT_QPA_PLATFORM=offscreen

.PHONY: setup run demo test lint bench package package-test clean

setup:
	@packaging/bootstrap.sh

## make run: set up, build the Harbin demo inventory through the import
## pipeline, then open the app on it (headless: print stats, write the report).
run: setup
	@mkdir -p out
	$(PY) -m ecoinv demo $(DEMO) --force
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -z "$$CI" ]; then \
		$(PY) -m ecoinv gui $(DEMO); \
	else \
		echo "no display: running headless"; \
		$(OFFSCREEN) $(PY) -m ecoinv report $(DEMO) -o out/harbin-report-zh.pdf --lang zh 2>/dev/null \
			&& echo "report written: out/harbin-report-zh.pdf" || true; \
	fi

## make test: set up, check the architecture, run the whole test suite.
test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(OFFSCREEN) $(PY) -m pytest -q

bench: setup
	$(VENV)/bin/python -m pip install -q -e ".[dev,bench]"
	$(OFFSCREEN) $(PY) -m benchmarks.run

package: setup
	packaging/build_linux.sh

clean:
	rm -rf out build dist .pytest_cache
