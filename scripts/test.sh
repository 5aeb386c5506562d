#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a developer runs.
#   scripts/test.sh            all workspace tests, release mode
#   scripts/test.sh ARGS...    extra arguments go to `cargo test` (e.g. a test name filter)
# Needs the packages of scripts/install-deps.sh (tshark: the oracle test fails without it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Fuzz targets first, so cargo test's result lines are the last thing printed.
# cargo fuzz needs a nightly toolchain; without cargo-fuzz or nightly the targets are
# only type-checked on the default toolchain.
if [ -f fuzz/Cargo.toml ]; then
  if cargo fuzz --version >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "== building fuzz targets (cargo +nightly fuzz build -O)"
    cargo +nightly fuzz build -O
  else
    echo "== cargo-fuzz or a nightly toolchain is missing: skipping the libFuzzer build;"
    echo "   type-checking the fuzz targets instead (cargo check --manifest-path fuzz/Cargo.toml)"
    cargo check --manifest-path fuzz/Cargo.toml --bins
  fi
else
  echo "== no fuzz/ directory: no fuzz targets to build"
fi

# cargo test does not build the Wireshark plugin (a cdylib): its tests load the .so.
echo "== cargo build --release -p dissector-plugin"
cargo build --release -p dissector-plugin

echo "== cargo test --workspace --release --no-fail-fast"
cargo test --workspace --release --no-fail-fast "$@"
