#!/usr/bin/env bash
# Mutation testing of the codec's chunk, parameter and cause modules with cargo-mutants
# (`cargo install cargo-mutants`): each mutant is a small change to the code (a return
# value replaced, an operator swapped, a match arm deleted); a mutant that no test
# notices ("missed") points at a value nothing checks.
#
#   scripts/mutants.sh                  every mutant of codec/src/{chunk,param,cause}
#   scripts/mutants.sh --shard 0/8      one eighth of them (round robin), to time-box
#   scripts/mutants.sh --iterate        only the mutants missed or not yet tested last run
#   scripts/mutants.sh ARGS...          more arguments go to `cargo mutants`
#
# The tests run per mutant are the codec's fast ones, independent ones first
# (ssctp_figures: the S-SCTP draft's figures written by hand; writer_scapy: scapy's
# bytes) and the property, registry and capture round-trip tests; dev profile, which
# builds faster than release on 2 cores. Results go to target/mutants/mutants.out
# (missed.txt, caught.txt, timeout.txt, unviable.txt, outcomes.json), or MUTANTS_OUT.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "cargo-mutants is missing: cargo install cargo-mutants" >&2
  exit 2
fi

# The mutants are made in a scratch copy of the committed and working-tree files (never
# in this tree, which others may be building), with the shared corpus and spec beside
# it as the tests expect them (../shared): MUTANTS_SCRATCH/repo and MUTANTS_SCRATCH/shared.
# The copy's target directory is kept between runs (incremental builds).
scratch="${MUTANTS_SCRATCH:-${TMPDIR:-/tmp}/sctpkit-mutants}"
mkdir -p "$scratch/repo"
ln -sfn "$repo/../shared" "$scratch/shared"
(cd "$repo" && git ls-files -co --exclude-standard | tar cf - -T - 2>/dev/null) |
  (cd "$scratch/repo" && tar xf -)
out="${MUTANTS_OUT:-$repo/target/mutants}"
mkdir -p "$out"

cd "$scratch/repo"
exec cargo mutants --in-place \
  --package sctp-codec \
  --file 'codec/src/chunk/**' --file 'codec/src/param/**' --file 'codec/src/cause/**' \
  --output "$out" \
  --timeout 120 --build-timeout 600 \
  --cargo-test-arg=--lib \
  --cargo-test-arg=--test=ssctp_figures \
  --cargo-test-arg=--test=ssctp_dialect_rules \
  --cargo-test-arg=--test=ssctp_malformed_names \
  --cargo-test-arg=--test=chunk_rules \
  --cargo-test-arg=--test=writer_scapy \
  --cargo-test-arg=--test=proptest_roundtrip \
  --cargo-test-arg=--test=registry_coverage \
  --cargo-test-arg=--test=roundtrip_captures \
  --cargo-test-arg=--test=bad_input \
  --cargo-test-arg=--test=writer \
  "$@"
