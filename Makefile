# orgsim: two commands on a fresh clone —  `make run` (install + baseline) and `make test` (install + tests).
PYTHON ?= python3.12
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run test install lint clean bench app screenshots

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "orgsim needs Python >= 3.12 ($(PYTHON) not found; set PYTHON=...)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,app]"
	$(BIN)/python -m orgsim.dashboard.assets
	@echo "compiling the model's loops (numba, about 30 s, once: cached next to the sources)"
	$(BIN)/python -c "import orgsim; orgsim.run({'customers': 200, 'steps': 6}, 0)"
	@touch $(STAMP)

install: $(STAMP)

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

## Install the bench extra and run every performance measurement (writes docs/PERFORMANCE.md; a few minutes).
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

## Install, run the baseline scenario and chart it (runs/baseline/, runs/baseline/plots/).
run: $(STAMP)
	$(BIN)/orgsim run baseline --out runs/baseline
	$(BIN)/orgsim plot runs/baseline

## Install and run the whole test suite (slow and browser tests included).
test: $(STAMP)
	$(BIN)/python -m pytest

## Install and serve the dashboard on http://localhost:8765 (front-end files from the npm registry, cached locally).
app: $(STAMP)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False SOLARA_ASSETS_PROXY_CACHE_DIR=$(CURDIR)/$(VENV)/share/solara/cdn \
		$(BIN)/solara run app.py --host localhost --port 8765

## Refresh the README's dashboard screenshots (docs/img/dashboard/) with the browser test.
screenshots: $(STAMP)
	ORGSIM_SCREENSHOTS=$(CURDIR)/docs/img/dashboard $(BIN)/python -m pytest -q tests/test_dashboard_browser.py

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
