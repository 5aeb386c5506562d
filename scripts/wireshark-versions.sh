#!/usr/bin/env bash
# Builds and tests the sctpkit Wireshark plugin against other Wireshark versions,
# each in a Debian root filesystem of its own (made once, cached, reused):
#   4.4: Debian trixie     4.6: Debian sid     (4.0 is the host's, Debian 12)
#
#   scripts/wireshark-versions.sh                  roots, builds and oracle for 4.4 and 4.6
#   scripts/wireshark-versions.sh root  4.4 ...    only make the roots
#   scripts/wireshark-versions.sh build 4.4 ...    make the roots, build the plugin and tests
#   scripts/wireshark-versions.sh plugin 4.4 ...   make the roots, build only the plugin
#   scripts/wireshark-versions.sh test  4.4 ... [-- CARGO_TEST_ARGS]
#                                                  roots, build, and the plugin's tests
#   scripts/wireshark-versions.sh cross            a plugin built for one version, put in
#                                                  another's folder, is refused by that
#                                                  Wireshark with its own message (4.0, 4.4,
#                                                  4.6 pairwise; needs the builds)
#
# Roots live in $SCTPKIT_ROOTS (default /var/cache/sctpkit/roots/<version>), outside
# the repository; delete a folder there to make it anew. The plugin is built inside
# the root (chroot) with the host's Rust toolchain and cargo cache (bind mounts of
# ~/.cargo and ~/.rustup) and the root's own Wireshark headers, clang and
# libraries; its target folder is <root>/build/target. The repository and ../shared
# are mounted at their own paths, so the tests find the shared captures as on the host.
# Needs root (mmdebstrap, chroot, mount) and Debian's package registry.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTS="${SCTPKIT_ROOTS:-/var/cache/sctpkit/roots}"
CARGO_HOME_HOST="${CARGO_HOME:-$HOME/.cargo}"
RUSTUP_HOME_HOST="${RUSTUP_HOME:-$HOME/.rustup}"

# What a root holds besides its base system: that version's tshark and headers,
# the C toolchain and libclang for the shim and bindgen, libpcap for the tests.
PKGS=tshark,libwireshark-dev,libglib2.0-dev,pkg-config,gcc,libc6-dev,clang,libclang-dev,libpcap-dev,ca-certificates

suite_of() {
  case "$1" in
    4.4) echo trixie ;;
    4.6) echo sid ;;
    *) echo "unknown Wireshark version '$1' (4.4 or 4.6; 4.0 is the host's)" >&2; return 1 ;;
  esac
}

log() { echo "== [$(date +%H:%M:%S)] $*" >&2; }

