//! `PacketWriter` writes the same bytes as `Packet::encode` for the same
//! chunks, the typed decoder reads them back, a chunk that would pass the
//! limit or whose Length cannot be written is refused and leaves the packet
//! as it was.

use std::borrow::Cow;

use sctp_codec::chunk::flags::{DATA_B, DATA_E, DATA_I, DATA_U, T_BIT};
use sctp_codec::chunk::{
    ty, CausesChunk, DataChunk, GapAckBlock, IDataChunk, InitChunk, SackChunk, ShutdownChunk,
};
use sctp_codec::gen::Gen;
use sctp_codec::{
    ChecksumAlgorithm, Chunk, ChunkBody, CommonHeader, DecodeOptions, Packet, PacketWriter,
    WriteError,
};

const HEADER: CommonHeader = CommonHeader {
    source_port: 5000,
    destination_port: 5001,
    verification_tag: 0xDEAD_BEEF,
};

fn data(flags: u8, tsn: u32, sid: u16, ssn: u16, ppid: u32, payload: &[u8]) -> Chunk<'_> {
    Chunk::new(
        ty::DATA,
        flags,
        ChunkBody::Data(DataChunk {
            tsn,
            stream_identifier: sid,
            stream_sequence_number: ssn,
            payload_protocol_identifier: ppid,
            user_data: Cow::Borrowed(payload),
        }),
    )
}

fn sack(cum: u32, rwnd: u32, gaps: &[(u16, u16)], dups: &[u32]) -> Chunk<'static> {
    Chunk::new(
        ty::SACK,
        0,
        ChunkBody::Sack(SackChunk {
            cumulative_tsn_ack: cum,
            a_rwnd: rwnd,
            gap_ack_blocks: gaps
                .iter()
                .map(|&(start, end)| GapAckBlock { start, end })
                .collect(),
            duplicate_tsns: dups.to_vec(),
            ..Default::default()
        }),
    )
}

/// Checks `bytes` against `Packet::encode` of `chunks` and decodes them back.
fn same_as_encode(bytes: &[u8], chunks: Vec<Chunk<'_>>, algo: ChecksumAlgorithm) {
    let mut p = Packet::new(HEADER, chunks);
    p.checksum_algorithm = algo;
    assert_eq!(bytes, &p.encode()[..], "bytes differ from Packet::encode");
    let d = Packet::decode(bytes, &DecodeOptions::default()).expect("decodes");
    assert_eq!(d.header, HEADER);
    assert_eq!(d.chunks, p.chunks, "decoded chunks differ");
    assert!(d.trailing.is_empty() && d.error.is_none());
    if algo == ChecksumAlgorithm::Crc32c {
        let r = sctp_codec::checksum::verify(bytes, sctp_codec::checksum::VerifyMode::Crc32c);
        assert_eq!(r.status, sctp_codec::ChecksumStatus::Good);
    }
}

#[test]
fn data_and_sack_packets_equal_packet_encode() {
    let payloads: Vec<Vec<u8>> = (0..8).map(|k| vec![k as u8 + 1; 125 + k]).collect();
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
    assert!(w.is_empty());
    w.push_sack(
        0,
        99,
        131072,
        [(2, 3), (5, 9), (11, 11), (20, 40)],
        [97, 98],
    )
    .unwrap();
    let mut chunks = vec![sack(
        99,
        131072,
        &[(2, 3), (5, 9), (11, 11), (20, 40)],
        &[97, 98],
    )];
    for (k, p) in payloads.iter().enumerate() {
        let flags = [DATA_B | DATA_E, DATA_U | DATA_B, DATA_E | DATA_I, 0][k % 4];
        let tsn = 100 + k as u32;
        w.push_data(flags, tsn, k as u16, 7, 51, p).unwrap();
        chunks.push(data(flags, tsn, k as u16, 7, 51, p));
    }
    assert_eq!(w.chunk_count(), 9);
    assert_eq!(w.len() + w.remaining(), 1452);
    let bytes = w.finish(ChecksumAlgorithm::Crc32c).to_vec();
    same_as_encode(&bytes, chunks, ChecksumAlgorithm::Crc32c);

    // One 1200-byte DATA chunk, zero checksum (RFC 9653).
    let big = vec![0xA5; 1200];
    let mut w = PacketWriter::new(&mut buf, HEADER, 1452);
    w.push_data(DATA_B | DATA_E, 1, 0, 0, 0, &big).unwrap();
    let bytes = w.finish(ChecksumAlgorithm::Zero).to_vec();
    assert_eq!(&bytes[8..12], &[0; 4]);
    same_as_encode(
        &bytes,
        vec![data(DATA_B | DATA_E, 1, 0, 0, 0, &big)],
        ChecksumAlgorithm::Zero,
    );
}

