#!/usr/bin/env bash
# Build a benchmark capture of small packets (the typical SIGTRAN, Diameter or
# S1AP/NGAP capture: 100-250 bytes, 1-2 chunks per packet):
#   scripts/make-small-capture.sh OUT [PACKETS]
# The SCTP frames with at most 2 chunks of the real M3UA, Diameter, NGAP and S1AP
# captures in ../shared/captures (see CATALOG.md) are repeated, in corpus order,
# until PACKETS packets (default 2,000,000) are written to OUT as a classic pcap
# with Ethernet link type (a Linux SLL frame gets an Ethernet header in place of
# its own). Timestamps advance 10 us per frame from 2024-01-01, so OUT is the same
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
python3 - "$tmp" "$out" "$packets" <<'PY'
import os, struct, sys

tmp, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])

def records(path):
    """Yield (linktype, frame bytes) of a classic pcap file (either byte order)."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl

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

os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
t0 = 1704067200  # 2024-01-01T00:00:00Z
written = total = 0
with open(out + ".part", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    buf = []
    while written < target:
        for fr in base:
            if written >= target:
                break
            ts = written * 10  # microseconds since t0
            buf.append(struct.pack("<IIII", t0 + ts // 1000000, ts % 1000000, len(fr), len(fr)))
            buf.append(fr)
            total += len(fr)
            written += 1
        f.write(b"".join(buf))
        buf.clear()
os.replace(out + ".part", out)
print(f"{out}: {written} packets ({len(base)} distinct frames), "
      f"{total / written:.0f} bytes per frame on average, link type Ethernet")
PY
