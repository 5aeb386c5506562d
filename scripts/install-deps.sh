#!/usr/bin/env bash
# Install every Debian package sctpkit needs to build, test and benchmark.
# Used by scripts/setup.sh (users) and .ci/run (CI). Safe to run again: when every
# package is already installed it returns at once without touching apt.
set -euo pipefail

PACKAGES=(
  tshark               # the independent oracle (craft/tests/tshark_oracle.rs), benchmarks
  libpcap-dev          # capture reading/writing
  libwireshark-dev     # the Wireshark dissector plugin
  libglib2.0-dev       #   (its headers need glib)
  libclang-dev clang   # bindgen for the plugin's FFI
  libusrsctp-dev       # interop tests against usrsctp
  libusrsctp-examples  #   (its example peers)
  python3-scapy        # crafting reference packets in tests
  pkg-config
  tmux                 # REPL tests drive sctp-craft in a terminal
  gcc
  time                 # /usr/bin/time -v for peak RSS in scripts/bench.sh
  hyperfine            # timings in scripts/bench.sh
  iproute2             # live tests: ip netns and veth pairs (craft/tests/live_netns.rs)
  iputils-ping         #   ping resolves a namespace's neighbour first (replay/tests/raw_replay.rs)
  tcpreplay            # scripts/bench-replay.sh: raw replay vs tcpreplay --topspeed
  util-linux           #   setpriv: a child without CAP_NET_RAW
  procps               #   kill -INT to stop tshark cleanly
  mmdebstrap           # scripts/wireshark-versions.sh: Debian roots with Wireshark 4.4 and 4.6
  wireshark-qt         # scripts/gui-screenshot.sh: the Wireshark GUI with the plugin,
  xvfb                 #   under a virtual X server,
  xdotool              #   driven by keystrokes,
  imagemagick          #   screenshots (import)
  fonts-dejavu-core    #   legible text in them
  chromium             # replay/tests/live_realworld.rs: the live --plot SVG in headless Chromium
  librsvg2-bin         # rsvg-convert: craft/tests/graph_cli.rs renders the graphs' SVGs
  python3-pip          # the Python packages below
)

# Python packages Debian does not ship, pinned, installed with pip into the
# system Python (/usr/bin/python3): duckdb queries the Parquet export in
# craft/tests/export_duckdb.rs.
DUCKDB_VERSION=1.4.2

install_pip() {
  if /usr/bin/python3 -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
    echo "install-deps: duckdb $DUCKDB_VERSION already installed"
    return 0
  fi
  for attempt in 1 2 3; do
    if "${SUDO[@]}" /usr/bin/python3 -m pip install -q --break-system-packages --root-user-action=ignore "duckdb==$DUCKDB_VERSION"; then
      echo "install-deps: duckdb $DUCKDB_VERSION installed"
      return 0
    fi
    echo "install-deps: pip failed (attempt $attempt), retrying in 10 s" >&2
    sleep 10
  done
  echo "install-deps: could not install duckdb==$DUCKDB_VERSION with pip" >&2
  return 1
}

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
  SUDO=(sudo)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  install_pip
  exit $?
fi

echo "install-deps: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    SUDO=(sudo)
  else
    echo "install-deps: not root and no sudo; install these packages: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${SUDO[@]}" debconf-set-selections 2>/dev/null || true

for attempt in 1 2 3; do
  if "${SUDO[@]}" apt-get update -q &&
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    echo "install-deps: done"
    install_pip
    exit $?
  fi
  echo "install-deps: apt failed (attempt $attempt), retrying in 10 s" >&2
  sleep 10
done
echo "install-deps: could not install ${missing[*]}" >&2
exit 1
