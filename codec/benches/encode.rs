//! Encoding throughput (RFC 9260 3): the packets an endpoint sends most,
//! built with `PacketWriter` into a reused buffer and finished with CRC32c
//! (or the zero checksum of RFC 9653), against the crafting API
//! (`Packet::new` with a `Vec<Chunk>`, then `Packet::encode`, which returns
//! a new `Vec`). Each iteration builds one whole packet from its fields.

use std::borrow::Cow;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sctp_codec::chunk::flags::{DATA_B, DATA_E};
use sctp_codec::chunk::{ty, DataChunk, GapAckBlock, SackChunk};
use sctp_codec::{ChecksumAlgorithm, Chunk, ChunkBody, CommonHeader, Packet, PacketWriter};

const HEADER: CommonHeader = CommonHeader {
    source_port: 5000,
    destination_port: 5000,
    verification_tag: 0x1234_5678,
};
/// 1500-byte MTU minus IPv4 (20) and UDP encapsulation (8) headers, minus
/// the 20 of a larger IP header to be safe.
const LIMIT: usize = 1452;
const GAPS: [(u16, u16); 4] = [(2, 3), (5, 9), (12, 12), (20, 31)];

fn data_chunk(tsn: u32, sid: u16, payload: &[u8]) -> Chunk<'_> {
    Chunk::new(
        ty::DATA,
        DATA_B | DATA_E,
        ChunkBody::Data(DataChunk {
            tsn,
            stream_identifier: sid,
            stream_sequence_number: tsn as u16,
            payload_protocol_identifier: 51,
            user_data: Cow::Borrowed(payload),
        }),
    )
}

fn sack_chunk(cum: u32) -> Chunk<'static> {
    Chunk::new(
        ty::SACK,
        0,
        ChunkBody::Sack(SackChunk {
            cumulative_tsn_ack: cum,
            a_rwnd: 1 << 20,
            gap_ack_blocks: GAPS
                .iter()
                .map(|&(start, end)| GapAckBlock { start, end })
                .collect(),
            ..Default::default()
        }),
    )
}

/// DATA chunks of `payloads` with `PacketWriter`.
fn write_data<'b>(
    buf: &'b mut Vec<u8>,
    tsn: u32,
    payloads: &[&[u8]],
    algo: ChecksumAlgorithm,
) -> &'b [u8] {
    let mut w = PacketWriter::new(buf, HEADER, LIMIT);
    for (k, p) in payloads.iter().enumerate() {
        w.push_data(DATA_B | DATA_E, tsn + k as u32, k as u16, tsn as u16, 51, p)
            .expect("fits");
    }
    w.finish(algo)
}

/// The same packet through `Packet::encode`.
fn encode_data(tsn: u32, payloads: &[&[u8]]) -> Vec<u8> {
    let chunks = payloads
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut c = data_chunk(tsn + k as u32, k as u16, p);
            if let ChunkBody::Data(d) = &mut c.body {
                d.stream_sequence_number = tsn as u16;
            }
            c
        })
        .collect();
    Packet::new(HEADER, chunks).encode()
}

fn bench(c: &mut Criterion) {
    let big = vec![0x5Au8; 1200];
    let small: Vec<Vec<u8>> = (0..8).map(|k| vec![k as u8; 128]).collect();
    let cases: [(&str, Vec<&[u8]>); 2] = [
        ("data_1x1200", vec![&big[..]]),
        ("data_8x128", small.iter().map(|p| &p[..]).collect()),
    ];
    let mut buf = Vec::with_capacity(LIMIT);
    for (name, payloads) in &cases {
        // Both ways give the same bytes.
        assert_eq!(
            write_data(&mut buf, 7, payloads, ChecksumAlgorithm::Crc32c),
            &encode_data(7, payloads)[..]
        );
        let len = buf.len();
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("writer_crc32c", |b| {
            b.iter(|| {
                write_data(
                    &mut buf,
                    black_box(7),
                    black_box(payloads),
                    ChecksumAlgorithm::Crc32c,
                )
                .len()
            })
        });
        g.bench_function("writer_zero_checksum", |b| {
            b.iter(|| {
                write_data(
                    &mut buf,
                    black_box(7),
                    black_box(payloads),
                    ChecksumAlgorithm::Zero,
                )
                .len()
            })
        });
        g.bench_function("packet_encode_crc32c", |b| {
            b.iter(|| encode_data(black_box(7), black_box(payloads)).len())
        });
        g.finish();
    }

    let mut w = PacketWriter::new(&mut buf, HEADER, LIMIT);
    w.push_sack(0, 99, 1 << 20, GAPS, []).expect("fits");
    assert_eq!(
        w.finish(ChecksumAlgorithm::Crc32c),
        &Packet::new(HEADER, vec![sack_chunk(99)]).encode()[..]
    );
    let mut g = c.benchmark_group("sack_4_gaps");
    g.throughput(Throughput::Bytes(buf.len() as u64));
    g.bench_function("writer_crc32c", |b| {
        b.iter(|| {
            let mut w = PacketWriter::new(&mut buf, HEADER, LIMIT);
            w.push_sack(0, black_box(99), 1 << 20, black_box(GAPS), [])
                .expect("fits");
            w.finish(ChecksumAlgorithm::Crc32c).len()
        })
    });
    g.bench_function("packet_encode_crc32c", |b| {
        b.iter(|| {
            Packet::new(HEADER, vec![sack_chunk(black_box(99))])
                .encode()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