#[test]
fn idata_raw_and_control_chunks_equal_packet_encode() {
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, 9000);
    w.push_idata(DATA_B, 5, 3, 77, 51, b"abcde").unwrap();
    w.push_raw(ty::SHUTDOWN, 0, &42u32.to_be_bytes()).unwrap();
    let abort = Chunk::new(
        ty::ABORT,
        T_BIT,
        ChunkBody::Abort(CausesChunk { causes: vec![] }),
    );
    w.push_chunk(&abort).unwrap();
    let bytes = w.finish(ChecksumAlgorithm::Crc32c).to_vec();
    let idata = Chunk::new(
        ty::I_DATA,
        DATA_B,
        ChunkBody::IData(IDataChunk {
            tsn: 5,
            stream_identifier: 3,
            reserved: 0,
            message_identifier: 77,
            ppid_or_fsn: 51,
            user_data: Cow::Borrowed(b"abcde"),
        }),
    );
    let shutdown = Chunk::new(
        ty::SHUTDOWN,
        0,
        ChunkBody::Shutdown(ShutdownChunk {
            cumulative_tsn_ack: 42,
        }),
    );
    same_as_encode(
        &bytes,
        vec![idata, shutdown, abort],
        ChecksumAlgorithm::Crc32c,
    );
}

#[test]
fn random_packets_pushed_chunk_by_chunk_equal_packet_encode() {
    let mut buf = Vec::new();
    for seed in 0..3000u64 {
        let mut g = Gen::new(seed);
        let mut p = Packet::generate(&mut g, 0);
        p.checksum = None;
        let mut w = PacketWriter::new(&mut buf, p.header, usize::MAX);
        for c in &p.chunks {
            w.push_chunk(c).unwrap();
        }
        assert_eq!(w.chunk_count(), p.chunks.len());
        assert_eq!(
            w.finish(ChecksumAlgorithm::Crc32c),
            &p.encode()[..],
            "seed {seed}"
        );
    }
}

#[test]
fn explicit_length_and_padding_overrides_are_written() {
    let payload = [1u8; 10];
    let mut c = data(0, 1, 2, 3, 4, &payload);
    c.length = Some(9);
    c.padding = Some(Cow::Borrowed(&[0xEE]));
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_chunk(&c).unwrap();
    let bytes = w.finish(ChecksumAlgorithm::Crc32c).to_vec();
    assert_eq!(&bytes[14..16], &9u16.to_be_bytes());
    assert_eq!(bytes.len(), 12 + 26 + 1);
    assert_eq!(bytes, Packet::new(HEADER, vec![c]).encode());
}

