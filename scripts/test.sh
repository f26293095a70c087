#!/usr/bin/env bash
# The README's test command: `make test` (builds the wheel from the sdist, installs it into a
# fresh virtual environment, runs the linters, the Rust tests, and the Python tests and
# docstring examples against the installed wheel). Kept for habit; `make test` is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
exec make test
