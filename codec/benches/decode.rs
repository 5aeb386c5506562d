//! Decoding throughput on a large capture (built by `scripts/make-big-capture.sh`;
//! path in `SCTP_BENCH_CAPTURE`, default `target/bench/big.pcap`): every
//! SCTP packet decoded with and without CRC32c verification, typed in full
//! (`Decoder::decode`) and through the zero-copy view (`PacketView`). The
//! packets are extracted from the capture once, before timing.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sctp_codec::capture::CaptureReader;
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{Decoder, Dialect, PacketView, Rules};

fn load() -> Vec<Vec<u8>> {
    let path = std::env::var_os("SCTP_BENCH_CAPTURE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/bench/big.pcap"
            ))
        });
    let mut r = CaptureReader::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/make-big-capture.sh)", path.display()));
    let cfg = LinkConfig::default();
    let mut d = Defragmenter::default();
    let mut v = Vec::new();
    while let Some(Ok(f)) = r.next_frame() {
        if let Ok(Some(seg)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) {
            v.push(seg.sctp.into_owned());
        }
    }
    v
}

/// Verifies the CRC32c of every packet and decodes it; returns a count so the
/// work is not optimised away.
fn decode_all_with_crc(packets: &[Vec<u8>]) -> usize {
    let mut dec = Decoder::new(Dialect::Standard);
    let mut n = 0usize;
    for p in packets {
        let ok = checksum::verify(p, VerifyMode::Crc32c).status == checksum::ChecksumStatus::Good;
        if let Ok(p) = dec.decode(p, None) {
            n += p.chunks.len() + ok as usize;
        }
    }
    n
}

/// Verifies the CRC32c of every packet and checks its framing with the
/// zero-copy view (every chunk, and the parameter/cause list inside every
/// registered chunk), reading each chunk's type: what a dispatcher needs.
fn view_all_with_crc(packets: &[Vec<u8>]) -> usize {
    let mut n = 0usize;
    for p in packets {
        let ok = checksum::verify(p, VerifyMode::Crc32c).status == checksum::ChecksumStatus::Good;
        if let Ok(v) = PacketView::parse(p, Rules::STANDARD) {
            n += v.chunks().map(|c| c.ty() as usize).sum::<usize>() + ok as usize;
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let packets = load();
    let bytes: usize = packets.iter().map(Vec::len).sum();
    eprintln!(
        "benchmark corpus: {} SCTP packets, {} bytes",
        packets.len(),
        bytes
    );
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets.len() as u64));
    g.bench_function("packets_no_checksum", |b| {
        b.iter(|| {
            let mut dec = Decoder::new(Dialect::Standard);
            let mut n = 0usize;
            for p in &packets {
                if let Ok(p) = dec.decode(p, None) {
                    n += p.chunks.len();
                }
            }
            n
        })
    });
    g.bench_function("packets_crc32c", |b| {
        b.iter(|| decode_all_with_crc(&packets))
    });
    // The same work split over two threads (this machine has two cores; the
    // codec is plain data, so a capture can be decoded in parallel slices).
    g.bench_function("packets_crc32c_2_threads", |b| {
        b.iter(|| {
            let (a, z) = packets.split_at(packets.len() / 2);
            std::thread::scope(|s| {
                let h = s.spawn(|| decode_all_with_crc(a));
                decode_all_with_crc(z) + h.join().unwrap_or(0)
            })
        })
    });
    g.bench_function("view_crc32c", |b| b.iter(|| view_all_with_crc(&packets)));
    g.bench_function("view_crc32c_2_threads", |b| {
        b.iter(|| {
            let (a, z) = packets.split_at(packets.len() / 2);
            std::thread::scope(|s| {
                let h = s.spawn(|| view_all_with_crc(a));
                view_all_with_crc(z) + h.join().unwrap_or(0)
            })
        })
    });
    g.finish();
    let mut g = c.benchmark_group("decode_bytes");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("bytes_crc32c", |b| b.iter(|| decode_all_with_crc(&packets)));
    g.bench_function("bytes_view_crc32c", |b| {
        b.iter(|| view_all_with_crc(&packets))
    });
    g.bench_function("crc32c_only", |b| {
        b.iter(|| {
            packets
                .iter()
                .map(|p| checksum::crc32c_field(p) as u64)
                .sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
