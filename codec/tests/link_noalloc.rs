//! The hot paths must not allocate: `extract_sctp` on an unfragmented frame,
//! and the zero-copy `PacketView` (framing check, walking every chunk and
//! every parameter/cause list). Counted by an instrumented global allocator
//! (`stats_alloc`); this file holds one test, so nothing else allocates
//! while it counts.

use std::alloc::System;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{PacketView, Rules};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) made while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let s = region.change();
    s.allocations + s.reallocations
}

#[test]
fn hot_paths_do_not_allocate() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/netperfmeter-multi-sll.pcapng.gz"
    );
    let mut reader = CaptureReader::open(file.as_ref()).expect("open");
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame() {
        let f = f.expect("frame");
        frames.push((f.link_type, f.data.to_vec()));
    }
    let cfg = LinkConfig::default();
    let mut defrag = Defragmenter::new();
    let mut offsets = Vec::with_capacity(frames.len());
    let (mut sctp, mut bytes) = (0usize, 0usize);
    let n = allocations(|| {
        for (lt, data) in &frames {
            if let Ok(Some(seg)) = extract_sctp(*lt, data, &cfg, &mut defrag) {
                sctp += 1;
                bytes += seg.sctp.len();
                offsets.push(seg.offset_in_frame);
            }
        }
    });
    assert_eq!(sctp, 3730);
    assert!(bytes > 0);
    assert_eq!(n, 0, "extract_sctp allocated on unfragmented frames");

    // The SCTP bytes of each frame, then the view over all of them.
    let packets: Vec<&[u8]> = frames
        .iter()
        .filter_map(|(lt, data)| {
            let seg = extract_sctp(*lt, data, &cfg, &mut defrag).ok()??;
            let at = seg.offset_in_frame?;
            Some(&data[at..at + seg.sctp.len()])
        })
        .collect();
    assert_eq!(packets.len(), 3730);
    let (mut chunks, mut tlvs) = (0usize, 0usize);
    let n = allocations(|| {
        for p in &packets {
            let v = PacketView::parse(p, Rules::STANDARD).expect("common header");
            for c in v.chunks() {
                chunks += 1;
                tlvs += c.tlvs().count();
                assert!(c.is_well_framed());
            }
        }
    });
    assert!(
        chunks >= packets.len() && tlvs > 0,
        "{chunks} chunks, {tlvs} TLVs"
    );
    assert_eq!(n, 0, "PacketView allocated");
}
