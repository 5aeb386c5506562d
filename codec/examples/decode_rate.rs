//! Prints decode rates for a capture (default `target/bench/big.pcap`):
//! `cargo run --release -p sctp-codec --example decode_rate [FILE]`.
//! A quick companion to the criterion bench (`cargo bench -p sctp-codec`).

use std::time::Instant;

use sctp_codec::capture::CaptureReader;
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{Decoder, Dialect, PacketView, Rules};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench/big.pcap".into());
    let mut r = CaptureReader::open(std::path::Path::new(&path)).expect("open capture");
    let cfg = LinkConfig::default();
    let mut d = Defragmenter::default();
    let mut packets = Vec::new();
    while let Some(Ok(f)) = r.next_frame() {
        if let Ok(Some(seg)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) {
            packets.push(seg.sctp.into_owned());
        }
    }
    let bytes: usize = packets.iter().map(Vec::len).sum();
    println!("{} packets, {} bytes", packets.len(), bytes);
    let rate = |name: &str, f: &dyn Fn() -> usize| {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..3 {
            let t = Instant::now();
            n = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:<28} {:>7.3} s  {:>6.2} M pkt/s  {:>6.2} GiB/s  (n={n})",
            best,
            packets.len() as f64 / best / 1e6,
            bytes as f64 / best / (1u64 << 30) as f64
        );
    };
    rate("decode", &|| {
        let mut dec = Decoder::new(Dialect::Standard);
        packets
            .iter()
            .filter_map(|p| dec.decode(p, None).ok())
            .map(|p| p.chunks.len())
            .sum()
    });
    rate("crc32c+decode", &|| {
        let mut dec = Decoder::new(Dialect::Standard);
        packets
            .iter()
            .map(|p| {
                let ok = checksum::verify(p, VerifyMode::Crc32c).status
                    == checksum::ChecksumStatus::Good;
                dec.decode(p, None).map_or(0, |p| p.chunks.len()) + ok as usize
            })
            .sum()
    });
    rate("view", &|| {
        packets
            .iter()
            .filter_map(|p| PacketView::parse(p, Rules::STANDARD).ok())
            .map(|v| v.chunk_count() + v.malformed_count())
            .sum()
    });
    rate("crc32c+view", &|| {
        packets
            .iter()
            .map(|p| {
                let ok = checksum::verify(p, VerifyMode::Crc32c).status
                    == checksum::ChecksumStatus::Good;
                PacketView::parse(p, Rules::STANDARD).map_or(0, |v| v.chunk_count()) + ok as usize
            })
            .sum()
    });
    rate("crc32c+view+walk", &|| {
        packets
            .iter()
            .map(|p| {
                let ok = checksum::verify(p, VerifyMode::Crc32c).status
                    == checksum::ChecksumStatus::Good;
                PacketView::parse(p, Rules::STANDARD).map_or(0, |v| {
                    v.chunks().map(|c| c.ty() as usize + c.tlvs().count()).sum()
                }) + ok as usize
            })
            .sum()
    });
    rate("crc32c", &|| {
        packets
            .iter()
            .map(|p| checksum::crc32c_field(p) as usize & 1)
            .sum()
    });
}
