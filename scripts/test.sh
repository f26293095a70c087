#!/usr/bin/env bash
# The README's test command: installs embedrs with its test extras, then runs the Rust unit
# tests and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet ".[test]"
cargo test --all-targets
cargo test --doc
python3 -m ruff check python tests benches
python3 -m pytest -q
python3 -m pytest -q --doctest-modules --pyargs embedrs
