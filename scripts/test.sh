#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a developer runs.
#   scripts/test.sh            all workspace tests, release mode
#   scripts/test.sh ARGS...    extra arguments go to `cargo test` (e.g. a test name filter);
#                              the other Wireshark versions are then not run unless
#                              SCTPKIT_WS_VERSIONS is set
# Needs the packages of scripts/install-deps.sh (tshark: the oracle test fails without it).
#
# The Wireshark plugin is tested on the host's Wireshark (4.0, Debian 12) by cargo test,
# and, as root, on 4.4 and 4.6 too: scripts/wireshark-versions.sh test VERSION builds the
# plugin in that version's Debian root (made once, cached in /var/cache/sctpkit/roots;
# .ci/run makes them before this script) and runs the plugin's tests (the tshark oracle)
# there. A failing version fails this script. SCTPKIT_WS_VERSIONS="4.4" picks versions,
# SCTPKIT_WS_VERSIONS="" skips them (as does not being root, with a loud message).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t_start=$(date +%s)

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
# sctp-craft too: the plugin's tests on the other Wireshark versions compare its fields
# with `sctp-craft dissect --analysis --json` (analysis_vs_craft.rs), and those roots
# build only the plugin package.
echo "== cargo build --release -p dissector-plugin -p sctp-craft"
cargo build --release -p dissector-plugin -p sctp-craft

# The plugin on the other Wireshark versions, each in its own Debian root. Run before
# the workspace tests so that versions.rs (each build refused by each other version)
# sees the builds of this run.
if [ $# -gt 0 ] && [ -z "${SCTPKIT_WS_VERSIONS+set}" ]; then
  ws_versions=""
  ws_skip="a test filter was given (set SCTPKIT_WS_VERSIONS=\"4.4 4.6\" to run them too)"
else
  ws_versions="${SCTPKIT_WS_VERSIONS-4.4 4.6}"
  ws_skip="SCTPKIT_WS_VERSIONS is empty"
fi
if [ -n "$ws_versions" ] && [ "$(id -u)" != 0 ]; then
  ws_skip="not root (the Debian roots need mmdebstrap, chroot and mount)"
  ws_versions=""
fi
ws_summary=()
ws_failed=0
if [ -z "$ws_versions" ]; then
  cat <<MSG
#####################################################################
## SKIPPED: the plugin on Wireshark 4.4 and 4.6: $ws_skip.
## Only the host's Wireshark is tested. As root: scripts/wireshark-versions.sh
#####################################################################
MSG
  ws_summary+=("4.4/4.6 skipped: $ws_skip")
else
  # With both roots in use, versions.rs must not skip: a missing root or build fails it.
  case " $ws_versions " in *" 4.4 "*)
    case " $ws_versions " in *" 4.6 "*) export SCTPKIT_REQUIRE_VERSIONS=1 ;; esac ;;
  esac
  for v in $ws_versions; do
    echo "== scripts/wireshark-versions.sh test $v (the plugin's tests on Wireshark $v)"
    t0=$(date +%s) rc=0
    bash scripts/wireshark-versions.sh test "$v" || rc=$?
    t=$(($(date +%s) - t0))
    if [ "$rc" = 0 ]; then
      ws_summary+=("Wireshark $v: ok (${t} s)")
    else
      ws_summary+=("Wireshark $v: FAILED, exit $rc (${t} s)")
      ws_failed=1
    fi
  done
fi

echo "== cargo test --workspace --release --no-fail-fast"
rc=0
cargo test --workspace --release --no-fail-fast "$@" || rc=$?

echo "== the plugin on other Wireshark versions: ${ws_summary[*]/%/;}"
echo "== scripts/test.sh: $(($(date +%s) - t_start)) s, workspace tests exit $rc"
[ "$rc" = 0 ] || exit "$rc"
exit "$ws_failed"
