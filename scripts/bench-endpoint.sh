#!/usr/bin/env bash
# Benchmark (not a test; never run by cargo test or CI) of the sans-IO SCTP endpoint:
#   scripts/bench-endpoint.sh
# prints one table of Mbit/s and CPU seconds per GB for 1200-byte, 8 KiB and 64 KiB
# messages (one ordered association, both ends on this host, CRC32c on):
#   udp  ours -> ours        sctp-endpoint connect -> sctp-endpoint serve, UDP encapsulation on 127.0.0.1
#   udp  usrsctp -> usrsctp  Debian's tsctp client -> tsctp server
#   udp  ours -> usrsctp     sctp-endpoint connect -> tsctp server
#   udp  usrsctp -> ours     tsctp client -> sctp-endpoint serve
#   udp  ours+AUTH           the same with SCTP-AUTH (RFC 4895) on both sides, DATA and
#                            SACK authenticated with HMAC-SHA-256: the AUTH cost against
#                            the plain row of the same run
#   udp  ours+S-SCTP3        the same in an S-SCTP secure session at level 3 (every chunk
#                            in EncData, AUTH on every packet; suite 24: DH, AES-256-CBC,
#                            HMAC-SHA-1), with the test certificates of endpoint/tests/data
#   udp  ours+S-SCTP3-GCM    the same with sctpkit's private suite 0xFE02 (AES-256-GCM: one
#                            pass encrypts and authenticates; docs/ssctp-endpoint.md)
#   mem  ours -> ours        endpoint/examples/memlink_bench.rs: two endpoints through the
#                            in-memory link, no impairment, zero delay, one thread; also
#                            with AUTH and with S-SCTP at level 3, suite 24 and GCM
#                            (--ext plain,auth,ssctp3,ssctp3gcm)
# Mbit/s is user bytes per second as the sender measures it (sctp-endpoint connect: from
# the first message to the last one acknowledged; tsctp: while sending for SECONDS).
# CPU s/GB is the CPU time (user + system) of sender and receiver together per 10^9 user
# bytes. tsctp writes usrsctp's whole debug trace to stdout whatever its flags say
# (about 50 MB/s a side); it goes to /dev/null or through grep here, and that costs
# tsctp CPU time which the usrsctp rows include.
# Environment: MB (data per ours-sending cell, default 200), TSCTP_SECONDS (tsctp
# sending time, default 2), SIZES (default "1200 8192 65536"), PORT_BASE (UDP ports used,
# default 43100..43120, 127.0.0.1 only).
# Needs libusrsctp-examples (tsctp) and GNU time (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mb="${MB:-200}"
# The S-SCTP rows use the test certificates (both ends present the server's).
certs=endpoint/tests/data/ssctp
secs="${TSCTP_SECONDS:-2}"
sizes="${SIZES:-1200 8192 65536}"
base="${PORT_BASE:-43100}"
tsctp=/usr/lib/usrsctp/tsctp
for tool in "$tsctp" /usr/bin/time python3; do
  [ -x "$tool" ] || command -v "$tool" >/dev/null || {
    echo "bench-endpoint: $tool missing (scripts/install-deps.sh)" >&2
    exit 1
  }
done

echo "== cargo build --release -p sctp-endpoint --bin sctp-endpoint --example memlink_bench" >&2
cargo build --release -p sctp-endpoint --bin sctp-endpoint --example memlink_bench >&2
ep=target/release/sctp-endpoint
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# CPU seconds (user + system) of a live process, from /proc/PID/stat.
cpu_of() {
  local tck
  tck="$(getconf CLK_TCK)"
  awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / t }' "/proc/$1/stat"
}
# CPU seconds from a /usr/bin/time -f '%U %S' file.
cpu_file() { awk 'END { printf "%.3f", $1 + $2 }' "$1"; }
# Stops a background process and waits for it.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# Waits up to 10 s for a background process to end by itself, then stops it.
finish() {
  local i
  for i in $(seq 100); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  stop "$1"
}
# sctp-endpoint serve for one association under /usr/bin/time (CPU in $work/cpu_srv);
# sets srv.
ours_server() {
  local udp=$1 sctp=$2
  shift 2
  rm -f "$work/cpu_srv"
  /usr/bin/time -f '%U %S' -o "$work/cpu_srv" "$ep" serve --udp "$udp" --bind 127.0.0.1 \
    --port "$sctp" --associations 1 "$@" >/dev/null 2>&1 &
  srv=$!
  pids+=("$srv")
  sleep 0.3
}
srv_cpu() { if [ -s "$work/cpu_srv" ]; then cpu_file "$work/cpu_srv"; else echo 0; fi; }

rows=()
row() { # path pair size mbit_s cpu_s bytes
  local per_gb
  per_gb="$(python3 -c "b=$6; print('%.2f' % ($5 / (b / 1e9)) if b else '-')")"
  rows+=("$(printf '%-4s %-22s %6s %10.1f %10s' "$1" "$2" "$3" "$4" "$per_gb")")
  echo "   $1 $2 $3: $4 Mbit/s, $per_gb CPU s/GB" >&2
}

port=$base
# Moves $port on (not in a subshell: the count must persist).
next_port() { port=$((port + 1)); }

