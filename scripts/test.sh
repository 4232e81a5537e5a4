#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser test drives Debian's Chromium (Playwright cannot download its own here).
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Chromium for the browser test…"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null \
    || echo "Chromium could not be installed: the browser test will be skipped."
fi

# The report tests read the PDF back with poppler (pdftotext, pdftoppm).
if ! command -v pdftotext >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing poppler-utils for the report tests…"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq poppler-utils >/dev/null \
    || echo "poppler-utils could not be installed: the PDF tests will be skipped."
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# axe-core for the accessibility browser test, pinned with its lockfile (npm registry).
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing npm for axe-core…"
  $sudo apt-get install -y -qq npm >/dev/null || true
fi
npm ci --prefix tests/app/axe --no-audit --no-fund --silent \
  || echo "axe-core could not be installed: the accessibility test will be skipped."

# The werkmap store tests run against SQLite and a real PostgreSQL server.
source scripts/postgres.sh
start_test_postgres \
  || echo "WARNING: no PostgreSQL; the store tests will skip (or fail with ATLAS_REQUIRE_POSTGRES=1)."

python3 -m ruff check .
python3 -m pytest "$@"
