#!/usr/bin/env bash
# Benchmark (not a test; never run by cargo test or CI):
#   scripts/bench.sh            build target/bench/big.pcap if missing, run the codec's
#                               decode bench (if it exists), then time tshark and
#                               sctp-craft on the big capture and print a table.
#                               Then the small-packet capture (target/bench/small.pcap,
#                               scripts/make-small-capture.sh: 2 M real M3UA, Diameter,
#                               NGAP and S1AP frames of 1-2 chunks): tshark against
#                               dissect, -q --stats, -Y data -w, --analysis, the same
#                               capture as pcapng (editcap), ratios,
#                               and where each microsecond per packet goes (perf).
# Environment: BIG=path (capture to use), PACKETS=n (size when building it, default
# 1000000), RUNS=n (hyperfine runs per command, default 3), SKIP_CARGO_BENCH=1,
# SKIP_BIG=1 (only the small-packet part), SMALL=path, SMALL_PACKETS=n (default 2000000).
# Needs tshark, hyperfine and GNU time (scripts/install-deps.sh installs them);
# the per-packet breakdown also needs perf (linux-perf), else it is skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

big="${BIG:-target/bench/big.pcap}"
runs="${RUNS:-3}"
for tool in tshark hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

small_bench() {
  # (d) small packets: per-packet overhead (issue 18, Performance).
  local small="${SMALL:-target/bench/small.pcap}"
  if [ ! -s "$small" ]; then
    echo "== building $small"
    scripts/make-small-capture.sh "$small" "${SMALL_PACKETS:-2000000}"
  fi
  cargo build --release -p sctp-craft >/dev/null 2>&1 || echo "bench: cargo build --release -p sctp-craft failed" >&2
  local craft=target/release/sctp-craft
  local n
  n="$(capinfos -M -c "$small" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "== $small: $n packets, $(du -h "$small" | cut -f1)"
  local t
  t="$(mktemp -d)"
  # tshark with the payload protocols off prints SCTP's own summary (DATA (TSN=..)):
  # like for like with dissect, which dissects no M3UA, Diameter, NGAP or S1AP.
  local sctp_only="--disable-protocol m3ua --disable-protocol m2pa --disable-protocol diameter --disable-protocol ngap --disable-protocol s1ap"
  # The tiled capture (SAME_TSNS=1): every round repeats the first one's TSNs, so
  # tshark takes all but the first round for retransmissions and dissects no payload.
  local tiled="${small%.pcap}-tiled.pcap"
  if [ ! -s "$tiled" ]; then
    echo "== building $tiled"
    SAME_TSNS=1 scripts/make-small-capture.sh "$tiled" "${SMALL_PACKETS:-2000000}"
  fi
  # The same capture as pcapng (Wireshark's own format), read frame by frame.
  local smallng="${small%.pcap}.pcapng"
  if [ ! -s "$smallng" ]; then
    echo "== building $smallng"
    editcap -F pcapng "$small" "$smallng"
  fi
  local scmds=(
    "tshark -r $small"
    "$craft dissect $small"
    "$craft dissect --reader native $small"
    "$craft dissect -q --stats $small"
    "$craft dissect -Y data -w $t/out.pcap $small"
    "$craft dissect --analysis $small"
    "$craft dissect -q -Y data -w $t/out.pcap $small"
    "$craft dissect -q -Y 'init || abort' -w $t/out.pcap $small"
    "tshark $sctp_only -r $small"
    "tshark -r $tiled"
    "$craft dissect $tiled"
    "$craft dissect $smallng"
    "$craft dissect --analysis $smallng"
  )
  local snames=("tshark -r" "dissect" "dissect --reader native" "dissect -q --stats"
                "dissect -Y data -w OUT" "dissect --analysis" "dissect -q -Y data -w OUT"
                "dissect -q -Y 'init || abort' -w OUT" "tshark -r, payload off"
                "tshark -r TILED" "dissect TILED" "dissect PCAPNG" "dissect --analysis PCAPNG")
  echo "== hyperfine ($runs runs each, output to /dev/null; -w writes a new file each run)"
  # The previous run's OUT is removed before each run, untimed: -w writes a new
  # file, as a user's run usually does. Overwriting one instead adds the kernel's
  # truncation of the old file (about 75 ms here for the 383 MB of -Y data).
  hyperfine -N --warmup 1 --runs "$runs" --output null --prepare "rm -f $t/out.pcap" \
    --export-json "$t/s.json" "${scmds[@]}"
  # Where the time goes: perf samples of plain `dissect`, by thread and symbol.
  local breakdown=""
  if command -v perf >/dev/null && perf record -q -F 4999 -o "$t/perf.data" \
       "$craft" dissect "$small" >/dev/null 2>"$t/perf.err"; then
    perf report -i "$t/perf.data" --no-children --sort comm,sym --stdio -g none 2>/dev/null \
      | grep -E '^ +[0-9.]+%' >"$t/perf.txt" || true
    breakdown="$t/perf.txt"
  else
    echo "bench: perf missing or not permitted: no per-packet breakdown" >&2
  fi
  python3 - "$t/s.json" "$n" "$breakdown" "${snames[@]}" <<'PY'
import json, re, sys
h = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
perf = sys.argv[3]
names = sys.argv[4:]
base = h[0]["mean"]
print()
print(f"{n} small SCTP packets (M3UA, Diameter, NGAP, S1AP; 1-2 chunks)")
print(f"| {'command':<33} | {'wall s':>7} | {'± s':>5} | {'CPU s':>6} | {'packets/s':>11} | {'us/packet':>9} | {'CPU us/pkt':>10} | {'vs tshark':>9} |")
print(f"|{'-'*35}|{'-'*9}|{'-'*7}|{'-'*8}|{'-'*13}|{'-'*11}|{'-'*12}|{'-'*11}|")
for name, r in zip(names, h):
    cpu = r["user"] + r["system"]
    print(f"| {name:<33} | {r['mean']:7.3f} | {r['stddev'] or 0:5.3f} | {cpu:6.2f} | {n / r['mean']:11,.0f} | "
          f"{r['mean'] / n * 1e6:9.3f} | {cpu / n * 1e6:10.3f} | {base / r['mean']:8.1f}x |")
plain = h[1]["mean"]
print(f"time / plain dissect: -q --stats {h[3]['mean'] / plain:.2f}; -Y data -w {h[4]['mean'] / plain:.2f}; "
      f"-q -Y data -w {h[6]['mean'] / plain:.2f}; -q -Y 'init || abort' -w {h[7]['mean'] / plain:.2f}; "
      f"--analysis {h[5]['mean'] / plain:.2f} (goal: at most 1.5)")
print(f"dissect against tshark: {base / plain:.1f}x tshark -r (goal: 30x); {h[8]['mean'] / plain:.1f}x tshark with the "
      f"payload protocols off (SCTP's summary only); on the tiled capture {h[9]['mean'] / h[10]['mean']:.1f}x")
print(f"the capture as pcapng: dissect {h[11]['mean'] / plain:.2f}x the pcap's time; "
      f"--analysis {h[12]['mean'] / h[11]['mean']:.2f}x plain dissect of the pcapng")
if not perf:
    sys.exit(0)
# Symbols into stages; a thread's copies and allocations go to its stage.
stages = [
    ("reading the capture", r"capture::|PcapBlocks|pcap_parser|libpcap|pcap_|fread|_IO_|copy_to_iter|filemap|read_iter|vfs_read|ksys_read|page_cache"),
    ("link layer (Ethernet, IP)", r"sctp_codec::link::"),
    ("SCTP decode (view, dialect, CRC32c)", r"sctp_codec::(view|decoder|dialect|checksum)|crc32c|zero_checksum|assoc_key|PacketView|ChunkView|rules_with"),
    ("frame-order pass (Follower::frame: clock, items)", r"Follower::frame|read_frames|hashbrown|scoped::scope"),
    ("lints", r"sctp_codec::lint"),
    ("association analysis", r"sctp_codec::analysis|analysis_out"),
    ("formatting the summary line", r"sctp_craft::output::|summary::|fast::|registry::ppid|from_utf8|core::fmt|format_batches"),
    ("writing stdout", r"write_in_order|\[k\] .*(write|pipe|null)"),
]
# Threads (plain dissect, what is sampled): dissect-read reads the file; the main thread
# (sctp-craft) follows the frames in order (under --analysis the reading thread follows
# them and the main thread analyses); dissect-format checks, decodes and formats;
# dissect-write writes in order.
thread_stage = {"dissect-read": "reading the capture", "sctp-craft": "frame-order pass (Follower::frame: clock, items)",
                "dissect-format": "formatting the summary line",
                "dissect-write": "writing stdout"}
tot = {}
for line in open(perf):
    m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+(.*)$", line)
    if not m:
        continue
    pct, comm, sym = float(m.group(1)), m.group(2), m.group(3)
    stage = next((s for s, rx in stages if re.search(rx, sym)), None)
    if stage is None:
        stage = "threads, allocator, kernel (rest)" if re.search(r"\[k\]|futex|malloc|free|pthread|sched", sym) \
            else thread_stage.get(comm, "threads, allocator, kernel (rest)")
    tot[stage] = tot.get(stage, 0) + pct
cpu = h[1]["user"] + h[1]["system"]
print()
print(f"where the CPU time of `dissect` goes (perf samples, {cpu / n * 1e6:.3f} us of CPU per packet):")
for stage, _ in stages + [("threads, allocator, kernel (rest)", "")]:
    pct = tot.get(stage, 0)
    print(f"  {stage:<38} {pct:5.1f}%  {cpu * pct / 100 / n * 1e6:6.3f} us/packet")
PY
  rm -rf "$t"
}

if [ -n "${SKIP_BIG:-}" ]; then
  small_bench
  exit 0
fi

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

small_bench