# ours -> ours over UDP; $2 names the row, the rest are extension options for both ends.
ours_to_ours() {
  local size=$1 label=${2:-ours->ours} sp count out cpu_s cpu_c mbit bytes srv
  shift 2 || shift $#
  next_port
  sp=$port
  count=$(((mb << 20) / size))
  ours_server "$sp" 5000 "$@"
  out="$(/usr/bin/time -f '%U %S' -o "$work/cpu" "$ep" connect --udp "127.0.0.1:$sp" --port 5000 \
    --count "$count" --size "$size" --json --timeout 10 "$@" | tail -1)"
  finish "$srv"
  cpu_s="$(srv_cpu)"
  cpu_c="$(cpu_file "$work/cpu")"
  mbit="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['mbit_s'])" "$out")"
  bytes="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['bytes'])" "$out")"
  row udp "$label" "$size" "$mbit" "$(python3 -c "print($cpu_s + $cpu_c)")" "$bytes"
}

# A tsctp server on a fresh encapsulation port; sets srv and sp.
tsctp_server() {
  next_port
  sp=$port
  "$tsctp" -E "$sp" -L 127.0.0.1 >/dev/null 2>&1 &
  srv=$!
  pids+=("$srv")
  sleep 0.3
}

# tsctp client on UDP port $3 -> (server on UDP port $2): prints "mbit_s bytes cpu_s".
tsctp_client() {
  local size=$1 to=$2 cp=$3 out rate
  out="$(/usr/bin/time -f '%U %S' -o "$work/cpu" "$tsctp" -E "$cp" -U "$to" -L 127.0.0.1 \
    -l "$size" -T "$secs" -D 127.0.0.1 2>&1 | grep -v '^\[S\]' | grep 'Byte/sec' || true)"
  rate="$(echo "$out" | sed -n 's/.*Throughput was \([0-9.]*\) Byte\/sec.*/\1/p' | tail -1)"
  [ -n "$rate" ] || { echo "bench-endpoint: tsctp client gave no result" >&2; rate=0; }
  python3 -c "r=$rate; print('%.1f %d %s' % (r * 8 / 1e6, r * $secs, $(cpu_file "$work/cpu")))"
}

usrsctp_to_usrsctp() {
  local size=$1 srv sp r
  tsctp_server
  next_port
  r="$(tsctp_client "$size" "$sp" "$port")"
  local cpu_s
  cpu_s="$(cpu_of "$srv" 2>/dev/null || echo 0)"
  stop "$srv"
  set -- $r
  row udp "usrsctp->usrsctp" "$size" "$1" "$(python3 -c "print($3 + $cpu_s)")" "$2"
}

ours_to_usrsctp() {
  local size=$1 srv sp count out cpu_s cpu_c mbit bytes
  tsctp_server
  count=$(((mb << 20) / size))
  out="$(/usr/bin/time -f '%U %S' -o "$work/cpu" "$ep" connect --udp "127.0.0.1:$sp" --port 5001 \
    --count "$count" --size "$size" --json --timeout 10 | tail -1)"
  cpu_s="$(cpu_of "$srv" 2>/dev/null || echo 0)"
  stop "$srv"
  cpu_c="$(cpu_file "$work/cpu")"
  mbit="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['mbit_s'])" "$out")"
  bytes="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['bytes'])" "$out")"
  row udp "ours->usrsctp" "$size" "$mbit" "$(python3 -c "print($cpu_s + $cpu_c)")" "$bytes"
}

usrsctp_to_ours() {
  local size=$1 sp r cpu_s srv
  next_port
  sp=$port
  ours_server "$sp" 5001
  next_port
  r="$(tsctp_client "$size" "$sp" "$port")"
  finish "$srv"
  cpu_s="$(srv_cpu)"
  set -- $r
  row udp "usrsctp->ours" "$size" "$1" "$(python3 -c "print($3 + $cpu_s)")" "$2"
}

for size in $sizes; do
  echo "== $size-byte messages" >&2
  ours_to_ours "$size" "ours->ours"
  ours_to_ours "$size" "ours+AUTH->ours+AUTH" --auth-chunks data,sack --auth-hmac sha256 \
    --auth-key 1:bench-key
  ours_to_ours "$size" "ours+S-SCTP3->ours" --secure 3 --secure-policy require \
    --cert "$certs/server.pem" --key "$certs/server.key" --trust "$certs/ca.pem"
  ours_to_ours "$size" "ours+S-SCTP3-GCM->ours" --secure 3 --secure-policy require \
    --secure-suites 0xFE02 \
    --cert "$certs/server.pem" --key "$certs/server.key" --trust "$certs/ca.pem"
  usrsctp_to_usrsctp "$size"
  ours_to_usrsctp "$size"
  usrsctp_to_ours "$size"
done

echo "== in memory (memlink_bench --mb $mb)" >&2
while read -r ext size _msgs bytes _secs mbit cpu; do
  case $ext in
    plain) label="ours->ours" ;;
    auth) label="ours+AUTH->ours+AUTH" ;;
    ssctp3) label="ours+S-SCTP3->ours" ;;
    ssctp3gcm) label="ours+S-SCTP3-GCM->ours" ;;
    *) label="$ext" ;;
  esac
  rows+=("$(printf '%-4s %-22s %6s %10.1f %10s' mem "$label" "$size" "$mbit" "$cpu")")
done < <(target/release/examples/memlink_bench --mb "$mb" --sizes "$(echo $sizes | tr ' ' ,)" \
  --ext plain,auth,ssctp3,ssctp3gcm | tail -n +2)

echo
printf '%-4s %-22s %6s %10s %10s\n' path "sender->receiver" size "Mbit/s" "CPU s/GB"
printf '%s\n' "${rows[@]}" | sort -s -k1,1r -k3,3n
