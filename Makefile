# orgsim: two commands on a fresh clone —  `make run` (core install + baseline) and `make test` (everything + tests).
PYTHON ?= python3.12
VENV   ?= .venv
BIN    := $(VENV)/bin
# -qq: errors only; --no-compile: modules are byte-compiled when first imported (saves ~140 MB in the core)
PIP    := $(BIN)/python -m pip install -qq --disable-pip-version-check --no-input --no-compile
# one stamp per installed part: the core, then extras on top (each redone when pyproject.toml changes)
CORE   := $(VENV)/.installed-core
TESTS  := $(VENV)/.installed-test
APP    := $(VENV)/.installed-app
BENCHS := $(VENV)/.installed-bench
CDN    := $(CURDIR)/$(VENV)/share/solara/cdn
SOLARA_ENV := SOLARA_TELEMETRY_MIXPANEL_ENABLE=False SOLARA_ASSETS_PROXY_CACHE_DIR=$(CDN)

.PHONY: run test install app bench screenshots lint clean

## The core: what `orgsim run` and `orgsim plot` need; the model's loops compiled once (numba, cached).
$(CORE): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "orgsim needs Python >= 3.12 ($(PYTHON) not found; set PYTHON=...)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing orgsim (core) into $(VENV) …"
	@$(PIP) -e .
	@echo "compiling the model's loops (numba, about 30 s, once: cached next to the sources) …"
	@$(BIN)/python -c "import orgsim; orgsim.run({'customers': 200, 'steps': 6}, 0)"
	@touch $@

install: $(CORE)

## The dashboard's extra and its front-end files (npm registry, cached in the venv: the page works offline).
$(APP): $(CORE)
	@echo "installing the dashboard (app extra) and its front-end files …"
	@$(PIP) -e ".[app]"
	@$(BIN)/python -m orgsim.dashboard.assets --quiet
	@touch $@

## Tests: dev tools, experiments, the app and the calibration extra, and a Chromium for the browser tests.
$(TESTS): $(APP)
	@echo "installing the test tools and the experiments and calibration extras …"
	@$(PIP) -e ".[dev,experiments,app,calibration]"
	@touch $@

## Install, run the baseline scenario and chart it (runs/baseline/, runs/baseline/plots/); the summary last.
run: $(CORE)
	@mkdir -p runs
	@$(BIN)/orgsim run baseline --out runs/baseline --overwrite > runs/.baseline-summary.txt
	@$(BIN)/orgsim plot runs/baseline > /dev/null
	@cat runs/.baseline-summary.txt && echo "charts: runs/baseline/plots/"

## Install everything and run the whole test suite (slow and browser tests included).
test: $(TESTS)
	@$(BIN)/python -m orgsim.dashboard.browser --install --quiet >/dev/null
	$(BIN)/python -m pytest

## Install the dashboard and serve it on http://localhost:8765.
app: $(APP)
	$(SOLARA_ENV) $(BIN)/solara run app.py --host localhost --port 8765 --production

$(BENCHS): $(TESTS)
	@$(PIP) -e ".[dev,experiments,app,bench]"
	@touch $@

## Every performance measurement (writes docs/PERFORMANCE.md; a few minutes).
bench: $(BENCHS)
	@$(BIN)/python -m orgsim.dashboard.browser --install --quiet >/dev/null
	$(BIN)/python benchmarks/run.py

## Refresh the README's dashboard screenshots (docs/img/dashboard/) with the browser test.
screenshots: $(TESTS)
	@$(BIN)/python -m orgsim.dashboard.browser --install --quiet >/dev/null
	ORGSIM_SCREENSHOTS=$(CURDIR)/docs/img/dashboard $(BIN)/python -m pytest -q tests/test_dashboard_browser.py

lint: $(TESTS)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
