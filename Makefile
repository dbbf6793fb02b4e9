# mmvisarch: `make install` builds .venv, `make test` runs the suite, `make demo` trains the toy Mask R-CNN.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
REQS := requirements/torch.txt requirements/build.txt requirements/mminstall.txt requirements/tests.txt requirements/deploy.txt setup.py mmvisarch/csrc/sparse_conv.cpp
# Build mmcv's CUDA ops only where a CUDA GPU is visible.
FORCE_CUDA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo 1 || echo 0)
PYTEST_ARGS ?=

.PHONY: install test test-all demo data clean-venv

install: $(STAMP)

$(STAMP): $(REQS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -r requirements/torch.txt
	$(PIP) install -r requirements/build.txt  # after torch: torch pulls setuptools>=77
	$(PIP) install mmengine==0.10.7
	$(PY) -c "import mmcv, mmcv.ops" 2>/dev/null || \
	  CXX=$(CURDIR)/tools/misc/cxx20 MMCV_WITH_OPS=1 FORCE_CUDA=$(FORCE_CUDA) MAX_JOBS=2 $(PIP) install --no-build-isolation mmcv==2.1.0
	$(PIP) install --no-build-isolation --no-binary xtcocotools "xtcocotools>=1.12"
	$(PIP) install -r requirements/mminstall.txt
	$(PIP) install --no-deps mmpose==1.3.2
	$(PIP) install -r requirements/tests.txt
	$(PIP) install --no-deps openmim==0.3.9  # see requirements/tests.txt
	$(PIP) install -r requirements/deploy.txt  # optional: ONNX export + onnxruntime check
	$(PIP) install -q "setuptools>=77.0.3,<81"  # torch wants >=77.0.3; mmengine imports pkg_resources (gone in 81)
	$(PIP) install --no-deps --no-build-isolation -e .
	$(PY) tools/misc/check_install.py
	touch $(STAMP)

test: install
	$(PY) -m pytest tests -n 2 -q $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest tests -n 2 -q --runslow $(PYTEST_ARGS)

data: install
	$(PY) tools/dataset_converters/make_toy_data.py --out data

demo: install data
	$(PY) tools/misc/demo.py

clean-venv:
	rm -rf $(VENV)
