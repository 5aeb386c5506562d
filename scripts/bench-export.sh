#!/usr/bin/env bash
# Times `sctp-craft export` (issue 18: at least 2 M chunk rows/s on 2 cores) on the
# 1,000,000-packet capture of scripts/make-big-capture.sh and prints chunk rows per
# second of wall time, with the CPU time per thread (sctp-craft: the thread reading,
# analysing and keeping rows; export-stage: per table, the one turning rows into columns
# and finding the lints; parquet-writer: per table, the encoder), the load average
# before the run, and the peak memory:
#   scripts/bench-export.sh [CAPTURE [RUNS]]
# EXPORT_ARGS adds options to the export (e.g. EXPORT_ARGS=--no-lints).
# CAPTURE defaults to target/bench/big.pcap (made if missing), RUNS to 3 (the best is kept,
# as on a shared machine the slower ones measure the neighbours). Needs a release build
# (cargo build --release -p sctp-craft; CRAFT=PATH times another binary). Run it when `uptime` shows the machine idle:
# a benchmark, not a test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
big="${1:-target/bench/big.pcap}"
runs="${2:-3}"
craft="${CRAFT:-${CARGO_TARGET_DIR:-target}/release/sctp-craft}"
[ -x "$craft" ] || { echo "no $craft: run cargo build --release -p sctp-craft" >&2; exit 1; }
[ -f "$big" ] || scripts/make-big-capture.sh "$big"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "sctp-craft export $big ($(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
best=""
for i in $(seq "$runs"); do
  rm -rf "$tmp/out"
  # Per-thread CPU from /proc while it runs: each thread's last sample.
  "$craft" export "$big" -o "$tmp/out" -q ${EXPORT_ARGS:-} 2>"$tmp/err" &
  pid=$!
  : >"$tmp/threads"
  while kill -0 "$pid" 2>/dev/null; do
    cat /proc/"$pid"/task/*/stat >>"$tmp/threads" 2>/dev/null || true
    sleep 0.05
  done
  wait "$pid"
  line="$(grep -o 'exported.*' "$tmp/err")"
  rows="$(grep -oE '[0-9]+ chunk rows,' "$tmp/err" | grep -oE '^[0-9]+')"
  secs="$(grep -oE 'in [0-9.]+ s' "$tmp/err" | grep -oE '[0-9.]+')"
  rate="$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.2f", r / s / 1e6 }')"
  cpu="$(awk -v hz="$(getconf CLK_TCK)" '{
      name = $2; gsub(/[()]/, "", name); t = ($14 + $15) / hz
      if (t > max[$1]) { max[$1] = t; names[$1] = name } }
      END { for (k in max) if (max[k] > 0.05) printf "%s %.2f s, ", names[k], max[k] }' "$tmp/threads")"
  echo "run $i: $rows chunk rows in $secs s: $rate M rows/s (CPU: ${cpu%, })"
  if [ -z "$best" ] || awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best="$rate"; fi
done
echo "best: $best M chunk rows/s (goal: 2)"