#[test]
fn a_chunk_over_the_limit_is_refused_and_leaves_the_packet_unchanged() {
    let mut buf = Vec::with_capacity(64);
    let mut w = PacketWriter::new(&mut buf, HEADER, 12 + 16 + 20);
    w.push_data(0, 1, 0, 0, 0, b"1234").unwrap(); // 20 bytes
    let before = w.as_bytes().to_vec();
    let e = w.push_data(0, 2, 0, 0, 0, b"12345").unwrap_err(); // 21 + 3 padding
    assert_eq!(
        e,
        WriteError::WouldExceed {
            need: 24,
            remaining: 16
        }
    );
    assert!(matches!(
        w.push_sack(0, 1, 2, [(1, 2)], []),
        Err(WriteError::WouldExceed {
            need: 20,
            remaining: 16
        })
    ));
    assert!(matches!(
        w.push_idata(0, 1, 0, 0, 0, b""),
        Err(WriteError::WouldExceed { .. })
    ));
    assert!(matches!(
        w.push_raw(1, 0, &[0; 13]),
        Err(WriteError::WouldExceed { .. })
    ));
    assert!(matches!(
        w.push_chunk(&sack(1, 2, &[(1, 2)], &[])),
        Err(WriteError::WouldExceed { .. })
    ));
    assert_eq!(w.as_bytes(), &before[..]);
    assert_eq!(w.chunk_count(), 1);
    // Exactly filling the limit is fine.
    w.push_data(0, 2, 0, 0, 0, b"").unwrap();
    assert_eq!(w.remaining(), 0);
    let e = w.push_raw(ty::COOKIE_ACK, 0, &[]).unwrap_err();
    assert_eq!(
        e,
        WriteError::WouldExceed {
            need: 4,
            remaining: 0
        }
    );
    assert_eq!(w.len(), 12 + 20 + 16);
    // A limit below the common header leaves no room at all.
    let w = PacketWriter::new(&mut buf, HEADER, 4);
    assert_eq!((w.len(), w.remaining()), (12, 0));
}

#[test]
fn a_value_over_65531_bytes_is_too_long() {
    let big = vec![0u8; 65_536];
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, usize::MAX);
    // DATA's 12 fixed bytes + 65,519 = 65,531: the largest value that fits.
    w.push_data(0, 1, 0, 0, 0, &big[..65_519]).unwrap();
    let len = w.len();
    assert_eq!(
        w.push_data(0, 1, 0, 0, 0, &big[..65_520]),
        Err(WriteError::TooLong {
            what: "DATA",
            len: 65_532
        })
    );
    assert!(matches!(
        w.push_idata(0, 1, 0, 0, 0, &big[..65_516]),
        Err(WriteError::TooLong { len: 65_532, .. })
    ));
    w.push_raw(0x3F, 0, &big[..65_531]).unwrap();
    let len2 = w.len();
    assert!(len2 > len);
    assert!(matches!(
        w.push_raw(0x3F, 0, &big[..65_532]),
        Err(WriteError::TooLong { len: 65_532, .. })
    ));
    let gaps = (0..65_536u32).map(|k| (k as u16, k as u16));
    assert!(matches!(
        w.push_sack(0, 0, 0, gaps, []),
        Err(WriteError::TooLong { len: 65_536, .. })
    ));
    let gaps = (0..16_381u32).map(|k| (k as u16, k as u16));
    assert!(matches!(
        w.push_sack(0, 0, 0, gaps, []),
        Err(WriteError::TooLong { len: 65_536, .. })
    ));
    // A typed chunk whose computed Length would wrap.
    let c = data(0, 1, 0, 0, 0, &big[..65_520]);
    assert_eq!(
        w.push_chunk(&c),
        Err(WriteError::TooLong {
            what: "DATA",
            len: 65_532
        })
    );
    let init = Chunk::new(
        ty::INIT,
        0,
        ChunkBody::Init(InitChunk {
            initiate_tag: 1,
            a_rwnd: 1,
            number_of_outbound_streams: 1,
            number_of_inbound_streams: 1,
            initial_tsn: 1,
            params: vec![
                sctp_codec::Param::new(
                    0x8000,
                    sctp_codec::ParamBody::Unknown(Cow::Borrowed(&big[..40_000]))
                );
                2
            ],
        }),
    );
    assert!(matches!(
        w.push_chunk(&init),
        Err(WriteError::TooLong { what: "INIT", .. })
    ));
    assert_eq!(w.len(), len2);
}

