//! `PackedNotes` gives back the notes pushed to it, packet by packet: every
//! note the analysis makes of every shared capture and of the project's own
//! (usrsctp over UDP, AUTH, S-SCTP), and notes of random content with every
//! optional field present or absent and values at their limits.

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
use sctp_codec::analysis::{
    Acked, AuthVerdict, ChunkNote, Config, DataNote, KeyLog, Message, Note, NoteSink, PackedNotes,
    Retransmission, SackNote,
};
use sctp_codec::link::{LinkConfig, ANY_UDP_PORT};

/// Packs `packets` (each a list of notes) into one `PackedNotes`; unpacks
/// each packet's notes again.
fn round_trip(packets: &[Vec<ChunkNote>]) -> Vec<Vec<ChunkNote>> {
    let mut packed = PackedNotes::new();
    let mut at = Vec::new();
    for p in packets {
        let from = packed.len();
        for n in p {
            packed.push(n.clone());
        }
        at.push((from, packed.len()));
    }
    at.iter()
        .map(|&(from, to)| {
            let mut out = Vec::new();
            packed.unpack(from, to, &mut out);
            out
        })
        .collect()
}

fn own_captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("captures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_note_of_every_capture_comes_back() {
    let keys = |f: &Path| {
        let log = f.with_extension("keys");
        let text = match f.file_name().and_then(|n| n.to_str()) {
            Some("usrsctp-auth.pcapng") => "* 1 sctpkit-auth-key\n".to_string(),
            _ => std::fs::read_to_string(log).unwrap_or_default(),
        };
        KeyLog::parse(&text).unwrap_or_default()
    };
    let (mut packets, mut kinds) = (Vec::new(), [0usize; 3]);
    let files: Vec<(PathBuf, Vec<u16>)> = common::capture_files()
        .into_iter()
        .map(|f| (f, Vec::new()))
        .chain(own_captures().into_iter().map(|f| (f, vec![ANY_UDP_PORT])))
        .collect();
    for (file, ports) in &files {
        let opts = ReadOptions {
            link: LinkConfig {
                udp_ports: if ports.is_empty() {
                    LinkConfig::default().udp_ports
                } else {
                    ports.clone()
                },
            },
            ..ReadOptions::default()
        };
        let cfg = Config {
            keys: keys(file),
            ..Config::default()
        };
        let _ = analyze_file(file, &opts, cfg, |_, _, r| {
            for n in &r.notes {
                kinds[match n.note {
                    Note::Data(_) => 0,
                    Note::Sack(_) => 1,
                    _ => 2,
                }] += 1;
            }
            packets.push(r.notes.to_vec());
        });
    }
    let back = round_trip(&packets);
    assert!(back == packets, "a note changed in packing");
    // Real DATA and SACK notes, and some of the notes kept whole.
    assert!(
        kinds[0] > 4_000 && kinds[1] > 3_000 && kinds[2] > 100,
        "notes by kind (DATA, SACK, other): {kinds:?}"
    );
}

#[test]
fn notes_kept_whole_and_bad_positions() {
    let auth = ChunkNote {
        chunk: 0,
        note: Note::Auth(AuthVerdict::NoKey { key_id: 3 }),
    };
    let far = ChunkNote {
        chunk: 70_000,
        note: Note::Data(DataNote::default()),
    };
    let data = ChunkNote {
        chunk: 1,
        note: Note::Data(DataNote {
            tsn: 9,
            ..DataNote::default()
        }),
    };
    let packets = vec![vec![auth.clone(), data.clone()], vec![], vec![far, auth]];
    assert_eq!(round_trip(&packets), packets);
    // Positions that are not a packet's: no panic, nothing made up past
    // the words there.
    let mut packed = PackedNotes::new();
    packed.push(data);
    let mut out = Vec::new();
    for (from, to) in [(3, 1), (0, 100), (1, 4), (usize::MAX, 0), (2, usize::MAX)] {
        packed.unpack(from, to, &mut out);
    }
    assert!(out.len() <= 8, "{out:?}");
    packed.clear();
    assert!(packed.is_empty());
}

fn retransmission() -> impl Strategy<Value = Option<Retransmission>> {
    proptest::option::of(
        (
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<i64>()),
            any::<u32>(),
        )
            .prop_map(|(first_frame, after_ns, count)| Retransmission {
                first_frame,
                after_ns,
                count,
            }),
    )
}

fn data_note() -> impl Strategy<Value = Note> {
    (
        (any::<u32>(), any::<u16>(), any::<u32>(), retransmission()),
        (
            proptest::option::of(any::<u64>()),
            any::<u32>(),
            any::<bool>(),
            proptest::option::of((any::<u32>(), any::<u64>(), any::<u64>())),
            any::<u64>(),
        ),
    )
        .prop_map(
            |((tsn, stream, bytes, retransmission), (acked_before, gap, oow, m, in_flight))| {
                Note::Data(DataNote {
                    tsn,
                    stream,
                    bytes,
                    retransmission,
                    acked_before,
                    gap,
                    out_of_window: oow,
                    message: m.map(|(fragments, bytes, first_frame)| Message {
                        fragments,
                        bytes,
                        first_frame,
                    }),
                    in_flight,
                })
            },
        )
}

fn sack_note() -> impl Strategy<Value = Note> {
    (
        (
            any::<u32>(),
            proptest::option::of(any::<u32>()),
            any::<bool>(),
        ),
        proptest::collection::vec(
            (any::<u32>(), any::<u64>(), any::<i64>(), any::<bool>()),
            0..7,
        ),
        proptest::collection::vec(any::<u32>(), 0..6),
        (any::<u16>(), any::<u64>()),
    )
        .prop_map(
            |((cum, a_rwnd, stale), acked, revoked, (dups, in_flight))| {
                Note::Sack(SackNote {
                    cum_tsn_ack: cum,
                    a_rwnd,
                    stale,
                    acked: acked
                        .into_iter()
                        .map(|(tsn, frame, rtt_ns, retransmitted)| Acked {
                            tsn,
                            frame,
                            rtt_ns,
                            retransmitted,
                        })
                        .collect(),
                    revoked: revoked.into_iter().collect(),
                    dup_tsns: dups,
                    in_flight,
                })
            },
        )
}

proptest! {
    #[test]
    fn random_notes_come_back(
        packets in proptest::collection::vec(
            proptest::collection::vec(
                (0usize..70_000, prop_oneof![data_note(), sack_note()])
                    .prop_map(|(chunk, note)| ChunkNote { chunk, note }),
                0..4,
            ),
            0..12,
        )
    ) {
        prop_assert_eq!(round_trip(&packets), packets);
    }
}

proptest! {
    #[test]
    fn any_positions_give_no_panic_and_no_more_notes_than_words(
        notes in proptest::collection::vec(
            (0usize..70_000, prop_oneof![data_note(), sack_note()])
                .prop_map(|(chunk, note)| ChunkNote { chunk, note }),
            0..8,
        ),
        from in 0usize..80,
        to in 0usize..80,
    ) {
        // Positions that are not a packet's start and end read the words
        // there as notes: whatever they give, it is never a panic, and it
        // is at most one note per word.
        let mut packed = PackedNotes::new();
        for n in notes {
            packed.push(n);
        }
        let mut out = Vec::new();
        packed.unpack(from, to, &mut out);
        prop_assert!(out.len() <= to.saturating_sub(from).min(packed.len()));
    }
}
