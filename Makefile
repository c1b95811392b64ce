# The two entry points the README promises. Each does its own set-up on a fresh
# Debian/Ubuntu machine: a virtual environment, the package, and graphviz's `dot`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup dot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) dot

# `dot` turns the DOT diagrams into SVG; without it replcheck still writes DOT and says so.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null) || echo "note: could not install graphviz; diagrams stay DOT only"; \
	  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	    (sudo apt-get update -qq && sudo apt-get install -y -qq graphviz >/dev/null) || echo "note: could not install graphviz; diagrams stay DOT only"; \
	  else echo "note: graphviz's dot is missing; diagrams stay DOT only (apt-get install graphviz)"; fi; }

# The main job: check every spec and write the counterexample diagrams into reports/.
demo: setup
	$(BIN)/replcheck check specs/ --out reports/ --quiet
	$(BIN)/replcheck sweep leaderless n=1..4 w=1..n r=1..n --property read_your_writes --symmetry --out reports/

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
