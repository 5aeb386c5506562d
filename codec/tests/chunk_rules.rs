//! Chunk-level rules checked against their texts, on bytes written by hand (never made
//! by the codec): the action bits of RFC 9260 3.2, named flag bits, the 16-bit Chunk
//! Length limit, the name of a chunk that fails to decode, a chunk's bytes alone, and
//! the 0x10 plausibility tests of `../shared/spec/secure-sctp.md` section 11 rule 5.
//! Written to kill mutants `scripts/mutants.sh` found alive.

use std::borrow::Cow;

use sctp_codec::chunk::{Chunk, ChunkBody, DataChunk};
use sctp_codec::dialect::X10;
use sctp_codec::registry::DialectTag;
use sctp_codec::{DecodeOptions, Packet, Rules};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

/// The chunks of a packet: a common header (ports 1 -> 2, vtag 3, checksum 0) then
/// `chunks_hex`.
fn chunks(chunks_hex: &str, rules: Rules) -> Vec<Chunk<'static>> {
    let b: &'static [u8] =
        Box::leak(unhex(&format!("0001 0002 00000003 00000000 {chunks_hex}")).into_boxed_slice());
    let p = Packet::decode(
        b,
        &DecodeOptions {
            rules,
            strict: false,
        },
    )
    .unwrap();
    assert_eq!(p.encode(), b);
    p.chunks
}

fn one(chunk_hex: &str, rules: Rules) -> Chunk<'static> {
    let mut v = chunks(chunk_hex, rules);
    assert_eq!(v.len(), 1, "{v:?}");
    v.remove(0)
}

/// RFC 9260 3.2: the two highest-order bits of the Chunk Type say what a receiver that
/// does not know the type does: 00 stop, 01 stop and report, 10 skip, 11 skip and report.
#[test]
fn action_bits_are_the_top_two_bits_of_the_type() {
    for (ty, bits) in [
        (0x00u8, 0u8),
        (0x3f, 0),
        (0x40, 1),
        (0x7f, 1),
        (0x80, 2),
        (0xbf, 2),
        (0xc0, 3),
        (0xd0, 3),
        (0xff, 3),
    ] {
        let c = one(&format!("{ty:02x} 00 0004"), Rules::STANDARD);
        assert_eq!(c.action_bits(), bits, "type {ty:#04x}");
    }
}

/// Named flag bits (RFC 9260 3.3.1 DATA: I 0x08, U 0x04, B 0x02, E 0x01; S-SCTP
/// SecLevCHD: SL, the low two bits).
#[test]
fn named_flags_read_their_bits() {
    let d = one("00 06 0011 00000001 0002 0003 00000004 ff", Rules::STANDARD);
    assert_eq!(
        ["i_bit", "u_bit", "b_bit", "e_bit"].map(|f| d.flag(f)),
        [Some(0), Some(1), Some(1), Some(0)]
    );
    assert_eq!(d.flag("sl"), None, "DATA has no SL");
    let d = one("00 09 0011 00000001 0002 0003 00000004 ff", Rules::STANDARD);
    assert_eq!(
        ["i_bit", "u_bit", "b_bit", "e_bit"].map(|f| d.flag(f)),
        [Some(1), Some(0), Some(0), Some(1)]
    );
    for sl in 0..4u8 {
        let c = one(&format!("d8 {sl:02x} 0004"), Rules::SSCTP);
        assert_eq!(c.flag("sl"), Some(sl));
    }
    // An unknown chunk type has no named flags.
    assert_eq!(one("fe 01 0004", Rules::STANDARD).flag("e_bit"), None);
}

/// RFC 9260 3.2: Chunk Length is 16 bits: a chunk of 65,535 bytes can be written, one
/// of 65,536 cannot.
#[test]
fn chunk_length_limit_is_65535() {
    let data = |n: usize| {
        Chunk::new(
            0,
            3,
            ChunkBody::Data(DataChunk {
                tsn: 1,
                stream_identifier: 0,
                stream_sequence_number: 0,
                payload_protocol_identifier: 0,
                user_data: Cow::Owned(vec![0; n]),
            }),
        )
    };
    assert_eq!(data(65_535 - 16).checked_length().unwrap(), 65_535);
    assert!(data(65_536 - 16).checked_length().is_err());
    assert_eq!(data(5).checked_length().unwrap(), 21);
}

