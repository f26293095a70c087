#!/usr/bin/env bash
# The README's test command: installs embedrs with its test extras, then runs the Rust unit
# tests, the linters and type checks, the Python tests and the docstring examples.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet ".[test]"
cargo test --all-targets
cargo test --doc
python3 -m ruff check python tests benches
python3 -m mypy                                   # --strict on python/embedrs (pyproject.toml)
python3 -m mypy.stubtest embedrs._embedrs         # the .pyi against the compiled module
python3 -m pytest -q
python3 -m pytest -q --doctest-modules --pyargs embedrs
