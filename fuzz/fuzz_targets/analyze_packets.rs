//! Fuzz target: the association analysis (`sctp_codec::analysis`, issue 18)
//! on a sequence of SCTP packets between two hosts, as a capture would feed
//! it: per packet a flags byte (bit 0: direction, bit 1: quoted by an ICMP
//! error, bits 2-7: time step in ms, a zero step giving a copy at the same
//! instant), a length (16 bits, big-endian), then that many bytes of SCTP
//! packet (fewer at the end of the input). `fuzz/seeds.py` makes seeds of
//! this form from captures. A key file
//! holds a shared key for that host pair (SCTP-AUTH, RFC 4895; the key of
//! captures/usrsctp-auth.pcapng, whose seed then verifies), so AUTH
//! chunks are verified too. Nothing may panic, and every report must name
//! an association the analyzer knows, with notes on chunks the packet has.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use libfuzzer_sys::fuzz_target;
use sctp_codec::analysis::{Analyzer, Config, KeyLog, PacketMeta};
use sctp_codec::{Decoder, Dialect};

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

fuzz_target!(|data: &[u8]| {
    let keys = KeyLog::parse("PAIR 10.0.0.1 10.0.0.2 1 sctpkit-auth-key\nANY 2 \"any key\"\n")
        .expect("key file");
    let mut an = Analyzer::new(Config {
        keys,
        ..Config::default()
    });
    let mut dec = Decoder::new(Dialect::Auto);
    let (mut rest, mut frame, mut time_ns) = (data, 0u64, 1_700_000_000_000_000_000i128);
    while let [flags, hi, lo, tail @ ..] = rest {
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        frame += 1;
        time_ns += i128::from(flags >> 2) * 1_000_000;
        let (src, dst) = if flags & 1 == 0 { (A, B) } else { (B, A) };
        let Ok(view) = dec.view(bytes, None) else {
            continue;
        };
        let meta = PacketMeta {
            frame,
            time_ns,
            src,
            dst,
            quoted: flags & 2 != 0,
        };
        let report = an.packet(&meta, &view);
        if let Some(a) = report.assoc {
            assert!(a.id >= 1 && a.id <= an.len(), "{a:?} of {}", an.len());
        }
        let chunks = view.chunks().count();
        assert!(report.notes.iter().all(|n| n.chunk < chunks));
    }
    for id in 1..=an.len() {
        let _ = an.summary(id);
    }
    let _ = an.held();
    let _ = an.finish();
});
