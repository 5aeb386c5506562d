#!/usr/bin/env bash
# Raw replay at top speed against tcpreplay, in the same run (issue 16):
#   scripts/bench-replay.sh [PACKETS] [LOOPS]
# Builds a large capture with scripts/make-big-capture.sh (default 500,000
# SCTP packets of the shared corpus, link type RAW), then
#  1. sctp-replay raw CAPTURE --to udp:127.0.0.1:PORT --timing top: every SCTP
#     packet as a UDP datagram to a sink on loopback (batched sendmmsg);
#  2. tcpreplay --topspeed of the same packets (behind Ethernet headers, as
#     tcpreplay needs) on one end of a veth pair this
#     script creates (and removes);
# and prints both rates in packets per second and their ratio. Needs root
# (the veth pair, tcpreplay), tshark and python3, tcpreplay (install-deps.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
packets="${1:-500000}"
loops="${2:-3}"
work="${BENCH_DIR:-/tmp/sctpkit-bench-replay}"
mkdir -p "$work"
cap="$work/big-$packets.pcap"
[ -s "$cap" ] || "$here/make-big-capture.sh" "$cap" "$packets"
for t in tcpreplay python3 ip; do
  command -v "$t" >/dev/null || { echo "bench-replay: $t is needed (scripts/install-deps.sh)" >&2; exit 1; }
done
# SCTP_REPLAY=/path/to/sctp-replay uses that binary instead of building one.
bin="${SCTP_REPLAY:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release -q -p sctp-replay)
  bin="$root/target/release/sctp-replay"
fi

# Ethernet frames for tcpreplay (made once): each IP packet behind an
# Ethernet header (tcprewrite --dlt=enet rejects these captures).
eth="$work/big-$packets-eth.pcap"
[ -s "$eth" ] || python3 - "$cap" "$eth" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f, open(dst + ".part", "wb") as o:
    h = f.read(24)
    o.write(h[:20] + struct.pack("<I", 1))
    mac = bytes.fromhex("020000000002020000000001")
    while True:
        r = f.read(16)
        if len(r) < 16:
            break
        s, us, incl, orig = struct.unpack("<IIII", r)
        ip = f.read(incl)
        et = b"\x86\xdd" if ip and ip[0] >> 4 == 6 else b"\x08\x00"
        o.write(struct.pack("<IIII", s, us, incl + 14, orig + 14) + mac + et + ip)
import os
os.replace(dst + ".part", dst)
PY

# A UDP sink on loopback that reads and discards.
python3 - "$work/sink.port" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    s.recv(65536)
PY
sink=$!
veth=skbr$$
cleanup() {
  kill "$sink" 2>/dev/null || true
  ip link del "$veth-a" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
port="$(cat "$work/sink.port")"
ip link add "$veth-a" type veth peer name "$veth-b"
ip link set "$veth-a" up
ip link set "$veth-b" up

ours=()
theirs=()
for i in $(seq "$loops"); do
  line="$("$bin" raw "$cap" --to "udp:127.0.0.1:$port" --timing top --no-progress)"
  pps="$(sed -E 's/.* ([0-9]+) pps.*/\1/' <<<"$line")"
  echo "run $i sctp-replay raw: $line"
  ours+=("$pps")
  out="$(tcpreplay --topspeed -q -i "$veth-a" "$eth" 2>&1)"
  tpps="$(grep -Eo '[0-9.]+ pps' <<<"$out" | head -1 | cut -d' ' -f1)"
  echo "run $i tcpreplay --topspeed: $(grep -E 'Actual|Rated' <<<"$out" | tr -s ' ' | tr '\n' ' ')"
  theirs+=("$tpps")
done
best() { printf '%s\n' "$@" | sort -g | tail -1; }
o="$(best "${ours[@]}")"
t="$(best "${theirs[@]}")"
echo
echo "capture: $cap ($packets packets)"
printf 'sctp-replay raw --timing top (UDP to 127.0.0.1): %.0f pps (best of %s)\n' "$o" "$loops"
printf 'tcpreplay --topspeed (veth):                     %.0f pps (best of %s)\n' "$t" "$loops"
python3 -c "print('ratio sctp-replay / tcpreplay: %.2fx' % ($o / $t))"
