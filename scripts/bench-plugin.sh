#!/usr/bin/env bash
# Times tshark with the sctpkit plugin against Wireshark's built-in SCTP dissector on
# the same capture, in one run, and prints the ratios (goal: <= 1.0).
#   scripts/bench-plugin.sh [BIG [VPACKETS]]
# BIG defaults to target/bench/big.pcap (scripts/make-big-capture.sh makes it, 1M packets).
# `-T fields` runs on the whole of BIG; `-V` (full tree as text) on its first VPACKETS
# packets (default 100000, cut with editcap -r). Both sides verify CRC32c; everything else
# is each dissector's default. Needs a release build of the plugin (cargo build --release
# -p dissector-plugin). As root, tshark runs as nobody (root ignores personal plugins).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
big="${1:-target/bench/big.pcap}"
vpk="${2:-100000}"
so="${CARGO_TARGET_DIR:-target}/release/libsctpkit.so"
[ -f "$big" ] || { echo "no $big: run scripts/make-big-capture.sh $big" >&2; exit 1; }
[ -f "$so" ] || { echo "no $so: run cargo build --release -p dissector-plugin" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home/.local/lib/wireshark/plugins/4.0/epan"
cp "$so" "$tmp/home/.local/lib/wireshark/plugins/4.0/epan/"
cp "$big" "$tmp/big.pcap"
editcap -r "$big" "$tmp/prefix.pcap" "1-$vpk"
chmod -R a+rwX "$tmp"

run() { # run tshark with the plugin available; output discarded
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" tshark "$@" >/dev/null 2>&1
  else
    env HOME="$tmp/home" tshark "$@" >/dev/null 2>&1
  fi
}
secs() { # seconds taken by: run ARGS...
  local t0 t1
  t0=$(date +%s.%N); run "$@"; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
builtin=(-o sctpkit.takeover:FALSE -o sctp.checksum:CRC-32C)
plugin=(-o sctpkit.takeover:TRUE -o sctpkit.checksum:crc32c)
fields_b=(-T fields -e sctp.verification_tag -e sctp.chunk_type -e sctp.chunk_length -e sctp.data_tsn_raw -e sctp.checksum.status)
fields_k=(-T fields -e sctpkit.verification_tag -e sctpkit.chunk_type -e sctpkit.chunk_length -e sctpkit.data_tsn_raw -e sctpkit.checksum.status)

npk=$(capinfos -c -M "$big" | awk '/Number of packets/ {print $NF}')
echo "capture: $big ($npk packets); -V on the first $vpk packets"
run -r "$tmp/prefix.pcap" -c 1000 # warm the page cache and plugin load
tvb=$(secs -r "$tmp/prefix.pcap" -V "${builtin[@]}")
tvk=$(secs -r "$tmp/prefix.pcap" -V "${plugin[@]}")
tfb=$(secs -r "$tmp/big.pcap" "${fields_b[@]}" "${builtin[@]}")
tfk=$(secs -r "$tmp/big.pcap" "${fields_k[@]}" "${plugin[@]}")
printf '%-28s %10s %10s %8s\n' "run" "built-in s" "sctpkit s" "ratio"
printf '%-28s %10.2f %10.2f %8.2f\n' "-V ($vpk packets)" "$tvb" "$tvk" "$(awk -v a="$tvk" -v b="$tvb" 'BEGIN { print a / b }')"
printf '%-28s %10.2f %10.2f %8.2f\n' "-T fields ($npk packets)" "$tfb" "$tfk" "$(awk -v a="$tfk" -v b="$tfb" 'BEGIN { print a / b }')"
