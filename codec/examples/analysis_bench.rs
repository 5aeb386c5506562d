//! Prints the cost of the association analysis alone (RFC 9260 5 to 9:
//! `analysis::Analyzer`) on a capture, default `target/bench/small.pcap`:
//! `cargo run --release -p sctp-codec --example analysis_bench [FILE]`.
//! Every SCTP packet is read and extracted into one buffer first (as the
//! dissector's batches hold them). Then two timed passes over it, best of
//! three each (on-CPU time of the thread where Linux gives it), framing
//! every packet (`PacketView::parse`) alone, and framing
//! plus `Analyzer::packet_into` (one reused report) with a fresh analyzer; their difference is the
//! analysis, with the packet's bytes as warm as in `sctp-craft dissect
//! --analysis`. Allocations are counted by an instrumented global allocator
//! (`stats_alloc`) over one more analysis pass.

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use sctp_codec::analysis::capture::packet_meta;
use sctp_codec::analysis::{Analyzer, Config, PackedNotes, PacketMeta, PacketReport};
use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{Decoder, Dialect, PacketView, Rules};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench/small.pcap".into());
    let mut r = CaptureReader::open(std::path::Path::new(&path)).expect("open capture");
    let cfg = LinkConfig::default();
    let mut d = Defragmenter::default();
    let mut dec = Decoder::new(Dialect::Auto);
    let mut arena = Vec::new();
    // Packet: where it is in the arena, its meta and its dialect's rules.
    let mut packets: Vec<(std::ops::Range<usize>, PacketMeta, Rules)> = Vec::new();
    while let Some(Ok(f)) = r.next_frame() {
        let Ok(Some(seg)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) else {
            continue;
        };
        let Ok(view) = dec.view(&seg.sctp, Some(seg.assoc_key())) else {
            continue;
        };
        let meta = packet_meta(&f, &seg);
        let at = arena.len();
        arena.extend_from_slice(&seg.sctp);
        packets.push((at..arena.len(), meta, view.rules()));
    }
    let n = packets.len();
    println!(
        "{path}: {n} SCTP packets; PacketReport is {} bytes (ChunkNote {}, DataNote {}, \
         SackNote {})",
        std::mem::size_of::<PacketReport>(),
        std::mem::size_of::<sctp_codec::analysis::ChunkNote>(),
        std::mem::size_of::<sctp_codec::analysis::DataNote>(),
        std::mem::size_of::<sctp_codec::analysis::SackNote>(),
    );
    // Time on the CPU where the kernel tells it (Linux schedstat), so that
    // other processes on a loaded machine count less; else wall time.
    let cpu = || -> Option<f64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
        (ns > 0.0).then_some(ns / 1e9)
    };
    let best = |f: &mut dyn FnMut() -> usize| {
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..3 {
            let (t, c) = (Instant::now(), cpu());
            out = black_box(f());
            let took = match (c, cpu()) {
                (Some(a), Some(b)) => b - a,
                _ => t.elapsed().as_secs_f64(),
            };
            best = best.min(took);
        }
        (best, out)
    };
    let (parse, chunks) = best(&mut || {
        packets
            .iter()
            .filter_map(|(at, _, rules)| PacketView::parse(&arena[at.clone()], *rules).ok())
            .map(|v| black_box(v).chunk_count())
            .sum()
    });
    // Each report written into one reused slot (`Analyzer::packet_into`),
    // as a caller that keeps its reports in place does: no 272-byte report
    // moved per packet.
    let analyse = |report: &mut dyn FnMut(&PacketReport)| {
        let mut a = Analyzer::new(Config::default());
        let mut slot = PacketReport::default();
        for (at, meta, rules) in &packets {
            if let Ok(v) = PacketView::parse(&arena[at.clone()], *rules) {
                a.packet_into(meta, &v, &mut slot);
                report(&slot);
            }
        }
        a.finish().len()
    };
    let mut notes = 0usize;
    let (both, assocs) = best(&mut || {
        notes = 0;
        analyse(&mut |r| notes += r.notes.len())
    });
    let region = Region::new(GLOBAL);
    analyse(&mut |r| {
        black_box(r);
    });
    let s = region.change();
    // Reports kept in a batch of 1024 packets, cleared per batch:
    // `reports.push(analyzer.packet(..))` (a 272-byte report moved into the
    // batch) against `packet_append`, as the dissector keeps them (the
    // notes of the batch packed in one list, the heads beside).
    let batched = |append: bool| {
        let mut a = Analyzer::new(Config::default());
        let mut reports: Vec<PacketReport> = Vec::with_capacity(1024);
        let mut notes = PackedNotes::new();
        let mut heads = Vec::with_capacity(1024);
        let mut kept = 0usize;
        for (at, meta, rules) in &packets {
            if reports.len() == 1024 || heads.len() == 1024 {
                kept += black_box(&reports).len() + black_box(&heads).len();
                black_box(&notes);
                reports.clear();
                notes.clear();
                heads.clear();
            }
            if let Ok(v) = PacketView::parse(&arena[at.clone()], *rules) {
                if append {
                    let start = notes.len();
                    let head = a.packet_append(meta, &v, &mut notes);
                    heads.push((head, start, notes.len()));
                } else {
                    reports.push(a.packet(meta, &v));
                }
            }
        }
        kept + reports.len() + heads.len()
    };
    let (moved, _) = best(&mut || batched(false));
    let (in_place, _) = best(&mut || batched(true));
    let per = |t: f64| t / n as f64 * 1e9;
    println!(
        "into batches of 1024 packets: push(packet()) {:.1} ns/packet, packet_append to \
         PackedNotes {:.1} ns/packet (analysis and report placement, framing excluded)",
        per(moved - parse),
        per(in_place - parse)
    );
    println!(
        "CPU time per packet: PacketView::parse alone: {:.1} ns/packet ({chunks} chunks); with Analyzer::packet_into: \
         {:.1} ns/packet",
        per(parse),
        per(both)
    );
    println!(
        "analysis: {:.1} ns/packet, {:.4} allocations/packet ({} allocations, {} \
         reallocations in one pass); {assocs} associations, {notes} notes",
        per(both - parse),
        (s.allocations + s.reallocations) as f64 / n as f64,
        s.allocations,
        s.reallocations,
    );
}
