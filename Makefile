# GradeLab: `make run` and `make test` are the whole set-up on a fresh machine.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.gradelab-installed
PYTEST_WORKERS ?= 2

.PHONY: run test install lint clean system-deps

run: install
	$(VENV)/bin/gradelab demo

# One BLAS/OpenMP thread per test worker: the workers already fill the cores, and
# OpenBLAS's spinning threads slow matrix products ~100x when cores are oversubscribed.
test: install
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first: the CPU build that lies on these machines' disk (pip takes it for ==2.13.0);
# a machine that already has torch (a CUDA build on a GPU box) keeps it, since the
# project only asks for a range.
$(STAMP): pyproject.toml | $(PY)
	$(MAKE) --no-print-directory system-deps
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# bubblewrap is the default sandbox. Installing it needs root; without root we say so
# and carry on (grading then needs `--sandbox docker` or an administrator's install).
system-deps:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; \
	else \
		echo "warning: bubblewrap (bwrap) is not installed and this user cannot install it;"; \
		echo "         ask an administrator for 'apt-get install -y bubblewrap' or grade with --sandbox docker"; \
	fi

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
