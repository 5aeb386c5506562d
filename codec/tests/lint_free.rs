//! `lint::lint_free`, the view's cheap proof that a packet has no lints,
//! against the full lints (`lint::lint_rules` on the typed decode) it lets
//! callers skip: on every SCTP packet of every shared capture, in the
//! standard and S-SCTP dialects, and on every one-bit change of each byte
//! of the proven packets (checksum recomputed, so that the change reaches
//! the chunks; or of the checksum itself, which makes it wrong), whenever
//! it says "lint-free" the full lints find nothing.
//! It must also prove most DATA/SACK traffic, or it saves nothing.
//! The same for `lint::chunks_lint_free`, the proof for packets whose
//! checksum may be wrong: the full lints find nothing but the checksum's.

mod common;

use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::lint::{checksum_lint, chunks_lint_free, lint_free, lint_rules};
use sctp_codec::{Decoder, Dialect, PacketView};

/// What was proven of a packet.
#[derive(PartialEq)]
enum Proof {
    Nothing,
    /// No lint but a wrong checksum's (`chunks_lint_free`, a wrong checksum).
    ChunksOnly,
    /// No lint at all (`lint_free`).
    LintFree,
}

/// Checks one packet; returns what was proven.
fn check(what: &str, v: &PacketView<'_>) -> Proof {
    let report = checksum::verify(v.bytes(), VerifyMode::Any);
    let free = lint_free(v, &report);
    let chunks_free = chunks_lint_free(v);
    assert!(
        !free || chunks_free,
        "{what}: lint_free but not chunks_lint_free"
    );
    if !chunks_free {
        return Proof::Nothing;
    }
    let p = v.decode().expect("a view that parsed decodes");
    let lints = lint_rules(&p, Some(&report), &v.rules());
    let only: Vec<_> = checksum_lint(&report).into_iter().collect();
    assert_eq!(
        lints,
        only,
        "{what}: proven free of lints but the checksum's, but the lints say {lints:?}\n{:02x?}",
        v.bytes()
    );
    assert_eq!(
        free,
        only.is_empty(),
        "{what}: lint_free and a wrong checksum"
    );
    if free {
        Proof::LintFree
    } else {
        Proof::ChunksOnly
    }
}

/// The full lints of a packet.
fn full_lints(v: &PacketView<'_>) -> Vec<sctp_codec::lint::Lint> {
    let report = checksum::verify(v.bytes(), VerifyMode::Any);
    match v.decode() {
        Ok(p) => lint_rules(&p, Some(&report), &v.rules()),
        Err(_) => Vec::new(),
    }
}

/// The packet with bit `bit` of byte `at` flipped and its CRC32c set again
/// (unless the bit is the checksum's: then the checksum is wrong).
fn mutant(bytes: &[u8], at: usize, bit: u8) -> Vec<u8> {
    let mut m = bytes.to_vec();
    m[at] ^= 1 << bit;
    if !(8..12).contains(&at) {
        m[8..12].fill(0);
        let crc = checksum::crc32c_field(&m);
        m[8..12].copy_from_slice(&crc.to_be_bytes());
    }
    m
}

#[test]
fn lint_free_never_hides_a_lint() {
    let (mut packets, mut proven, mut mutants, mut mutants_proven) = (0usize, 0usize, 0usize, 0);
    let mut mutants_refused_with_lints = 0usize;
    let (mut bad_checksum_proven, mut mutants_bad_checksum_proven) = (0usize, 0usize);
    let mut data_or_sack_only = 0usize;
    for path in common::capture_files() {
        for dialect in [Dialect::Standard, Dialect::SecureSctp] {
            let mut dec = Decoder::new(dialect);
            let mut proven_here = 0usize;
            common::for_each_sctp(&path, |frame, bytes| {
                let Ok(v) = dec.view(bytes, None) else { return };
                packets += 1;
                let what = format!("{} frame {frame} ({dialect:?})", path.display());
                if v.chunks().all(|c| {
                    matches!(c.ty(), 0 | 3 | 64)
                        || (matches!(c.ty(), 6 | 9 | 11 | 14) && c.value().is_empty())
                }) {
                    data_or_sack_only += 1;
                }
                match check(&what, &v) {
                    Proof::Nothing => return,
                    Proof::ChunksOnly => {
                        bad_checksum_proven += 1;
                        return;
                    }
                    Proof::LintFree => {}
                }
                proven += 1;
                proven_here += 1;
                // Every bit of the first proven packets of each capture (of
                // a size to mutate byte by byte).
                if proven_here > 20 || bytes.len() > 1500 {
                    return;
                }
                for at in 8..bytes.len() {
                    for bit in 0..8 {
                        let m = mutant(bytes, at, bit);
                        let Ok(mv) = PacketView::parse(&m, v.rules()) else {
                            continue;
                        };
                        mutants += 1;
                        let what = format!("{what}, bit {bit} of byte {at} flipped");
                        match check(&what, &mv) {
                            Proof::LintFree => mutants_proven += 1,
                            Proof::ChunksOnly => mutants_bad_checksum_proven += 1,
                            Proof::Nothing if !full_lints(&mv).is_empty() => {
                                mutants_refused_with_lints += 1
                            }
                            Proof::Nothing => {}
                        }
                    }
                }
            });
        }
    }
    eprintln!(
        "lint_free: {proven} of {packets} packets proven ({data_or_sack_only} of DATA, SACK, I-DATA and empty ABORT, ERROR, COOKIE ACK, SHUTDOWN ACK only); \
         {mutants_proven} of {mutants} one-bit mutants proven, none with a lint; \
         {mutants_refused_with_lints} refused that have lints; \
         free of lints but a wrong checksum's: {bad_checksum_proven} packets, {mutants_bad_checksum_proven} mutants"
    );
    assert!(packets > 8_000, "expected the shared corpus, saw {packets}");
    // Most packets of those chunks only are proven (the rest have a bad
    // checksum, padding or a conflict), or the shortcut saves nothing.
    assert!(
        proven * 10 >= data_or_sack_only * 8,
        "{proven} proven of {data_or_sack_only}"
    );
    assert!(mutants > 100_000 && mutants_proven > 10_000);
    // The mutants reach the lints the proof must refuse (padding, lengths,
    // chunk types, S-SCTP rules).
    assert!(mutants_refused_with_lints > 1_000);
    // The checksum's own bits flipped: only the checksum is wrong.
    assert!(mutants_bad_checksum_proven > 1_000);
}
