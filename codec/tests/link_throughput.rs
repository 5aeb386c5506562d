//! Throughput of `extract_sctp` and `CaptureReader`, for release builds:
//! `cargo test --release -p sctp-codec --test link_throughput -- --ignored --nocapture`.
//! Ignored by default: timing is meaningless in debug builds and on loaded CI.

mod link_support;

use std::time::Instant;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

#[test]
#[ignore = "benchmark: run with --release --ignored"]
fn extract_and_read_throughput() {
    let path = link_support::shared("netperfmeter-multi-sll.pcapng.gz");
    let mut reader = CaptureReader::open(&path).expect("open");
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame() {
        let f = f.expect("frame");
        frames.push((f.link_type, f.data.to_vec()));
    }
    let bytes: usize = frames.iter().map(|(_, d)| d.len()).sum();
    let cfg = LinkConfig::default();
    let mut defrag = Defragmenter::new();
    let rounds = 200;
    let start = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for (lt, data) in &frames {
            if let Ok(Some(seg)) = extract_sctp(*lt, data, &cfg, &mut defrag) {
                found += seg.sctp.len();
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "extract_sctp: {:.0} frames/s, {:.2} GB/s of frames ({found} SCTP bytes)",
        (frames.len() * rounds) as f64 / secs,
        (bytes * rounds) as f64 / secs / 1e9
    );

    // Reading: a large plain pcap through libpcap, then through pcap-parser.
    let dir = link_support::scratch_dir("throughput");
    let big = dir.join("big.pcap");
    let mut w = sctp_codec::capture::PcapWriter::create(&big, 113).expect("create");
    for _ in 0..20 {
        for (_, data) in &frames {
            w.write_packet(0, 0, data).expect("write");
        }
    }
    w.flush().expect("flush");
    drop(w);
    let size = std::fs::metadata(&big).expect("size").len() as f64;
    for via in ["libpcap", "pcap-parser"] {
        let mut r = if via == "libpcap" {
            CaptureReader::open(&big).expect("open")
        } else {
            CaptureReader::from_reader(std::fs::File::open(&big).expect("open")).expect("reader")
        };
        let start = Instant::now();
        let mut n = 0u64;
        while let Some(f) = r.next_frame() {
            n += f.expect("frame").data.len() as u64 & 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{via}: {:.2} GB/s ({n})", size / secs / 1e9);
    }
    std::fs::remove_dir_all(dir).ok();
}
