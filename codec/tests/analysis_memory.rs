//! The association analysis holds memory in proportion to the data in flight,
//! not to the capture's length (issue 18): a long association (half a
//! million DATA chunks, each acknowledged a few packets later) ends with a
//! bounded number of TSN records; one whose SACKs were not captured, or
//! whose fragments never complete, stays under the configured caps.

use sctp_codec::analysis::{Analyzer, Config, Limits, PacketMeta};
use sctp_codec::{PacketView, Rules};

const A: [u8; 4] = [10, 0, 0, 1];
const Z: [u8; 4] = [10, 0, 0, 2];

fn header(sport: u16, dport: u16, vtag: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(64);
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&vtag.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b
}

/// A packet with one DATA chunk (RFC 9260 3.3.1): TSN `tsn`, flags, 100
/// bytes of user data.
fn data(tsn: u32, flags: u8) -> Vec<u8> {
    let mut b = header(1000, 2000, 0xb);
    b.extend_from_slice(&[0x00, flags, 0, 116]);
    b.extend_from_slice(&tsn.to_be_bytes());
    b.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[0x5a; 100]);
    b
}

/// A packet with one SACK (RFC 9260 3.3.4) without gap blocks.
fn sack(cum: u32) -> Vec<u8> {
    let mut b = header(2000, 1000, 0xa);
    b.extend_from_slice(&[0x03, 0, 0, 16]);
    b.extend_from_slice(&cum.to_be_bytes());
    b.extend_from_slice(&65536u32.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b
}

fn feed(a: &mut Analyzer, frame: u64, forward: bool, bytes: &[u8]) {
    let (src, dst) = if forward { (A, Z) } else { (Z, A) };
    let meta = PacketMeta {
        frame,
        time_ns: i128::from(frame) * 1_000,
        src: src.into(),
        dst: dst.into(),
        quoted: false,
    };
    let v = PacketView::parse(bytes, Rules::STANDARD).expect("packet");
    a.packet(&meta, &v);
}

#[test]
fn a_long_acknowledged_association_holds_a_window_of_records() {
    let mut a = Analyzer::new(Config::default());
    let start = 0xffff_0000u32; // and the TSNs wrap on the way
    let (mut frame, mut peak) = (0u64, 0usize);
    for i in 0..500_000u32 {
        frame += 1;
        feed(&mut a, frame, true, &data(start.wrapping_add(i), 0x03));
        if i % 4 == 3 {
            frame += 1;
            feed(&mut a, frame, false, &sack(start.wrapping_add(i - 2)));
        }
        peak = peak.max(a.held());
    }
    let limits = Limits::default();
    assert!(
        peak <= limits.retain_acked as usize + 8,
        "{peak} records held at most"
    );
    let s = a.finish();
    assert_eq!(s.len(), 1);
    let f = &s[0].dirs[0];
    assert_eq!(f.data_chunks, 500_000);
    assert_eq!((f.retransmissions, f.gaps, f.out_of_window), (0, 0, 0));
    assert_eq!(f.messages.count, 500_000);
    assert!(f.acked_tsns >= 499_990 && f.rtt.samples == f.acked_tsns);
    // A SACK after every fourth DATA acknowledges all but the last two: six
    // chunks of 100 bytes are out just before it.
    assert_eq!(f.max_in_flight, 600);
}

#[test]
fn without_sacks_or_last_fragments_the_caps_hold() {
    let limits = Limits {
        max_outstanding: 1_000,
        max_fragments: 500,
        ..Limits::default()
    };
    let mut a = Analyzer::new(Config {
        limits: limits.clone(),
        ..Config::default()
    });
    // B fragments only: every message stays incomplete; no SACK comes.
    for i in 0..100_000u32 {
        feed(&mut a, u64::from(i) + 1, true, &data(i * 2, 0x02));
        assert!(a.held() <= 1_500, "{} held at DATA {i}", a.held());
    }
    let s = a.finish();
    let f = &s[0].dirs[0];
    assert_eq!(f.evicted_tsns, 99_000);
    assert_eq!(f.dropped_fragments, 99_500);
    assert_eq!(f.messages.count, 0);
    assert_eq!(f.gaps, 99_999, "every other TSN skipped");
}
