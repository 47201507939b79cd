# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run meeting test check bench load zoom browser-deps db-deps nginx-deps

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

## Run the dashboard on http://localhost:$(PORT)/
run: $(VENV)/.installed
	$(PY) -m streamlit run serve.py --server.port $(PORT)

## For a meeting: one app process per core behind nginx on http://<this host>:$(PORT)/ (bench/meeting.py)
meeting: $(VENV)/.installed nginx-deps
	$(PY) -m bench.meeting --port $(PORT)

## Lint, validate the data, run every test (functions, pages, real browser; the ledger on SQLite and PostgreSQL)
test: $(VENV)/.installed browser-deps db-deps
	$(PY) -m ruff check .
	$(PY) -m panprd check > /dev/null
	$(PY) -m pytest -q -p no:cacheprovider

## Validate measures.csv and geodata/ and print a summary
check: $(VENV)/.installed
	$(PY) -m panprd check

# "Before" for `make bench` and `make load`: main as it was when issue 23 (speed) started, exported (not a
# worktree). Issue 13's tables were taken against b0f3a34 (BEFORE_COMMIT=b0f3a34 repeats them).
BEFORE_COMMIT ?= dc78d76
BEFORE ?= /tmp/panprd-before-$(BEFORE_COMMIT)

$(BEFORE)/app.py:
	mkdir -p $(BEFORE) && git archive $(BEFORE_COMMIT) | tar -x -C $(BEFORE)

## Benchmark against the naive explore() map and the before checkout (bench/README.md); writes bench/results.md
## (the issue-23 run: ×1 and ×100, before at both, the naive map at ×1 only; BENCH_ARGS= runs bench/run.py's
## defaults, the naive map at ×10 and ×100 too, which takes far longer)
BENCH_ARGS ?= --scales 1,100 --naive-scales 1 --before-scales 1,100 --changes 10 --reruns 10
bench: $(VENV)/.installed browser-deps $(BEFORE)/app.py
	$(VENV)/bin/pip install -q -e '.[build-geodata]'
	$(PY) bench/run.py --before $(BEFORE) $(BENCH_ARGS)

## Load test: 20 and 50 concurrent websocket sessions with random filter changes, before and after, in the
## meeting deployment (loopback)
load: $(VENV)/.installed nginx-deps $(BEFORE)/app.py
	$(PY) bench/load.py 20 50 --before $(BEFORE)

# "Before" for issue 20's figures (the map zoomed into a city): main when that issue started.
ZOOM_BEFORE ?= /tmp/panprd-before-1a1031e

$(ZOOM_BEFORE)/app.py:
	mkdir -p $(ZOOM_BEFORE) && git archive 1a1031e | tar -x -C $(ZOOM_BEFORE)

## Issue 20's figures, before and after in one run (bench/zoom.py); appends to bench/results.md
zoom: $(VENV)/.installed browser-deps $(ZOOM_BEFORE)/app.py
	$(PY) -m bench.zoom --before $(ZOOM_BEFORE)

## Debian's Chromium and CJK fonts for the browser tests (Playwright cannot download its own browser here);
## LibreOffice Impress and poppler-utils render the meeting deck (tests/test_deck_render.py)
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	fi
	@if [ ! -x /usr/bin/soffice ] || [ ! -x /usr/bin/pdftoppm ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			libreoffice-impress poppler-utils; \
	fi

## Debian's PostgreSQL server (the ledger tests start a throwaway one; as root they run it as the
## `postgres` user the package creates) and nginx (the replica test). policy-rc.d keeps the packages
## from starting their own services on ports 5432 and 80.
db-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1 \
		|| [ ! -x /usr/sbin/nginx ]; then \
		made_policy=0; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1; \
		fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			postgresql nginx-light; status=$$?; \
		if [ "$$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

## Debian's nginx-light alone (the meeting deployment; `db-deps` installs it with PostgreSQL for the tests)
nginx-deps:
	@if [ ! -x /usr/sbin/nginx ]; then \
		made_policy=0; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1; \
		fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			nginx-light; status=$$?; \
		if [ "$$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi
