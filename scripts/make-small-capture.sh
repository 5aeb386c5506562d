#!/usr/bin/env bash
# Build a benchmark capture of small packets (the typical SIGTRAN, Diameter or
# S1AP/NGAP capture: 100-250 bytes, 1-2 chunks per packet):
#   scripts/make-small-capture.sh OUT [PACKETS]
# The SCTP frames with at most 2 chunks of the real M3UA, Diameter, NGAP and S1AP
# captures in ../shared/captures (see CATALOG.md) are repeated, in corpus order,
# until PACKETS packets (default 2,000,000) are written to OUT as a classic pcap
# with Ethernet link type (a Linux SLL frame gets an Ethernet header in place of
# its own). Each round carries on the associations of the one before (TSNs,
# SACKs and checksums move on), so that to an analysis the rounds are new data,
# not retransmissions (SAME_TSNS=1 keeps every round's TSNs as captured: the
# tiling of earlier benchmarks, where every round after the first is a
# retransmission to an analysis, tshark's included). Timestamps advance 10 us per frame from 2024-01-01, so OUT is the same
# on every run for the same corpus. Never committed: scripts/bench.sh builds it
# under target/bench/. Needs tshark and python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: $0 OUT [PACKETS]}"
packets="${2:-2000000}"
corpus="${CORPUS:-$here/../../shared/captures}"
[ -d "$corpus" ] || { echo "no capture corpus at $corpus (set CORPUS=...)" >&2; exit 1; }
command -v tshark >/dev/null || { echo "tshark is needed (scripts/install-deps.sh)" >&2; exit 1; }

sources=(
  pcapr-m3ua-map-gprs-ns.pcap
  pcapr-m3ua-map-multi-assoc.pcap
  pcapr-m3ua-map-single.pcap
  arkime-diameter-synthetic.pcap
  5greplay-ngap-ue-authentication.pcapng
  pcapr-s1ap-volte-iphone6-sll.pcap
)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. The SCTP frames of each capture with 1 or 2 chunks, as plain pcap.
n=0
for f in "${sources[@]}"; do
  [ -e "$corpus/$f" ] || { echo "missing $corpus/$f" >&2; exit 1; }
  n=$((n + 1))
  tshark -r "$corpus/$f" -Y 'sctp && count(sctp.chunk_type) <= 2' -F pcap \
    -w "$tmp/$(printf %03d "$n").pcap" 2>/dev/null
done

# 2. Ethernet framing for all, then repeat with advancing timestamps.
python3 - "$here" "$tmp" "$out" "$packets" "${SAME_TSNS:-0}" <<'PY'
import os, sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, sys.argv[1])
from pcap_repeat import continuing_tsns, records, write_repeated

tmp, out, target = sys.argv[2], sys.argv[3], int(sys.argv[4])
same_tsns = sys.argv[5] == "1"

ETH = bytes.fromhex("020000000002" "020000000001")
base = []
for name in sorted(os.listdir(tmp)):
    for lt, fr in records(os.path.join(tmp, name)):
        if lt == 1:
            base.append(fr)
        elif lt == 113:  # Linux SLL: protocol at 14..16, payload from 16
            base.append(ETH + fr[14:16] + fr[16:])
        else:
            raise SystemExit(f"{name}: link type {lt} not handled")
if not base:
    raise SystemExit("no SCTP packets found")

vary = None if same_tsns else continuing_tsns(base)
written, total = write_repeated(out, base, target, 1, 10, vary)
print(f"{out}: {written} packets ({len(base)} distinct frames), "
      f"{total / written:.0f} bytes per frame on average, link type Ethernet")
PY
