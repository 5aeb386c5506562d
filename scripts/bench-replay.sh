#!/usr/bin/env bash
# Raw replay at top speed against tcpreplay, in the same run (issue 16):
#   scripts/bench-replay.sh [PACKETS] [LOOPS]
# Builds a large capture with scripts/make-big-capture.sh (default 300,000
# SCTP packets of the shared corpus, link type RAW), then, LOOPS times
# (default 7), alternating so that all see the same load,
#  1. sctp-replay raw CAPTURE --to udp:127.0.0.1:PORT --timing top: every SCTP
#     packet as a UDP datagram to a sink on loopback (runs of equal-sized
#     packets as one UDP GSO message each, consecutive runs of one size and
#     the single packets between them in one sendmmsg call), to two sinks:
#     one that reads a datagram per call (the kernel then cuts each GSO send
#     back into datagrams in the sender's context, as it delivers them) and
#     one with UDP_GRO (it takes them coalesced);
#  2. tcpreplay --topspeed --preload-pcap of the same packets (behind
#     Ethernet headers, as tcpreplay needs; preloaded as sctp-replay loads
#     the capture before it starts the clock) on one end of a veth pair this
#     script creates (and removes);
#  3. sctp-replay raw of those same Ethernet frames onto the same veth end
#     (--to iface:, AF_PACKET, sendmmsg batches of 64), and once more with
#     --batch 1 (one frame per call, the way pnet's datalink sender goes):
#     apples to apples with tcpreplay (frames longer than the veth's MTU
#     are left out by both: tcpreplay counts them as failed);
# and prints the best and the median rates in packets per second and their
# ratios, and how many datagrams the sinks dropped (a full receive buffer).
# BENCH_PIN=1 runs the senders (sctp-replay and tcpreplay alike) on CPU 0
# and the sinks on CPU 1 (taskset), so that a sender and its sink do not
# take turns on one core; by default the scheduler places them (on a 2-core
# machine shared with other work, pinning lowered both rates, a pinned
# sender cannot leave a busy core, and left their ratio as it was). Needs root (the veth pair, tcpreplay, the sinks' 64 MB
# receive buffers), tshark and python3, tcpreplay (install-deps.sh).
#
#   scripts/bench-replay.sh live [PACKETS]
# instead times `sctp-replay live` on one association of PACKETS packets
# (default 100,000; replay/benches/big_association.py writes it, 40 us
# between DATA packets) played as the client against `sctp-endpoint serve`
# on loopback with --timing asis, fast and 2x: wall time against the
# captured duration, and the pacing note (how late the actions went).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
if [ "${1:-}" = live ]; then
  n="${2:-100000}"
  work="${BENCH_DIR:-/tmp/sctpkit-bench-replay}"
  mkdir -p "$work"
  cap="$work/assoc-$n.pcap"
  python3 "$root/replay/benches/big_association.py" "$cap" "$n" 40
  (cd "$root" && cargo build --release -q -p sctp-replay -p sctp-endpoint)
  port=$((47100 + RANDOM % 500))
  "$root/target/release/sctp-endpoint" serve --udp "$port" --bind 127.0.0.1 --port 5000 --mode discard >/dev/null 2>&1 &
  srv=$!
  trap 'kill $srv 2>/dev/null || true' EXIT
  sleep 0.5
  for t in asis fast 2x; do
    s0=$(date +%s.%N)
    "$root/target/release/sctp-replay" live "$cap" --play client --peer "udp:127.0.0.1:$port" \
      --timing "$t" --wait 3000 >"$work/live-$t.txt" 2>&1 || true
    s1=$(date +%s.%N)
    printf '%-5s %6.2f s wall  ' "$t" "$(python3 -c "print($s1 - $s0)")"
    grep -E 'pacing|expected chunks' "$work/live-$t.txt" | sed 's/^ *//' | tr '\n' ' '
    echo
  done
  exit 0
fi
packets="${1:-300000}"
loops="${2:-7}"
work="${BENCH_DIR:-/tmp/sctpkit-bench-replay}"
mkdir -p "$work"
cap="$work/big-$packets.pcap"
[ -s "$cap" ] || "$here/make-big-capture.sh" "$cap" "$packets"
for t in tcpreplay python3 ip taskset; do
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

# BENCH_PIN=1: senders on CPU 0, sinks on CPU 1.
send_on=()
sink_on=()
if [ "${BENCH_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  send_on=(taskset -c 0)
  sink_on=(taskset -c 1)
fi
# Two UDP sinks on loopback that read and discard: one datagram per call,
# and with UDP_GRO (SOL_UDP 17, option 104); 64 MB receive buffers
# (SO_RCVBUFFORCE, 33, as root) so that they drop as little as they can.
sinks=()
for gro in 0 1; do
  rm -f "$work/sink$gro.port"
  "${sink_on[@]}" python3 - "$work/sink$gro.port" "$gro" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.setsockopt(17, 104, int(sys.argv[2]))
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".part", "w").write(str(s.getsockname()[1]))
import os
os.replace(sys.argv[1] + ".part", sys.argv[1])
while True:
    s.recv(65536)
PY
  sinks+=($!)
done
veth=skbr$$
cleanup() {
  kill "${sinks[@]}" 2>/dev/null || true
  ip link del "$veth-a" 2>/dev/null || true
}
trap cleanup EXIT
for gro in 0 1; do
  for _ in $(seq 50); do [ -s "$work/sink$gro.port" ] && break; sleep 0.1; done
  [ -s "$work/sink$gro.port" ] || { echo "bench-replay: the UDP sink did not start" >&2; exit 1; }
