# Every target sets itself up from nothing: a venv in .venv, the build toolchain pinned in
# pyproject.toml, the package installed editable with its test extra, the Cython modules built.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all build test demo live-demo bench annotate clean

all: test

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import subprocess, sys, tomllib; reqs = tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']; subprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q', *reqs])"
	HFT_NO_EXTENSIONS=1 $(PY) -m pip install -q --no-build-isolation -e '.[test,parquet,plot,progress]'
	touch $(STAMP)

build: $(STAMP)
	$(PY) setup.py -q build_ext --inplace -j 2

test: build
	$(PY) -m pytest

demo: build
	$(PY) -m hft.demo

live-demo: build
	$(PY) examples/ema_cross/live_demo.py --duration 20

bench: build
	$(PY) -m perf_tests.report

annotate: $(STAMP)
	HFT_ANNOTATE=1 $(PY) setup.py -q build_ext --inplace -j 2 --force
	@echo "annotated HTML written next to each .pyx under hft/"

clean:
	rm -rf build $(VENV)
	find hft -name '*.so' -delete -o -name '*.c' -delete -o -name '*.html' -delete
