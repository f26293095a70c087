#!/usr/bin/env sh
# Installs the wheel in dist/ into a fresh virtual environment and runs the test suite and the
# docstring examples against it (release workflow: once per platform, on a runner of that
# platform, or inside a python:alpine container for the musllinux wheels). POSIX sh, so that it
# runs in alpine before bash is installed; run from the repository root.
#   sh scripts/test_wheel.sh [VENV_DIR]
set -eu
venv="${1:-${TMPDIR:-/tmp}/embedrs-wheel-venv}"
python -m venv "$venv"
if [ -d "$venv/Scripts" ]; then bin="$venv/Scripts"; else bin="$venv/bin"; fi
whl=$(ls dist/*.whl)
# The test extra, except where a platform has no wheel of a dependency: gensim and pyarrow (for
# dask.dataframe) publish no musllinux wheels, and the tests that need them skip.
if [ -f /etc/alpine-release ]; then
    deps="pytest>=7 hypothesis>=6 array-api-strict>=2.4 dask[distributed]>=2025.1"
else
    deps="pytest>=7 hypothesis>=6 array-api-strict>=2.4 dask[distributed,dataframe]>=2025.1 gensim>=4.3"
fi
# shellcheck disable=SC2086 # $deps is a list of requirements
"$bin/python" -m pip install --disable-pip-version-check "$whl" $deps
"$bin/python" -c "import embedrs, sys; from embedrs import _embedrs; \
print(embedrs.__version__, embedrs.__file__, _embedrs.simd_kernel()); \
assert embedrs.__file__.startswith(sys.prefix), 'not the installed wheel'"
"$bin/embedrs" --version
"$bin/python" -m pytest -q -p no:cacheprovider
"$bin/python" -m pytest -q -p no:cacheprovider --doctest-modules --pyargs embedrs
