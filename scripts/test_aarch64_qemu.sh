#!/usr/bin/env bash
# The Rust library tests (the NEON kernels against the scalar oracle among them) compiled for
# aarch64 and run under qemu-user, on an x86_64 Linux machine that can reach Debian's archive
# but not rustup's: `make test-aarch64`. Not part of `make test` (it downloads ~200 MB); the
# aarch64 jobs of .github/workflows/ci.yml run the same tests on real aarch64 hardware.
#
# Everything goes under build/aarch64 and nothing is installed system-wide: Debian's rustc-web
# (a current rustc, with an aarch64 standard library packaged as libstd-rust-web-dev:arm64),
# qemu-user-static and the arm64 C library are fetched with `apt-get download` through a private
# apt configuration and unpacked with `dpkg -x`; zig (the `release` extra) links.
#   bash scripts/test_aarch64_qemu.sh ZIG [CARGO_TEST_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
ZIG="$1"; shift
R="$PWD/build/aarch64"
mkdir -p "$R"/{lists/partial,cache/archives/partial,debs,root,sysroot,qemu}
cat > "$R/apt.conf" <<CONF
APT::Architecture "amd64";
APT::Architectures { "amd64"; "arm64"; };
Dir::State::Lists "$R/lists";
Dir::Cache "$R/cache";
CONF
export APT_CONFIG="$R/apt.conf"
if [ ! -x "$R/root/usr/bin/rustc" ]; then
    apt-get update -qq
    # the versioned names (libstd-rust-web-1.NN, libllvmNN) follow Debian's current rustc-web
    std=$(apt-cache depends libstd-rust-web-dev | awk '/Depends: libstd-rust-web-1/ {print $2; exit}')
    llvm=$(apt-cache depends "$std" | awk '/Depends: libllvm/ {print $2; exit}')
    (cd "$R/debs" && apt-get download -q rustc-web "$std" libstd-rust-web-dev \
        libstd-rust-web-dev:arm64 "$llvm" rust-web-clippy qemu-user-static libc6:arm64 \
        libgcc-s1:arm64)
    for f in "$R"/debs/rustc-web_* "$R"/debs/libstd-rust-web-* "$R"/debs/libllvm* \
             "$R"/debs/rust-web-clippy_*; do dpkg -x "$f" "$R/root"; done
    dpkg -x "$R"/debs/qemu-user-static_*.deb "$R/qemu"
    for f in "$R"/debs/libc6_*_arm64.deb "$R"/debs/libgcc-s1_*_arm64.deb; do dpkg -x "$f" "$R/sysroot"; done
fi
printf '#!/bin/sh\nexec "%s" cc -target aarch64-linux-gnu.2.17 "$@"\n' "$ZIG" > "$R/zigcc"
chmod +x "$R/zigcc"
export LD_LIBRARY_PATH="$R/root/usr/lib/x86_64-linux-gnu:$R/root/usr/lib"
export RUSTC="$R/root/usr/bin/rustc" CARGO_TARGET_DIR="$R/target"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="$R/zigcc"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$R/qemu/usr/bin/qemu-aarch64-static -L $R/sysroot"
"$RUSTC" --version
PATH="$R/root/usr/bin:$PATH" "$R/root/usr/bin/cargo-clippy" clippy \
    --target aarch64-unknown-linux-gnu --all-targets -- -D warnings
cargo test --target aarch64-unknown-linux-gnu --lib "$@"