# Makes the root of version $1 unless it is there already.
make_root() {
  local v="$1" suite dir t0
  suite="$(suite_of "$v")"
  dir="$ROOTS/$v"
  if [ -f "$dir/.sctpkit-root-complete" ]; then
    log "root $v ($suite): cached in $dir"
    # A root made by an older version of this script: add what it lacks.
    if ! chroot "$dir" dpkg-query -W ${PKGS//,/ } >/dev/null 2>&1; then
      log "root $v: installing missing packages"
      cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
      chroot "$dir" apt-get -o Acquire::Check-Valid-Until=false update -qq
      chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PKGS//,/ } >/dev/null
    fi
    return 0
  fi
  command -v mmdebstrap >/dev/null || apt-get install -y mmdebstrap >/dev/null
  mkdir -p "$ROOTS"
  rm -rf "$dir.tmp"
  t0=$(date +%s)
  log "root $v: mmdebstrap $suite -> $dir"
  # sid's Release file may be past its Valid-Until date on the mirror. Three
  # attempts: a fresh CI machine should not fail on one network hiccup.
  local attempt
  for attempt in 1 2 3; do
    rm -rf "$dir.tmp"
    if mmdebstrap --variant=apt --quiet \
      --aptopt='Acquire::Check-Valid-Until "false"' \
      --aptopt='Acquire::Retries "3"' \
      --include="$PKGS" \
      "$suite" "$dir.tmp"; then
      break
    fi
    [ "$attempt" = 3 ] && { log "root $v: mmdebstrap failed 3 times"; rm -rf "$dir.tmp"; return 1; }
    log "root $v: mmdebstrap failed (attempt $attempt), again in 20 s"
    sleep 20
  done
  mkdir -p "$dir.tmp/build" "$dir.tmp/home"
  chroot "$dir.tmp" dpkg-query -W -f '${Version}\n' tshark > "$dir.tmp/.sctpkit-tshark-version"
  mv "$dir.tmp" "$dir"
  touch "$dir/.sctpkit-root-complete"
  log "root $v: done in $(( $(date +%s) - t0 )) s (tshark $(cat "$dir/.sctpkit-tshark-version"))"
}

# Runs "$@" inside root $1 as root, in a private mount namespace (mounts vanish
# with it): /proc, /dev, the repository, ../shared, the cargo cache and toolchain.
in_root() {
  local v="$1"; shift
  local dir="$ROOTS/$v" shared
  shared="$(cd "$here/../shared" 2>/dev/null && pwd || true)"
  unshare --mount --propagation private -- bash -euo pipefail -c '
    dir="$1" here="$2" shared="$3" ch="$4" rh="$5"; shift 5
    mnt() { mkdir -p "$dir$2"; mount --bind "$1" "$dir$2"; }
    mount -t proc proc "$dir/proc"
    mount --rbind /dev "$dir/dev"
    mnt "$here" "$here"
    [ -n "$shared" ] && mnt "$shared" "$shared"
    mnt "$ch" "$ch"
    mnt "$rh" "$rh"
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$dir" /usr/bin/env -i PATH="$ch/bin:/usr/local/bin:/usr/bin:/bin" \
      HOME=/root CARGO_HOME="$ch" RUSTUP_HOME="$rh" CARGO_TARGET_DIR=/build/target \
      TERM=dumb "$@"
  ' in_root "$dir" "$here" "$shared" "$CARGO_HOME_HOST" "$RUSTUP_HOME_HOST" "$@"
}

build_in() {
  local v="$1" only="${2:-}" t0 tests="&& cargo test --release -p dissector-plugin --no-run"
  [ "$only" = plugin ] && tests=
  t0=$(date +%s)
  # The root's target folder is shared by every checkout that builds in it:
  # Cargo keys the plugin's build-script output without the checkout's path,
  # and another checkout's newer bindings would look up to date. When the
  # checkout changes, its old outputs go, so the build script runs again
  # (touching a source instead would make the host's build look stale).
  local mark="$ROOTS/$v/build/target/.sctpkit-checkout"
  if [ "$(cat "$mark" 2>/dev/null)" != "$here" ]; then
    rm -rf "$ROOTS/$v/build/target/release/build/"dissector-plugin-*
    mkdir -p "$(dirname "$mark")" && printf '%s' "$here" > "$mark"
  fi
  log "build $v: cargo build --release -p dissector-plugin (in the root)"
  in_root "$v" bash -c "cd '$here' && cargo build --release -p dissector-plugin $tests"
  log "build $v: done in $(( $(date +%s) - t0 )) s -> $ROOTS/$v/build/target/release/libsctpkit.so"
}

test_in() {
  local v="$1" t0; shift
  t0=$(date +%s)
  log "test $v: cargo test --release -p dissector-plugin (in the root)"
  local rc=0
  in_root "$v" bash -c 'cd "$0" && cargo test --release -p dissector-plugin "$@"' "$here" "$@" || rc=$?
  log "test $v: exit $rc after $(( $(date +%s) - t0 )) s"
  return "$rc"
}

plugin_of() {
  if [ "$1" = 4.0 ]; then echo "${CARGO_TARGET_DIR:-$here/target}/release/libsctpkit.so"
  else echo "$ROOTS/$1/build/target/release/libsctpkit.so"; fi
}

# Each available build in each other version's plugin folder: tshark -G plugins
# must exit 0 (no crash), not list sctpkit, and say why in its own words.
cross() {
  local src dst so out err rc fails=0 n=0
  for src in 4.0 4.4 4.6; do
    so="$(plugin_of "$src")"
    [ -f "$so" ] || { log "cross: no build for $src ($so), skipped"; continue; }
    for dst in 4.0 4.4 4.6; do
      [ "$src" = "$dst" ] && continue
      [ "$dst" = 4.0 ] || [ -f "$ROOTS/$dst/.sctpkit-root-complete" ] || continue
      n=$((n + 1))
      err="$(mktemp)"; rc=0
      out="$(SCTPKIT_PLUGIN_SO="$so" "$here/scripts/wireshark.sh" "$dst" tshark -G plugins 2>"$err")" || rc=$?
      local msg
      msg="$(grep -E "Couldn't load plugin|compiled for Wireshark version" "$err" | head -1 || true)"
      if [ "$rc" = 0 ] && ! grep -q '^libsctpkit' <<<"$out" && [ -n "$msg" ]; then
        echo "cross ok: built for $src, refused by $dst: $msg"
      else
        echo "cross FAILED: built for $src, in $dst's folder: exit $rc, listed: $(grep -c '^libsctpkit' <<<"$out"), stderr: $(head -c 300 "$err")"
        fails=$((fails + 1))
      fi
      rm -f "$err"
    done
  done
  echo "cross-version loading: $((n - fails)) passed, $fails failed"
  [ "$fails" = 0 ]
}

main() {
  [ "$(id -u)" = 0 ] || { echo "$0 needs root (mmdebstrap, chroot, mount)" >&2; exit 1; }
  local cmd=all
  case "${1:-}" in root|build|plugin|test|all|cross) cmd="$1"; shift ;; esac
  if [ "$cmd" = cross ]; then cross; return; fi
  local versions=() extra=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; extra=("$@"); break; fi
    versions+=("$1"); shift
  done
  [ ${#versions[@]} -gt 0 ] || versions=(4.4 4.6)
  # By default show what the tests print (the oracle's figures).
  [ ${#extra[@]} -gt 0 ] || extra=(-- --nocapture)
  for v in "${versions[@]}"; do suite_of "$v" >/dev/null; done
  local rc=0
  for v in "${versions[@]}"; do make_root "$v"; done
  [ "$cmd" = root ] && return 0
  for v in "${versions[@]}"; do
    if [ "$cmd" = plugin ]; then build_in "$v" plugin; continue; fi
    build_in "$v"
    if [ "$cmd" = test ] || [ "$cmd" = all ]; then
      test_in "$v" "${extra[@]}" || rc=1
    fi
  done
  if [ "$cmd" = all ]; then cross || rc=1; fi
  return "$rc"
}

main "$@"
