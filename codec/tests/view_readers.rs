//! The typed zero-copy readers of `ChunkView` (`data()`, `sack()`, ...) agree
//! with the typed decoder (`ChunkView::decode`) on every chunk of every
//! shared capture in every dialect, and on SACKs and NR-SACKs whose counts
//! lie: a reader is `Some` exactly when the decoder types the chunk as that
//! type or finds it malformed past the fixed fields, and then reads the same
//! values, never past the value.

mod common;

use sctp_codec::chunk::{flags, ty};
use sctp_codec::gen::Gen;
use sctp_codec::view::ChunkView;
use sctp_codec::{ChunkBody, Decoder, Dialect, PacketView, Rules};

/// Whether the decoder found `c` malformed as a registered type numbered `t`.
fn malformed_as(c: &sctp_codec::Chunk<'_>, t: u8) -> bool {
    c.ty == t && matches!(c.body, ChunkBody::Malformed(..))
}

/// Checks every reader of `cv` against its typed decoding; returns which
/// reader matched, if any.
fn check(what: &str, cv: &ChunkView<'_>) -> Option<&'static str> {
    let c = cv.decode();
    let mut hit = None;
    let mut seen = |name: &'static str| {
        assert!(hit.is_none(), "{what}: two readers accept one chunk");
        hit = Some(name);
    };
    match (cv.data(), &c.body) {
        (Some(v), ChunkBody::Data(d)) => {
            seen("DATA");
            assert_eq!(
                (v.tsn(), v.stream(), v.ssn(), v.ppid(), v.payload()),
                (
                    d.tsn,
                    d.stream_identifier,
                    d.stream_sequence_number,
                    d.payload_protocol_identifier,
                    &d.user_data[..]
                ),
                "{what}: DATA"
            );
            let bit = |name| c.flag(name) == Some(1);
            assert_eq!(
                (v.unordered(), v.beginning(), v.ending(), v.immediate()),
                (bit("u_bit"), bit("b_bit"), bit("e_bit"), bit("i_bit")),
                "{what}: DATA flags"
            );
            assert_eq!(v.flags(), c.flags);
        }
        (None, ChunkBody::Data(_)) => panic!("{what}: DATA not read"),
        (Some(_), _) => panic!("{what}: data() on a chunk typed {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.idata(), &c.body) {
        (Some(v), ChunkBody::IData(d)) => {
            seen("I-DATA");
            assert_eq!(
                (v.tsn(), v.stream(), v.mid(), v.ppid_or_fsn(), v.payload()),
                (
                    d.tsn,
                    d.stream_identifier,
                    d.message_identifier,
                    d.ppid_or_fsn,
                    &d.user_data[..]
                ),
                "{what}: I-DATA"
            );
            assert_eq!(v.unordered(), c.flags & flags::I_DATA_U != 0);
            assert_eq!(v.beginning(), c.flags & flags::I_DATA_B != 0);
            assert_eq!(v.ending(), c.flags & flags::I_DATA_E != 0);
            assert_eq!(v.immediate(), c.flags & flags::I_DATA_I != 0);
        }
        (None, ChunkBody::IData(_)) => panic!("{what}: I-DATA not read"),
        (Some(_), _) => panic!("{what}: idata() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.sack(), &c.body) {
        (Some(v), ChunkBody::Sack(s)) => {
            seen("SACK");
            assert!(v.counts_fit(), "{what}: SACK counts");
            assert_eq!(
                (v.cum_tsn_ack(), v.a_rwnd()),
                (s.cumulative_tsn_ack, s.a_rwnd),
                "{what}"
            );
            let gaps: Vec<_> = s.gap_ack_blocks.iter().map(|g| (g.start, g.end)).collect();
            assert_eq!(v.gap_blocks().len(), gaps.len(), "{what}: gap count");
            assert_eq!(v.gap_blocks().collect::<Vec<_>>(), gaps, "{what}: gaps");
            assert_eq!(v.dup_tsns().len(), s.duplicate_tsns.len(), "{what}");
            assert_eq!(v.dup_tsns().collect::<Vec<_>>(), s.duplicate_tsns, "{what}");
        }
        (Some(v), _) if malformed_as(&c, ty::SACK) => {
            seen("SACK (malformed)");
            assert!(
                !v.counts_fit(),
                "{what}: the decoder rejects a SACK whose counts fit"
            );
            lying_counts_stay_inside(what, cv.value(), 12, &[v.gap_count(), v.dup_count()]);
        }
        (None, ChunkBody::Sack(_)) => panic!("{what}: SACK not read"),
        (Some(_), _) => panic!("{what}: sack() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.nr_sack(), &c.body) {
        (Some(v), ChunkBody::NrSack(s)) => {
            seen("NR-SACK");
            assert!(v.counts_fit(), "{what}: NR-SACK counts");
            assert_eq!(
                (v.cum_tsn_ack(), v.a_rwnd()),
                (s.cumulative_tsn_ack, s.a_rwnd),
                "{what}"
            );
            let g = |l: &[sctp_codec::chunk::GapAckBlock]| -> Vec<(u16, u16)> {
                l.iter().map(|b| (b.start, b.end)).collect()
            };
            assert_eq!(v.gap_blocks().collect::<Vec<_>>(), g(&s.gap_ack_blocks));
            assert_eq!(
                v.nr_gap_blocks().collect::<Vec<_>>(),
                g(&s.nr_gap_ack_blocks)
            );
            assert_eq!(v.dup_tsns().collect::<Vec<_>>(), s.duplicate_tsns);
        }
        (Some(v), _) if malformed_as(&c, ty::NR_SACK) => {
            seen("NR-SACK (malformed)");
            assert!(!v.counts_fit(), "{what}: NR-SACK counts");
            lying_counts_stay_inside(
                what,
                cv.value(),
                16,
                &[v.gap_count(), v.nr_gap_count(), v.dup_count()],
            );
        }
        (None, ChunkBody::NrSack(_)) => panic!("{what}: NR-SACK not read"),
        (Some(_), _) => panic!("{what}: nr_sack() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.forward_tsn(), &c.body) {
        (Some(v), ChunkBody::ForwardTsn(f)) => {
            seen("FORWARD-TSN");
            assert_eq!(v.new_cum_tsn(), f.new_cumulative_tsn);
            let s: Vec<_> = f
                .streams
                .iter()
                .map(|s| (s.stream_identifier, s.stream_sequence_number))
                .collect();
            assert_eq!(v.streams().collect::<Vec<_>>(), s, "{what}");
        }
        (None, ChunkBody::ForwardTsn(_)) => panic!("{what}: FORWARD-TSN not read"),
        (Some(_), _) => panic!("{what}: forward_tsn() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.i_forward_tsn(), &c.body) {
        (Some(v), ChunkBody::IForwardTsn(f)) => {
            seen("I-FORWARD-TSN");
            assert_eq!(v.new_cum_tsn(), f.new_cumulative_tsn);
            let s: Vec<_> = f
                .streams
                .iter()
                .map(|s| (s.stream_identifier, s.flags, s.message_identifier))
                .collect();
            assert_eq!(v.streams().collect::<Vec<_>>(), s, "{what}");
        }
        (None, ChunkBody::IForwardTsn(_)) => panic!("{what}: I-FORWARD-TSN not read"),
        (Some(_), _) => panic!("{what}: i_forward_tsn() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.init(), &c.body) {
        (Some(v), ChunkBody::Init(i) | ChunkBody::InitAck(i)) => {
            seen("INIT");
            assert_eq!(v.is_ack(), c.ty == ty::INIT_ACK);
            assert_eq!(
                (
                    v.initiate_tag(),
                    v.a_rwnd(),
                    v.outbound_streams(),
                    v.inbound_streams(),
                    v.initial_tsn()
                ),
                (
                    i.initiate_tag,
                    i.a_rwnd,
                    i.number_of_outbound_streams,
                    i.number_of_inbound_streams,
                    i.initial_tsn
                ),
                "{what}: INIT"
            );
            let typed: Vec<_> = i
                .params
                .iter()
                .map(|p| (p.ty, p.wire_length(), p.name()))
                .collect();
            let seen: Vec<_> = v.params().map(|p| (p.ty(), p.length(), p.name())).collect();
            assert_eq!(seen, typed, "{what}: INIT parameters");
        }
        (Some(_), _) if malformed_as(&c, ty::INIT) || malformed_as(&c, ty::INIT_ACK) => {
            seen("INIT (malformed)");
            assert!(!cv.is_well_framed(), "{what}");
        }
        (None, ChunkBody::Init(_) | ChunkBody::InitAck(_)) => panic!("{what}: INIT not read"),
        (Some(_), _) => panic!("{what}: init() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.shutdown_cum_tsn_ack(), &c.body) {
        (Some(v), ChunkBody::Shutdown(s)) => {
            seen("SHUTDOWN");
            assert_eq!(v, s.cumulative_tsn_ack);
        }
        (None, ChunkBody::Shutdown(_)) => panic!("{what}: SHUTDOWN not read"),
        (Some(_), _) => panic!("{what}: shutdown_cum_tsn_ack() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.cookie_echo(), &c.body) {
        (Some(v), ChunkBody::CookieEcho(e)) => {
            seen("COOKIE-ECHO");
            assert_eq!(v, &e.cookie[..]);
        }
        (None, ChunkBody::CookieEcho(_)) => panic!("{what}: COOKIE-ECHO not read"),
        (Some(_), _) => panic!("{what}: cookie_echo() on {:?}", c.name()),
        (None, _) => {}
    }
    match (cv.lowest_tsn(), &c.body) {
        (Some(v), ChunkBody::Ecne(e) | ChunkBody::Cwr(e)) => {
            seen("ECNE/CWR");
            assert_eq!(v, e.lowest_tsn);
        }
        (None, ChunkBody::Ecne(_) | ChunkBody::Cwr(_)) => panic!("{what}: ECNE/CWR not read"),
        (Some(_), _) => panic!("{what}: lowest_tsn() on {:?}", c.name()),
        (None, _) => {}
    }
    hit
}

/// A list whose count lies still yields only entries inside the value: the
/// iterators' lengths add up to no more than the bytes after the fixed fields.
fn lying_counts_stay_inside(what: &str, value: &[u8], fixed: usize, counts: &[u16]) {
    let room = (value.len() - fixed) / 4;
    let announced: usize = counts.iter().map(|&n| n as usize).sum();
    assert!(announced > room, "{what}: the counts do not lie");
}

#[test]
fn the_readers_agree_with_the_decoder_on_every_capture() {
    let mut read = std::collections::BTreeMap::<&str, usize>::new();
    let mut chunks = 0usize;
    for path in common::capture_files() {
        for dialect in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
            let mut dec = Decoder::new(dialect);
            common::for_each_sctp(&path, |frame, bytes| {
                let Ok(v) = dec.view(bytes, None) else {
                    return;
                };
                for (k, cv) in v.chunks().enumerate() {
                    let what = format!("{} frame {frame} chunk {k} ({dialect:?})", path.display());
                    chunks += 1;
                    if let Some(name) = check(&what, &cv) {
                        *read.entry(name).or_default() += 1;
                    }
                }
            });
        }
    }
    eprintln!("readers vs decode: {chunks} chunks; read: {read:?}");
    for name in [
        "DATA",
        "SACK",
        "INIT",
        "COOKIE-ECHO",
        "SHUTDOWN",
        "FORWARD-TSN",
    ] {
        assert!(
            read.get(name).copied().unwrap_or(0) > 0,
            "no {name} in the corpus"
        );
    }
    assert!(
        chunks > 100_000,
        "expected the shared corpus, saw {chunks} chunks"
    );
}

/// Wraps a chunk in a packet and returns its view under `rules`.
fn one_chunk(chunk: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(chunk);
    p.resize(p.len() + (4 - chunk.len() % 4) % 4, 0);
    p
}

#[test]
fn sacks_whose_counts_lie_are_read_inside_the_value() {
    let mut g = Gen::new(14);
    let mut malformed = 0;
    for n in 0..20_000 {
        let nr = n % 2 == 1;
        let fixed = if nr { 16 } else { 12 };
        // A value with a random number of whole entries (and sometimes a few
        // stray bytes) and counts that are near or far from the truth.
        let entries = g.below(8) as usize;
        let mut value: Vec<u8> = (0..fixed + 4 * entries + g.below(4) as usize * (n % 3 / 2))
            .map(|_| g.u64() as u8)
            .collect();
        let ncounts = if nr { 3 } else { 2 };
        for k in 0..ncounts {
            let c = if g.below(4) == 0 {
                g.u64() as u16
            } else {
                g.below(5) as u16
            };
            value[8 + 2 * k..10 + 2 * k].copy_from_slice(&c.to_be_bytes());
        }
        let t = if nr { ty::NR_SACK } else { ty::SACK };
        let mut chunk = vec![t, 0];
        chunk.extend_from_slice(&((4 + value.len()) as u16).to_be_bytes());
        chunk.extend_from_slice(&value);
        let bytes = one_chunk(&chunk);
        let v = PacketView::parse(&bytes, Rules::STANDARD).unwrap();
        let cv = v.chunks().next().unwrap();
        let what = format!("case {n}: {}", hex(&chunk));
        check(&what, &cv);
        // The entries read are the bytes at their places, whatever the counts.
        let (gaps, dups): (Vec<(u16, u16)>, Vec<u32>) = if nr {
            let s = cv.nr_sack().unwrap();
            malformed += usize::from(!s.counts_fit());
            let mut gaps: Vec<_> = s.gap_blocks().collect();
            gaps.extend(s.nr_gap_blocks());
            (gaps, s.dup_tsns().collect())
        } else {
            let s = cv.sack().unwrap();
            malformed += usize::from(!s.counts_fit());
            assert_eq!(s.gap_blocks().len(), s.gap_blocks().count());
            assert_eq!(s.dup_tsns().len(), s.dup_tsns().count());
            (s.gap_blocks().collect(), s.dup_tsns().collect())
        };
        let mut at = fixed;
        for (a, b) in &gaps {
            let want = (
                u16::from_be_bytes([value[at], value[at + 1]]),
                u16::from_be_bytes([value[at + 2], value[at + 3]]),
            );
            assert_eq!((*a, *b), want, "{what}");
            at += 4;
        }
        assert!(
            at + 4 * dups.len() <= value.len(),
            "{what}: read past the value"
        );
        assert!(
            gaps.len() + dups.len() <= (value.len() - fixed) / 4,
            "{what}"
        );
    }
    assert!(malformed > 1000, "too few lying counts: {malformed}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn readers_refuse_other_types_and_short_values() {
    // A DATA chunk of 11 value bytes: too short for its fixed fields.
    let mut c = vec![ty::DATA, 3, 0, 15];
    c.extend_from_slice(&[0; 11]);
    let bytes = one_chunk(&c);
    let v = PacketView::parse(&bytes, Rules::STANDARD).unwrap();
    let cv = v.chunks().next().unwrap();
    assert!(cv.data().is_none() && cv.sack().is_none() && cv.init().is_none());
    assert!(matches!(cv.decode().body, ChunkBody::Malformed(..)));
    // 0x10 is EncData under S-SCTP: no NR-SACK there.
    let mut c = vec![ty::NR_SACK, 0, 0, 20];
    c.extend_from_slice(&[0; 16]);
    let bytes = one_chunk(&c);
    let std = PacketView::parse(&bytes, Rules::STANDARD).unwrap();
    assert!(std.chunks().next().unwrap().nr_sack().is_some());
    let ss = PacketView::parse(&bytes, Rules::SSCTP).unwrap();
    assert!(ss.chunks().next().unwrap().nr_sack().is_none());
}