/// A chunk whose value does not fit its type keeps the name of its registered type
/// (SACK, not another standard type; SSOpReq_Ack, which has only an S-SCTP row).
#[test]
fn a_malformed_chunk_keeps_its_type_name() {
    // SACK with Length 8: the fixed fields need 12 bytes.
    let c = one("03 00 0008 00000001", Rules::STANDARD);
    assert!(matches!(c.body, ChunkBody::Malformed(..)), "{c:?}");
    assert_eq!(c.name(), "SACK");
    assert_eq!(c.info().unwrap().value, 3);
    // INIT ACK with Length 8.
    let c = one("02 00 0008 00000001", Rules::STANDARD);
    assert!(matches!(c.body, ChunkBody::Malformed(..)), "{c:?}");
    assert_eq!(c.name(), "INIT-ACK");
    // 0x10 with Length 8 in the standard dialect: a malformed NR-SACK (the standard
    // row first), not EncData.
    let c = one("10 00 0008 00000001", Rules::STANDARD);
    assert!(matches!(c.body, ChunkBody::Malformed(..)), "{c:?}");
    assert_eq!(c.name(), "NR-SACK");
    // SSOpReq_Ack with Length 6 (at least 8).
    let c = one("d2 00 0006 0100 0000", Rules::SSCTP);
    assert!(matches!(c.body, ChunkBody::Malformed(..)), "{c:?}");
    assert_eq!(c.name(), "SSOpReq_Ack");
    assert_eq!(c.info().unwrap().dialect, DialectTag::Ssctp);
}

/// `to_bytes` is the chunk alone as on the wire: header, value, padding.
#[test]
fn a_chunk_alone_is_its_wire_bytes() {
    let hex = "00 03 0015 000003e8 0000 0000 00000033 68656c6c6f 000000";
    let c = one(hex, Rules::STANDARD);
    assert_eq!(c.to_bytes(), unhex(hex));
    let c = one("0b 00 0004", Rules::STANDARD);
    assert_eq!(c.to_bytes(), unhex("0b000004"));
}

/// secure-sctp.md 11 rule 5: with no handshake seen, 0x10 is decided by two tests.
/// NR-SACK plausible: Length == 20 + 4(N + M) + 4X (N, M, X at offsets 12, 14, 16).
/// EncData plausible: flags 0, R (offset 6) is 8 or 16, Length - 8 - R > 0 and a
/// multiple of 8. Exactly one passing decides; both or neither leave it raw, unless
/// the strong S-SCTP signal (AUTH of Length 24/28 last) makes it EncData.
#[test]
fn x10_plausibility_tests_decide_nr_sack_or_encdata() {
    let guess = |strong| Rules {
        x10: X10::Guess { strong },
        ..Rules::SSCTP
    };
    let is = |c: &Chunk<'_>| match &c.body {
        ChunkBody::NrSack(_) => "NR-SACK",
        ChunkBody::EncData(_) => "EncData",
        ChunkBody::Unknown(_) => "raw",
        _ => "other",
    };
    // NR-SACK only: Length 20, N = M = X = 0; R (low half of the cumulative TSN) = 1.
    let nr = "10 00 0014 00000001 00010000 0000 0000 0000 0000";
    // EncData only: R = 16, 16-byte IV, 16 bytes; N, M, X read from the IV do not add up.
    let enc = "10 00 0028 0007 0010 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf \
               b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
    // Both: Length 24 = 20 + 4 * (N = 1); R = 8 and 24 - 8 - 8 = 8.
    let both = "10 00 0018 00000008 00010000 0001 0000 0000 0000 00010002";
    // Neither: Length 24 but N = 2; R = 3.
    let neither = "10 00 0018 00000003 00010000 0002 0000 0000 0000 00010002";
    for strong in [false, true] {
        assert_eq!(is(&one(nr, guess(strong))), "NR-SACK", "strong {strong}");
        assert_eq!(is(&one(enc, guess(strong))), "EncData", "strong {strong}");
        assert_eq!(is(&one(neither, guess(strong))), "raw", "strong {strong}");
    }
    assert_eq!(is(&one(both, guess(false))), "raw");
    assert_eq!(is(&one(both, guess(true))), "EncData");
    // The fixed dialects do not guess.
    assert_eq!(is(&one(both, Rules::STANDARD)), "NR-SACK");
    assert_eq!(is(&one(both, Rules::SSCTP)), "EncData");
}

