//! The transmit and receive hot paths do not allocate: a warm `PacketWriter`
//! (its buffer already large enough) writing DATA, I-DATA and SACK packets
//! with CRC32c, and the typed zero-copy readers of `ChunkView` reading every
//! field and list of them. Counted by an instrumented global allocator
//! (`stats_alloc`); this file holds one test, so nothing else allocates
//! while it counts.

use std::alloc::System;
use std::borrow::Cow;

use sctp_codec::chunk::flags::{DATA_B, DATA_E, DATA_U};
use sctp_codec::chunk::{ty, InitChunk};
use sctp_codec::{
    ChecksumAlgorithm, Chunk, ChunkBody, CommonHeader, PacketView, PacketWriter, Param, ParamBody,
    Rules,
};
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

const HEADER: CommonHeader = CommonHeader {
    source_port: 1,
    destination_port: 2,
    verification_tag: 3,
};

#[test]
fn a_warm_writer_and_the_readers_do_not_allocate() {
    let payloads: Vec<Vec<u8>> = (0..8).map(|k| vec![k as u8; 100 + 3 * k]).collect();
    let big = vec![7u8; 1200];
    let mut buf = Vec::with_capacity(1500);
    let mut packets: Vec<Vec<u8>> = Vec::with_capacity(4000);
    let mut out = Vec::with_capacity(4000 * 1500);
    let mut total = 0usize;
    let n = allocations(|| {
        for round in 0..1000u32 {
            let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
            w.push_data(DATA_B | DATA_E, round, 0, round as u16, 51, &big)
                .unwrap();
            total += w.finish(ChecksumAlgorithm::Crc32c).len();
            out.extend_from_slice(&buf);

            let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
            w.push_sack(
                0,
                round,
                65536,
                [(2, 3), (5, 9), (11, 11), (20, 40)],
                [round],
            )
            .unwrap();
            for (k, p) in payloads.iter().enumerate() {
                w.push_data(DATA_U, round + k as u32, k as u16, 0, 0, p)
                    .unwrap();
            }
            // Refused chunks do not allocate either.
            assert!(w.push_data(0, 0, 0, 0, 0, &big).is_err());
            total += w.finish(ChecksumAlgorithm::Crc32c).len();
            out.extend_from_slice(&buf);

            let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
            w.push_idata(DATA_B, round, 1, round, 51, &big[..500])
                .unwrap();
            w.push_sack(0, round, 1, (0..20).map(|k| (k, k)), (0..10).map(|k| k * 3))
                .unwrap();
            total += w.finish(ChecksumAlgorithm::Zero).len();
            out.extend_from_slice(&buf);
        }
    });
    assert_eq!(n, 0, "a warm PacketWriter allocated");
    assert!(total > 1000 * 2400);

    // Split the packets out again (outside the counted region), plus an
    // INIT with parameters, a FORWARD-TSN, a SHUTDOWN and a COOKIE ECHO.
    let mut at = 0;
    while at < out.len() {
        let v = PacketView::parse(&out[at..], Rules::STANDARD).unwrap();
        let len: usize = 12
            + v.chunks()
                .map(|c| c.bytes().len() + c.padding().len())
                .sum::<usize>();
        packets.push(out[at..at + len].to_vec());
        at += len;
    }
    let init = Chunk::new(
        ty::INIT,
        0,
        ChunkBody::Init(InitChunk {
            initiate_tag: 9,
            a_rwnd: 1 << 16,
            number_of_outbound_streams: 10,
            number_of_inbound_streams: 10,
            initial_tsn: 1,
            params: vec![Param::new(0x8000, ParamBody::Unknown(Cow::Borrowed(&[0; 4]))); 3],
        }),
    );
    let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
    w.push_chunk(&init).unwrap();
    w.push_raw(ty::FORWARD_TSN, 0, &[0, 0, 0, 9, 0, 1, 0, 2, 0, 3, 0, 4])
        .unwrap();
    w.push_raw(ty::SHUTDOWN, 0, &[0, 0, 0, 9]).unwrap();
    w.push_raw(ty::COOKIE_ECHO, 0, b"cookie").unwrap();
    w.push_raw(ty::ECNE, 0, &[0, 0, 0, 5]).unwrap();
    packets.push(w.finish(ChecksumAlgorithm::Crc32c).to_vec());
    assert_eq!(packets.len(), 3001);

    let mut sum = 0u64;
    let n = allocations(|| {
        for p in &packets {
            let v = PacketView::parse(p, Rules::STANDARD).unwrap();
            for c in v.chunks() {
                if let Some(d) = c.data() {
                    sum += d.tsn() as u64 + d.stream() as u64 + d.ssn() as u64;
                    sum += d.ppid() as u64 + d.payload().len() as u64;
                    sum += d.unordered() as u64 + d.beginning() as u64 + d.ending() as u64;
                } else if let Some(d) = c.idata() {
                    sum += d.tsn() as u64 + d.mid() as u64 + d.ppid_or_fsn() as u64;
                    sum += d.payload().len() as u64;
                } else if let Some(s) = c.sack() {
                    sum += s.cum_tsn_ack() as u64 + s.a_rwnd() as u64;
                    sum += s.gap_blocks().map(|(a, b)| (a + b) as u64).sum::<u64>();
                    sum += s.dup_tsns().map(u64::from).sum::<u64>();
                } else if let Some(i) = c.init() {
                    sum += i.initiate_tag() as u64 + i.initial_tsn() as u64;
                    sum += i.params().map(|p| p.ty() as u64).sum::<u64>();
                } else if let Some(f) = c.forward_tsn() {
                    sum += f.new_cum_tsn() as u64;
                    sum += f.streams().map(|(s, n)| (s + n) as u64).sum::<u64>();
                } else if let Some(t) = c.shutdown_cum_tsn_ack() {
                    sum += t as u64;
                } else if let Some(k) = c.cookie_echo() {
                    sum += k.len() as u64;
                } else if let Some(t) = c.lowest_tsn() {
                    sum += t as u64;
                } else {
                    panic!("unread chunk {}", c.name());
                }
            }
        }
    });
    assert_eq!(n, 0, "the readers allocated");
    assert!(sum > 0);
}