#[test]
fn packet_encode_never_wraps_a_computed_length() {
    let big = vec![0u8; 65_600];
    // DATA whose value is 65,532 bytes: Length 65,536 would wrap to 0.
    let p = Packet::new(HEADER, vec![data(0, 1, 0, 0, 0, &big[..65_520])]);
    assert_eq!(
        p.try_encode(),
        Err(WriteError::TooLong {
            what: "DATA",
            len: 65_532
        })
    );
    let bytes = p.encode();
    assert_eq!(&bytes[14..16], &[0xFF, 0xFF], "held at 65,535, not wrapped");
    // 70,000 duplicate TSNs: the count and the Length would wrap.
    let dups: Vec<u32> = (0..70_000).collect();
    let p = Packet::new(HEADER, vec![sack(1, 2, &[], &dups)]);
    assert!(matches!(
        p.try_encode(),
        Err(WriteError::TooLong { what: "SACK", .. })
    ));
    let bytes = p.encode();
    assert_eq!(&bytes[14..16], &[0xFF, 0xFF]);
    assert_eq!(&bytes[12 + 4 + 10..12 + 4 + 12], &[0xFF, 0xFF]);
    // A parameter inside a chunk of the right size never needs checking;
    // explicit Lengths and counts are written as given, right or wrong.
    let mut c = sack(1, 2, &[(1, 2)], &[]);
    if let ChunkBody::Sack(s) = &mut c.body {
        s.number_of_gap_ack_blocks = Some(9);
    }
    c.length = Some(4);
    let p = Packet::new(HEADER, vec![c.clone()]);
    let bytes = p.try_encode().unwrap();
    assert_eq!(&bytes[14..16], &4u16.to_be_bytes());
    assert_eq!(&bytes[24..26], &9u16.to_be_bytes());
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_chunk(&c).unwrap();
    assert_eq!(w.finish(ChecksumAlgorithm::Crc32c), &bytes[..]);
}

/// NR-SACK laid out by hand from the draft's figure (type 0x10; cum TSN
/// ack, a_rwnd, gap / NR gap / duplicate counts, 2 reserved bytes, the gap
/// blocks, the NR gap blocks, the duplicate TSNs) equals what the writer
/// writes, and the view reads every field back.
#[test]
fn nr_sack_bytes_follow_the_draft() {
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_nr_sack(0, 0x0102_0304, 65_000, [(2, 3)], [(5, 6), (9, 9)], [7u32])
        .unwrap();
    w.finish(ChecksumAlgorithm::Crc32c);
    let mut want: Vec<u8> = vec![0x10, 0, 0, 36];
    want.extend_from_slice(&0x0102_0304u32.to_be_bytes());
    want.extend_from_slice(&65_000u32.to_be_bytes());
    want.extend_from_slice(&[0, 1, 0, 2, 0, 1, 0, 0]);
    want.extend_from_slice(&[0, 2, 0, 3, 0, 5, 0, 6, 0, 9, 0, 9]);
    want.extend_from_slice(&7u32.to_be_bytes());
    assert_eq!(&buf[12..], &want[..]);
    let v = sctp_codec::PacketView::parse(&buf, sctp_codec::Rules::STANDARD).unwrap();
    let c = v.chunks().next().unwrap();
    let n = c.nr_sack().unwrap();
    assert_eq!((n.cum_tsn_ack(), n.a_rwnd()), (0x0102_0304, 65_000));
    assert_eq!(n.gap_blocks().collect::<Vec<_>>(), [(2, 3)]);
    assert_eq!(n.nr_gap_blocks().collect::<Vec<_>>(), [(5, 6), (9, 9)]);
    assert_eq!(n.dup_tsns().collect::<Vec<_>>(), [7]);
}
