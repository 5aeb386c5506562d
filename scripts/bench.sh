#!/usr/bin/env bash
# Benchmark (not a test; never run by cargo test or CI):
#   scripts/bench.sh            build target/bench/big.pcap if missing, run the codec's
#                               decode bench (if it exists), then time tshark and
#                               sctp-craft on the big capture and print a table.
# Environment: BIG=path (capture to use), PACKETS=n (size when building it, default
# 1000000), RUNS=n (hyperfine runs per command, default 3), SKIP_CARGO_BENCH=1.
# Needs tshark, hyperfine and GNU time (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

big="${BIG:-target/bench/big.pcap}"
runs="${RUNS:-3}"
for tool in tshark hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

# (a) the big capture
if [ ! -s "$big" ]; then
  echo "== building $big"
  scripts/make-big-capture.sh "$big" "${PACKETS:-1000000}"
fi
npk="$(capinfos -M -c "$big" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
echo "== $big: $npk packets, $(du -h "$big" | cut -f1)"

# (b) the codec's own decode bench
if [ -z "${SKIP_CARGO_BENCH:-}" ] && { [ -f codec/benches/decode.rs ] || grep -qs 'name *= *"decode"' codec/Cargo.toml; }; then
  echo "== cargo bench -p sctp-codec --bench decode"
  cargo bench -p sctp-codec --bench decode
else
  echo "== codec decode bench skipped (SKIP_CARGO_BENCH set, or codec/benches/decode.rs missing)"
fi

# (c) whole-capture timings
cargo build --release -p sctp-craft >/dev/null 2>&1 || echo "bench: cargo build --release -p sctp-craft failed" >&2
craft=target/release/sctp-craft
cmds=(
  "tshark -r $big -T fields -e sctp.verification_tag"
  "tshark -r $big"
)
names=("tshark -T fields -e sctp.verification_tag" "tshark (summary lines)")
if [ -x "$craft" ] && "$craft" dissect --help >/dev/null 2>&1; then
  cmds+=("$craft dissect $big" "$craft dissect --reader native $big" "$craft dissect --reader native --threads 1 $big"
         "$craft dissect --reader native -Y init $big"
         "$craft dissect --json $big" "$craft dissect --json --reader native $big")
  names+=("sctp-craft dissect" "sctp-craft dissect --reader native" "sctp-craft dissect --reader native --threads 1"
          "sctp-craft dissect --reader native -Y init"
          "sctp-craft dissect --json" "sctp-craft dissect --json --reader native")
else
  echo "bench: $craft dissect does not work yet; timing tshark only" >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "== hyperfine ($runs runs each, output discarded)"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$tmp/h.json" "${cmds[@]}"

echo "== peak RSS (one run each, /usr/bin/time -v)"
: >"$tmp/rss"
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086
  /usr/bin/time -v $c >/dev/null 2>"$tmp/t" || true
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/t" >>"$tmp/rss"
done

python3 - "$tmp/h.json" "$tmp/rss" "$npk" "${names[@]}" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"]
rss = [int(x) for x in open(sys.argv[2]).read().split()]
n = int(sys.argv[3])
names = sys.argv[4:]
base = h[1]["mean"]  # tshark summary lines
print()
print(f"{n} SCTP packets")
print(f"| {'command':<42} | {'wall s':>7} | {'± s':>5} | {'CPU s':>6} | {'packets/s':>11} | {'vs tshark':>9} | {'peak RSS':>9} |")
print(f"|{'-'*44}|{'-'*9}|{'-'*7}|{'-'*8}|{'-'*13}|{'-'*11}|{'-'*11}|")
for name, r, m in zip(names, h, rss):
    cpu = r["user"] + r["system"]
    print(f"| {name:<42} | {r['mean']:7.2f} | {r['stddev'] or 0:5.2f} | {cpu:6.2f} | {n / r['mean']:11,.0f} | "
          f"{base / r['mean']:8.2f}x | {m / 1024:7.0f} MB |")
print("wall s: mean of the runs; CPU s: mean user+system time; packets/s from wall time;")
print("vs tshark: wall time of `tshark -r BIG` divided by the command's (>1 is faster).")

# The codec's decode rate (criterion, this run) against tshark -T fields (this run).
fields_pps = n / h[0]["mean"]
print()
print(f"tshark -T fields: {fields_pps:,.0f} packets/s")
import os
for bench in ["packets_no_checksum", "packets_crc32c", "packets_crc32c_2_threads",
              "view_crc32c", "view_crc32c_2_threads"]:
    est = f"target/criterion/decode/{bench}/new/estimates.json"
    if os.path.exists(est):
        mean_s = json.load(open(est))["mean"]["point_estimate"] / 1e9
        pps = n / mean_s
        print(f"codec {bench:<26} {pps:>12,.0f} packets/s = {pps / fields_pps:6.1f}x tshark -T fields")
print("packets_*: Decoder::decode, every chunk, parameter and cause typed into owned structs;")
print("view_*: PacketView, framing of every chunk and nested parameter/cause list checked, zero-copy.")
PY
