#!/usr/bin/env bash
# The two entry points the README promises, with all of their own set-up, on a fresh
# Debian/Ubuntu machine with Python 3.11+ (no make needed):
#   ./run.sh demo   check every spec in specs/ and write the diagrams into reports/, and build
#                   the teaching gallery into reports/gallery/
#   ./run.sh test   run the test suite
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV=.venv

as_root() {  # run a command as root: directly, through sudo, or not at all
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  as_root apt-get update -qq && as_root apt-get install -y -qq "$@" >/dev/null
}

setup_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      # Debian and Ubuntu ship venv separately (python3-venv).
      rm -rf "$VENV"
      apt_install python3-venv || { echo "run.sh: '$PYTHON -m venv' failed; install python3-venv" >&2; exit 2; }
      "$PYTHON" -m venv "$VENV"
    fi
  fi
  if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet -e '.[test,ray]'
    touch "$VENV/.installed"
  fi
}

setup_dot() {  # graphviz's dot turns DOT into SVG; without it replcheck writes DOT and says so
  command -v dot >/dev/null 2>&1 && return 0
  apt_install graphviz || echo "note: could not install graphviz; diagrams stay DOT only (apt-get install graphviz)"
}

setup_chromium() {  # headless Chromium prints the gallery's handout and renders pages in the tests
  command -v chromium >/dev/null 2>&1 && return 0
  apt_install chromium || echo "note: could not install chromium; no handout.pdf, and the gallery's rendering tests skip (apt-get install chromium)"
}

case "${1:-}" in
  demo)
    setup_venv; setup_dot; setup_chromium
    "$VENV/bin/replcheck" check specs/ --out reports/ --quiet
    "$VENV/bin/replcheck" sweep leaderless n=1..4 w=1..n r=1..n --property read_your_writes \
        --symmetry --out reports/
    # The teaching gallery: HTML and SVG (committed), handout.pdf beside them (git-ignored).
    "$VENV/bin/replcheck" gallery --out reports/gallery/
    ;;
  test)
    setup_venv; setup_dot; setup_chromium
    command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless || echo "note: no Java; tests/test_tla_twin.py is skipped"
    "$VENV/bin/ruff" check --quiet .
    "$VENV/bin/ruff" format --check --quiet .   # the code stays as `ruff format .` leaves it
    "$VENV/bin/python" -m pytest
    ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test" >&2
    exit 2
    ;;
esac