done
port="$(cat "$work/sink0.port")"
gport="$(cat "$work/sink1.port")"
ip link add "$veth-a" type veth peer name "$veth-b"
ip link set "$veth-a" up
ip link set "$veth-b" up

# UDP receive-buffer drops so far (/proc/net/snmp, Udp RcvbufErrors).
drops() { awk '/^Udp:/ { n++; if (n == 2) print $6 }' /proc/net/snmp; }
ours=()
gro=()
theirs=()
iface=()
iface1=()
for i in $(seq "$loops"); do
  d0="$(drops)"
  line="$("${send_on[@]}" "$bin" raw "$cap" --to "udp:127.0.0.1:$port" --timing top --no-progress)"
  d1="$(drops)"
  case "$line" in *refused*) echo "bench-replay: the sink refused datagrams: $line" >&2; exit 1;; esac
  pps="$(sed -E 's/.* ([0-9]+) pps.*/\1/' <<<"$line")"
  echo "run $i sctp-replay raw (sink reads datagrams): $line; sink dropped $((d1 - d0))"
  ours+=("$pps")
  line="$("${send_on[@]}" "$bin" raw "$cap" --to "udp:127.0.0.1:$gport" --timing top --no-progress)"
  d2="$(drops)"
  case "$line" in *refused*) echo "bench-replay: the sink refused datagrams: $line" >&2; exit 1;; esac
  pps="$(sed -E 's/.* ([0-9]+) pps.*/\1/' <<<"$line")"
  echo "run $i sctp-replay raw (sink with UDP_GRO):     $line; sink dropped $((d2 - d1))"
  gro+=("$pps")
  out="$("${send_on[@]}" tcpreplay --topspeed --preload-pcap -q -i "$veth-a" "$eth" 2>&1)"
  tpps="$(grep -Eo '[0-9.]+ pps' <<<"$out" | head -1 | cut -d' ' -f1)"
  echo "run $i tcpreplay --topspeed: $(grep -E 'Actual|Rated' <<<"$out" | tr -s ' ' | tr '\n' ' ')"
  theirs+=("$tpps")
  line="$("${send_on[@]}" "$bin" raw "$eth" --to "iface:$veth-a" --timing top --no-progress)"
  echo "run $i sctp-replay raw --to iface (batches of 64): $line"
  iface+=("$(sed -E 's/.* ([0-9]+) pps.*/\1/' <<<"$line")")
  line="$("${send_on[@]}" "$bin" raw "$eth" --to "iface:$veth-a" --timing top --no-progress --batch 1)"
  echo "run $i sctp-replay raw --to iface --batch 1:      $line"
  iface1+=("$(sed -E 's/.* ([0-9]+) pps.*/\1/' <<<"$line")")
done
best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
o="$(best "${ours[@]}")"
g="$(best "${gro[@]}")"
t="$(best "${theirs[@]}")"
echo
echo "capture: $cap ($packets packets)"
printf 'sctp-replay raw --timing top, sink reads datagrams: %.0f pps (best of %s, median %.0f)\n' "$o" "$loops" "$(median "${ours[@]}")"
printf 'sctp-replay raw --timing top, sink with UDP_GRO:   %.0f pps (best of %s, median %.0f)\n' "$g" "$loops" "$(median "${gro[@]}")"
printf 'tcpreplay --topspeed --preload-pcap (veth):         %.0f pps (best of %s, median %.0f)\n' "$t" "$loops" "$(median "${theirs[@]}")"
mo="$(median "${ours[@]}")"
mg="$(median "${gro[@]}")"
mt="$(median "${theirs[@]}")"
python3 -c "print('ratio sctp-replay / tcpreplay, best: %.2fx (sink reading datagrams), %.2fx (UDP_GRO sink)' % ($o / $t, $g / $t))"
python3 -c "print('ratio sctp-replay / tcpreplay, median: %.2fx (sink reading datagrams), %.2fx (UDP_GRO sink)' % ($mo / $mt, $mg / $mt))"
# Each run's ratio (the sends next to each other saw the same load), and their median.
python3 - "${gro[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
r = [float(g) / float(t) for g, t in zip(sys.argv[1].split(), sys.argv[2].split())]
print("ratio per run, UDP_GRO sink / tcpreplay: %s (median %.2fx)" % (" ".join("%.2f" % x for x in r), statistics.median(r)))
PY
printf 'sctp-replay raw --to iface (veth), batches of 64:  %.0f pps (best of %s, median %.0f)\n' "$(best "${iface[@]}")" "$loops" "$(median "${iface[@]}")"
printf 'sctp-replay raw --to iface (veth), --batch 1:      %.0f pps (best of %s, median %.0f)\n' "$(best "${iface1[@]}")" "$loops" "$(median "${iface1[@]}")"
# Onto the same veth end as tcpreplay, the same frames: each run's ratio
# (the sends next to each other saw the same load), and their median.
python3 - "${iface[*]}" "${iface1[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
i, i1, t = ([float(x) for x in a.split()] for a in sys.argv[1:4])
r = [a / b for a, b in zip(i, t)]
r1 = [a / b for a, b in zip(i1, t)]
print("ratio per run, sctp-replay raw --to iface / tcpreplay (same veth, same frames): %s (median %.2fx)" % (" ".join("%.2f" % x for x in r), statistics.median(r)))
print("ratio per run, the same with --batch 1 (one frame per call, as pnet) / tcpreplay: %s (median %.2fx)" % (" ".join("%.2f" % x for x in r1), statistics.median(r1)))
PY
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
