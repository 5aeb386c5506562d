#!/usr/bin/env bash
# Runs FreeBSD's own packetdrill SCTP scripts (Michael Tuexen's, in the
# nplab packetdrill repository: gtests/net/packetdrill/tests/bsd/sctp)
# through `sctp-replay script` and prints passed/failed per directory.
#
#   git clone https://github.com/nplab/packetdrill
#   scripts/freebsd-packetdrill.sh packetdrill/gtests/net/packetdrill/tests/bsd/sctp
#
# Options after DIR go to sctp-replay (e.g. --os linux with tests/linux/sctp).
# The scripts are not in this repository; replay/CONFORMANCE.md has the
# tally and why the failing ones fail. Set VERBOSE=1 for every script's line.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 DIR [sctp-replay options]" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)
shift
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/sctp-replay"
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --release -q -p sctp-replay)
fi

total_pass=0
total_fail=0
printf '%-40s %7s %7s\n' directory passed failed
# Each directory on its own (relative paths, as the scripts' names appear).
while IFS= read -r d; do
    mapfile -t files < <(cd "$dir" && find "$d" -maxdepth 1 -name '*.pkt' | sort)
    [ ${#files[@]} -eq 0 ] && continue
    out=$(cd "$dir" && "$bin" script "$@" "${files[@]}" 2>&1 || true)
    if [ "${VERBOSE:-0}" = 1 ]; then
        printf '%s\n' "$out" | sed '$d'
    fi
    tally=$(printf '%s\n' "$out" | tail -1)
    p=$(printf '%s' "$tally" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(printf '%s' "$tally" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    p=${p:-0}
    f=${f:-0}
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    printf '%-40s %7s %7s\n' "$d" "$p" "$f"
done < <(cd "$dir" && find . -type d | sort)
printf '%-40s %7s %7s\n' total "$total_pass" "$total_fail"