/// RFC 9260 3.2.1: the two highest-order bits of the Parameter Type say what a receiver
/// that does not know the parameter does (00 stop, 01 stop and report, 10 skip, 11 skip
/// and report).
#[test]
fn parameter_action_bits_are_the_top_two_bits_of_the_type() {
    // An INIT holding parameters 0x0005, 0x4321, 0x8000, 0xc000 (hand-written).
    let c = one(
        "01 00 0034 00000001 00010000 000a 000a 00000001 \
         0005 0008 c0000201  4321 0004  8000 0004  c000 0004  0005 0008 c0000202",
        Rules::STANDARD,
    );
    let ChunkBody::Init(i) = &c.body else {
        panic!("{c:?}")
    };
    let bits: Vec<(u16, u8)> = i.params.iter().map(|p| (p.ty, p.action_bits())).collect();
    assert_eq!(
        bits,
        [
            (0x0005, 0),
            (0x4321, 1),
            (0x8000, 2),
            (0xc000, 3),
            (0x0005, 0)
        ]
    );
}

/// Lints point at the right bytes: a second chunk's span starts after the first
/// chunk and its padding (RFC 9260 6.10: INIT must not be bundled).
#[test]
fn lint_spans_follow_the_chunk_lengths() {
    // DATA of Length 21 (+3 padding), then an INIT of Length 20.
    let b = unhex(
        "0001 0002 00000000 00000000 \
         00 03 0015 000003e8 0000 0000 00000033 68656c6c6f 000000 \
         01 00 0014 00000001 00010000 000a 000a 00000001",
    );
    let p = Packet::decode(&b, &DecodeOptions::default()).unwrap();
    let lints = sctp_codec::lint::lint(&p, None);
    let alone: Vec<(usize, usize)> = lints
        .iter()
        .filter(|l| l.code == "must-be-alone")
        .map(|l| (l.offset, l.len))
        .collect();
    assert_eq!(alone, [(36, 20)], "{lints:?}");
}

/// The flag masks the endpoint and the tools use, against their RFCs: DATA and I-DATA
/// I 0x08, U 0x04, B 0x02, E 0x01 (RFC 9260 3.3.1, RFC 8260 2.1); ABORT T 0x01 (RFC
/// 9260 3.3.7) and the NAT-support M 0x02; DTLS R 0x01 (draft-ietf-tsvwg-sctp-dtls-chunk);
/// PKTDROP M 0x01, B 0x02, T 0x04 (usrsctp `sctp.h`, secure-sctp.md 13).
#[test]
fn flag_masks_are_the_rfc_bits() {
    use sctp_codec::chunk::flags::*;
    assert_eq!([DATA_I, DATA_U, DATA_B, DATA_E], [0x08, 0x04, 0x02, 0x01]);
    assert_eq!(
        [I_DATA_I, I_DATA_U, I_DATA_B, I_DATA_E],
        [0x08, 0x04, 0x02, 0x01]
    );
    assert_eq!([T_BIT, M_BIT], [0x01, 0x02]);
    assert_eq!(DTLS_R, 0x01);
    assert_eq!([PKTDROP_M, PKTDROP_B, PKTDROP_T], [0x01, 0x02, 0x04]);
}
