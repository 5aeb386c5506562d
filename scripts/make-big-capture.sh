#!/usr/bin/env bash
# Build a large benchmark capture from the shared corpus:
#   scripts/make-big-capture.sh OUT [PACKETS]
# Every SCTP frame of every capture in ../shared/captures (as tshark sees SCTP, UDP port
# 9899 included) is taken with its link layer stripped, and the whole list is repeated,
# in corpus order, until PACKETS packets (default 1,000,000) are written to OUT as a
# classic pcap with link type RAW (101: each record starts with the IPv4/IPv6 header).
# Timestamps are synthetic (1 us apart from 2024-01-01), so OUT is byte-for-byte the
# same on every run for the same corpus. Needs tshark and python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: $0 OUT [PACKETS]}"
packets="${2:-1000000}"
corpus="${CORPUS:-$here/../../shared/captures}"
[ -d "$corpus" ] || { echo "no capture corpus at $corpus (set CORPUS=...)" >&2; exit 1; }
command -v tshark >/dev/null || { echo "tshark is needed (scripts/install-deps.sh)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. Keep only the SCTP frames of each capture, as plain pcap (one link type per file).
n=0
for f in "$corpus"/*.pcap "$corpus"/*.cap "$corpus"/*.pcapng "$corpus"/*.pcapng.gz; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  tshark -r "$f" -d udp.port==9899,sctp -Y sctp -F pcap -w "$tmp/$(printf %03d "$n").pcap" 2>/dev/null
done

# 2. Strip link layers and repeat.
python3 - "$here" "$tmp" "$out" "$packets" <<'PY'
import os, struct, sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, sys.argv[1])
from pcap_repeat import records, write_repeated

tmp, out, target = sys.argv[2], sys.argv[3], int(sys.argv[4])

def ip_start(linktype, fr):
    """Offset of the IP header in a frame, or None."""
    if linktype in (101, 228, 229, 12, 14):  # RAW, IPV4, IPV6 (and BSD aliases)
        return 0
    if linktype == 1:  # Ethernet
        off, et = 14, fr[12:14]
    elif linktype == 113:  # Linux SLL
        off, et = 16, fr[14:16]
    elif linktype == 276:  # Linux SLL2
        off, et = 20, fr[0:2]
    elif linktype in (0, 108):  # BSD loopback
        return 4
    else:
        return None
    while et in (b"\x81\x00", b"\x88\xa8"):  # VLAN tags
        et, off = fr[off + 2:off + 4], off + 4
    return off if et in (b"\x08\x00", b"\x86\xdd") else None

base = []
skipped = 0
for name in sorted(os.listdir(tmp)):
    for lt, fr in records(os.path.join(tmp, name)):
        s = ip_start(lt, fr)
        if s is None:
            skipped += 1
            continue
        ip = fr[s:]
        # Cut link-layer trailers (Ethernet padding) using the IP length.
        if ip and ip[0] >> 4 == 4 and len(ip) >= 4:
            ip = ip[:struct.unpack(">H", ip[2:4])[0]]
        elif ip and ip[0] >> 4 == 6 and len(ip) >= 6:
            ip = ip[:40 + struct.unpack(">H", ip[4:6])[0]]
        base.append(ip)
if not base:
    raise SystemExit("no SCTP packets found in the corpus")

written, total_bytes = write_repeated(out, base, target, 101, 1)
print(f"{out}: {written} packets ({len(base)} distinct SCTP packets from the corpus, "
      f"{skipped} skipped), {total_bytes / 1e6:.1f} MB of IP packets, link type RAW")
PY
