# Quick start: `make run` runs the bot, `make test` runs the tests. Both create .venv themselves.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYBABEL:= $(VENV)/bin/pybabel
LOCALES:= en zh_Hans zh_Hant
MO     := $(foreach l,$(LOCALES),locales/$(l)/LC_MESSAGES/messages.mo)

.PHONY: run test lint i18n i18n-compile webhook migrate bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Runtime install (stamp is refreshed whenever pyproject.toml changes).
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

# Runtime + test/dev tools.
$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) -q compile -d locales -D messages -l $*

i18n-compile: $(VENV)/.installed $(MO)

run: $(VENV)/.installed i18n-compile
	$(PY) -m bot run

webhook: $(VENV)/.installed i18n-compile
	$(PY) -m bot webhook

migrate: $(VENV)/.installed
	$(PY) -m bot db upgrade

test: $(VENV)/.installed-dev i18n-compile
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Extract messages from the code, merge them into every catalogue, fill zh_Hant gaps from zh_Hans, compile.
i18n: $(VENV)/.installed-dev
	$(PYBABEL) -q extract -F babel.cfg -k _ -k __ -k N_ -k translate:2 -k translate_n:2,3 -k _n:1,2 -o locales/messages.pot --no-location --sort-output --project community-bot .
	for l in $(LOCALES); do \
	  if [ -f locales/$$l/LC_MESSAGES/messages.po ]; then \
	    $(PYBABEL) -q update -i locales/messages.pot -d locales -D messages -l $$l --no-fuzzy-matching --ignore-obsolete; \
	  else $(PYBABEL) -q init -i locales/messages.pot -d locales -D messages -l $$l; fi; \
	done
	$(PY) -m tools.i18n_fill
	$(PYBABEL) -q compile -d locales -D messages

bench: $(VENV)/.installed-dev
	$(PY) bench/broadcast.py
	$(PY) bench/broadcast.py --kill-at 0.5
	$(PY) bench/notice_fanout.py
	$(PY) bench/inbound.py --residents 600 --latency 0.1
	$(PY) bench/inbound.py --residents 600 --latency 0

clean:
	rm -rf $(VENV) .pytest_cache
