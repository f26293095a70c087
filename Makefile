# embedrs: the one entry point for building, checking and testing (`make help` lists targets).
#
# `make test` is the README's test command: it builds the manylinux2014 abi3 wheel from the
# sdist (maturin, zig as the linker), installs it into a fresh virtual environment and runs the
# Python tests against the installed wheel with no Rust toolchain on PATH, after the linters and
# the Rust tests. `.ci/run` runs `make test docs fuzz`.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
FUZZ_SECONDS ?= 30
BENCH_ARGS ?=
BUILD := build
# maturin, ziglang and auditwheel (the `release` extra): what builds and checks the wheel.
TOOLS := $(BUILD)/venv-tools
# A fresh environment: the wheel and its extras from PyPI, nothing from this source tree.
VENV := $(BUILD)/venv-test
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SDIST := dist/embedrs-$(VERSION).tar.gz
WHEEL_TAG := cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64
WHEEL := dist/embedrs-$(VERSION)-$(WHEEL_TAG).whl
# PATH without the directories that hold cargo or rustc: the tests of the installed wheel
# must not be able to build anything.
NO_RUST_PATH = $(shell $(PYTHON) -c 'import os, shutil; print(os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not any(shutil.which(t, path=d) for t in ("cargo", "rustc"))))')

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# --- build ---------------------------------------------------------------------------------

$(TOOLS)/.done: pyproject.toml
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["release"]))' > $(BUILD)/release-requirements.txt
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r $(BUILD)/release-requirements.txt
	touch $@

.PHONY: sdist
sdist: $(TOOLS)/.done ## build the sdist into dist/ and check what it holds
	$(TOOLS)/bin/maturin sdist --out dist
	$(TOOLS)/bin/python scripts/check_dist.py sdist $(SDIST)

.PHONY: wheel
wheel: sdist ## build the manylinux2014 x86_64 abi3 wheel from the sdist (zig links; no Docker)
	rm -rf $(BUILD)/sdist && mkdir -p $(BUILD)/sdist
	tar -xzf $(SDIST) -C $(BUILD)/sdist
	# Built from the unpacked sdist, so the tests of this wheel also prove that the sdist holds
	# everything a build needs. The target directory is shared so rebuilds are incremental.
	cd $(BUILD)/sdist/embedrs-$(VERSION) && \
	  PATH="$$($(CURDIR)/$(TOOLS)/bin/python -c 'import os, ziglang; print(os.path.dirname(ziglang.__file__))'):$$PATH" \
	  CARGO_TARGET_DIR=$(CURDIR)/target \
	  $(CURDIR)/$(TOOLS)/bin/maturin build --release --zig --compatibility manylinux2014 \
	    --target x86_64-unknown-linux-gnu --out $(CURDIR)/dist
	$(TOOLS)/bin/auditwheel show $(WHEEL) | tee $(BUILD)/auditwheel.txt
	$(TOOLS)/bin/python scripts/check_dist.py wheel $(WHEEL) --auditwheel $(BUILD)/auditwheel.txt

# --- the test environment ------------------------------------------------------------------

.PHONY: venv
venv: wheel ## a fresh virtual environment with the wheel and its dev extra (tests, linters)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(WHEEL)[dev]"

# --- checks --------------------------------------------------------------------------------

.PHONY: lint lint-rust lint-python lint-ci
lint: lint-rust lint-python lint-ci ## cargo fmt, clippy, ruff, mypy --strict, actionlint

lint-rust:
	cargo fmt --all -- --check
	cargo clippy --all-targets --features python -- -D warnings

lint-python: $(VENV)/bin/ruff
	$(VENV)/bin/python -m ruff check python tests benches scripts docs
	$(VENV)/bin/python -m mypy                          # --strict on python/embedrs (pyproject.toml)

lint-ci: $(VENV)/bin/ruff
	$(VENV)/bin/actionlint -color=false -shellcheck=$(VENV)/bin/shellcheck .github/workflows/*.yml
	$(VENV)/bin/pre-commit validate-config .pre-commit-config.yaml

# The linters come from the test environment; `make lint` alone builds it once.
$(VENV)/bin/ruff:
	$(MAKE) venv

.PHONY: test test-rust test-python test-aarch64
test: venv lint test-rust test-python ## the README's test command: wheel, linters, Rust and Python tests

test-rust: ## the Rust unit, property and doc tests (no Python needed)
	cargo test --all-targets
	cargo test --doc

test-python: ## pytest, the docstring examples and stubtest, against the installed wheel
	@echo "== the installed wheel, with no cargo or rustc on PATH"
	cd $(BUILD) && PATH="$(CURDIR)/$(VENV)/bin:$(NO_RUST_PATH)" bash -c '\
	  ! command -v cargo && ! command -v rustc && \
	  python -c "import embedrs, sys; print(embedrs.__version__, embedrs.__file__); \
	    assert embedrs.__file__.startswith(sys.prefix), \"not the installed wheel\"" && \
	  embedrs --version'
	PATH="$(CURDIR)/$(VENV)/bin:$(NO_RUST_PATH)" bash -c '\
	  python -m mypy.stubtest embedrs._embedrs && \
	  python -m pytest -q -p no:cacheprovider && \
	  cd $(BUILD) && python -m pytest -q -p no:cacheprovider -c /dev/null \
	    --doctest-modules --pyargs embedrs'

test-aarch64: $(TOOLS)/.done ## the Rust tests (NEON kernels included) for aarch64, under qemu-user
	bash scripts/test_aarch64_qemu.sh "$$($(TOOLS)/bin/python -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')"

# --- documentation -------------------------------------------------------------------------

.PHONY: docs
docs: $(VENV)/bin/ruff ## the documentation site into docs/_build/html, warnings are errors
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(WHEEL)[docs]"
	rm -rf docs/_build docs/auto_examples
	MPLBACKEND=Agg $(VENV)/bin/python -m sphinx -q -W --keep-going -b html -j 1 docs docs/_build/html
	$(VENV)/bin/python docs/check_api.py docs/_build/html/objects.inv

# --- longer runs ---------------------------------------------------------------------------

.PHONY: fuzz
fuzz: ## fuzz every file reader for FUZZ_SECONDS each (cargo-fuzz, ASan)
	bash .ci/fuzz.sh $(FUZZ_SECONDS)

.PHONY: bench
bench: $(VENV)/bin/ruff ## benches/bench_core.py against gensim and fastText (BENCH_ARGS=...)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(WHEEL)[bench]"
	$(VENV)/bin/python benches/bench_core.py $(BENCH_ARGS)

.PHONY: clean
clean: ## remove build/, dist/ and the built docs (not target/)
	rm -rf $(BUILD) dist docs/_build docs/auto_examples docs/api/generated
