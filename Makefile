# ecoinv — the README's commands.  Each target sets the machine up first
# (packaging/bootstrap.sh skips whatever is already there).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO ?= out/harbin-demo.sqlite
# Headless runs use Qt's offscreen platform (no display needed).
OFFSCREEN := QT_QPA_PLATFORM=offscreen

.PHONY: setup run test bench package package-test clean

setup:
	@packaging/bootstrap.sh

## make run: set up, build the Harbin demo inventory through the import
## pipeline (only when data/ changed), then open the app on it. With no
## display: print the statistics and write the reports (zh and en) to out/.
run: setup $(DEMO)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -z "$$CI" ]; then \
		$(PY) -m ecoinv gui $(DEMO); \
	else \
		echo "no display: running headless"; \
		$(PY) -m ecoinv stats $(DEMO) && \
		$(OFFSCREEN) $(PY) -m ecoinv report $(DEMO) -o out/harbin-report-zh.pdf --lang zh && \
		$(OFFSCREEN) $(PY) -m ecoinv report $(DEMO) -o out/harbin-report-en.pdf --lang en && \
		echo "reports written: out/harbin-report-zh.pdf out/harbin-report-en.pdf"; \
	fi

DEMO_SOURCES := $(wildcard data/demo.json data/harbin/* data/sources/*)
$(DEMO): $(DEMO_SOURCES) | setup
	@mkdir -p $(dir $(DEMO))
	$(PY) -m ecoinv demo $(DEMO) --force

## make test: set up, check the architecture, run the whole test suite.
test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(OFFSCREEN) $(PY) -m pytest -q

bench: setup
	$(VENV)/bin/python -m pip install -q -e ".[dev,bench]"
	$(OFFSCREEN) $(PY) -m benchmarks.run

## make package: the Linux desktop bundle in dist/ (PyInstaller one-folder + tarball).
package: setup
	packaging/build_linux.sh

## make package-test: build the bundle and run it in a clean environment.
package-test: package
	$(OFFSCREEN) $(PY) -m pytest -q -m package tests/packaging -p no:cacheprovider

clean:
	rm -rf out build dist .pytest_cache
