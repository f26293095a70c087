#!/usr/bin/env bash
# Fuzzes every file reader for a bounded time: bash .ci/fuzz.sh [SECONDS_PER_TARGET] (default 30).
#
# cargo-fuzz (libFuzzer + AddressSanitizer) on the stable toolchain: RUSTC_BOOTSTRAP=1 lets
# stable rustc accept the -Z sanitizer and coverage flags cargo-fuzz passes. Builds go to
# fuzz/target (fuzz/ is its own cargo project). Exits non-zero if any target crashed (a panic,
# an abort, a sanitizer report, an allocation over 2 GB, or a 20 s hang); each
# crashing input is printed in hex and left in fuzz/artifacts/<target>/.
# Leak detection is off: std::thread::scope returns once the workers' closures finish, a
# moment before their thread handles and thread-local destructors are freed, so libFuzzer's
# per-input leak check flags those allocations at random (seen in most_similar_batch).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-30}"
TARGETS=(word2vec native corpus reader)
CARGO_FUZZ_VERSION=0.13.2
export RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
# Where `cargo install` puts binaries ($CARGO_INSTALL_ROOT/bin, else $CARGO_HOME/bin, by default
# ~/.cargo/bin): first on PATH, so that a cargo-fuzz installed below is the one `cargo fuzz` runs
# on a fresh machine, whatever PATH the CI job starts with.
INSTALL_BIN="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
export PATH="$INSTALL_BIN:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
    # A fresh machine (CI): builds it from source, about a minute on 2 cores.
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION into $INSTALL_BIN"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "${INSTALL_BIN%/bin}"
fi
echo "== $(cargo fuzz --version), $(rustc --version)"

cd fuzz
mkdir -p corpus-run
echo "== building the fuzz targets (release, debug assertions, ASan)"
cargo fuzz build

failed=()
# Inputs that once crashed (fuzz/artifacts-found/<target>/): each must now run clean.
for t in "${TARGETS[@]}"; do
    found=(artifacts-found/"$t"/*)
    [ -f "${found[0]}" ] || continue
    echo "== $t: ${#found[@]} past crash inputs"
    if ! cargo fuzz run "$t" "${found[@]}" -- -detect_leaks=0 >"corpus-run/$t-regressions.log" 2>&1; then
        failed+=("$t(past crash input)")
        grep -E -A3 'panicked at|ERROR|SUMMARY|Running:' "corpus-run/$t-regressions.log" | tail -n 40
    fi
done
for t in "${TARGETS[@]}"; do
    echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
    # New inputs go to the (ignored) scratch corpus; the committed seeds are read only.
    mkdir -p "corpus-run/$t"
    if ! cargo fuzz run "$t" "corpus-run/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -detect_leaks=0 \
        -dict="dict/$t.dict" -print_final_stats=1 >"corpus-run/$t.log" 2>&1; then
        failed+=("$t")
        tail -n 60 "corpus-run/$t.log"
        for f in artifacts/"$t"/*; do
            [ -f "$f" ] || continue
            echo "-- $f ($(wc -c <"$f") bytes):"
            od -A d -t x1z -v "$f" | head -n 40
        done
    else
        grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "corpus-run/$t.log" || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: CRASH in ${failed[*]}"
    exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET}s each with no crash"
