#!/usr/bin/env bash
# First command for a new user: install the system packages, build sctpkit, and dissect
# the bundled example capture.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cargo build --release
echo
echo "== target/release/sctp-craft dissect captures/handshake.pcap"
target/release/sctp-craft dissect captures/handshake.pcap
