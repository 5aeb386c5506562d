#!/usr/bin/env bash
# A usrsctp server to practise on (the peer the live tests use):
#   scripts/usrsctp-peer.sh [ENCAPS_PORT [ADDR [SCTP_PORT [echo]]]]
# defaults: UDP encapsulation port 9899 on 127.0.0.1, SCTP port 5000.
# ENCAPS_PORT 0 means raw IP (as root, e.g. inside a network namespace).
# It logs one line per association event and per message received.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${CARGO_TARGET_DIR:-target}/usrsctp_peer"
mkdir -p "$(dirname "$out")"
if [ ! -x "$out" ] || [ craft/tests/peer/usrsctp_peer.c -nt "$out" ]; then
  # shellcheck disable=SC2046
  gcc -O2 -o "$out" craft/tests/peer/usrsctp_peer.c $(pkg-config --cflags --libs usrsctp)
fi
exec "$out" "${1:-9899}" "${2:-127.0.0.1}" "${3:-5000}" ${4:+"$4"}
