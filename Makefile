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

# The sandboxes' system parts: bubblewrap (the default launcher), podman and runc (the
# container launcher; crun cannot handle every cgroup layout), and gradelab-sandbox, the
# unprivileged host user student code runs as when the grader is root (the grader also
# creates it at its first grading if it is missing). Needs root; without it we say what is
# missing and carry on (grading then needs an administrator's install).
SANDBOX_USER := gradelab-sandbox
system-deps:
	@missing=""; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	command -v podman >/dev/null 2>&1 || missing="$$missing podman"; \
	command -v runc >/dev/null 2>&1 || missing="$$missing runc"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif [ -n "$$missing" ]; then \
		echo "warning: not installed:$$missing; ask an administrator for 'apt-get install -y$$missing'"; \
	fi; \
	if [ "$$(id -u)" = 0 ] && ! id $(SANDBOX_USER) >/dev/null 2>&1; then \
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "GradeLab sandbox (student code)" $(SANDBOX_USER); \
	fi
	@# Debian's chromium: the browser tests drive it (Playwright cannot download browsers here).
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "warning: no chromium; the browser tests will be skipped"

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
