//! Bad input gives a `DecodeError` with the right offset (strict mode) and a
//! kept-raw, still byte-exact packet (lenient mode); never a panic.

use sctp_codec::error::ErrorKind;
use sctp_codec::packet::{DecodeOptions, Packet};
use sctp_codec::{ChunkBody, Rules};

const STRICT: DecodeOptions = DecodeOptions {
    rules: Rules::STANDARD,
    strict: true,
};
const LENIENT: DecodeOptions = DecodeOptions {
    rules: Rules::STANDARD,
    strict: false,
};

fn pkt(chunks: &[u8]) -> Vec<u8> {
    let mut b = vec![0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 7, 0, 0, 0, 0];
    b.extend_from_slice(chunks);
    b
}

#[test]
fn truncated_common_header() {
    let e = Packet::decode(&[1, 2, 3, 4, 5], &LENIENT).unwrap_err();
    assert_eq!(e.offset, 0);
    assert!(matches!(
        e.kind,
        ErrorKind::Truncated {
            need: 12,
            have: 5,
            ..
        }
    ));
}

#[test]
fn chunk_length_past_the_end() {
    // DATA claiming 64 bytes with 12 present.
    let b = pkt(&[0, 3, 0, 64, 0, 0, 0, 1, 0, 0, 0, 0]);
    let e = Packet::decode(&b, &STRICT).unwrap_err();
    assert_eq!(e.offset, 12);
    assert!(matches!(
        e.kind,
        ErrorKind::BadLength {
            what: "chunk",
            length: 64,
            available: 12
        }
    ));
    // Lenient: the truncated chunk is kept with its Length as written.
    let p = Packet::decode(&b, &LENIENT).unwrap();
    assert_eq!(p.chunks.len(), 1);
    assert_eq!(p.chunks[0].wire_length(), 64);
    // 8 bytes of value cannot hold DATA's 12 bytes of fields: kept raw, still named.
    assert!(matches!(&p.chunks[0].body, ChunkBody::Malformed(v, _) if v.len() == 8));
    assert_eq!(p.chunks[0].name(), "DATA");
    assert!(sctp_codec::lint::lint(&p, None)
        .iter()
        .any(|l| l.code == "length-mismatch" && l.offset == 14));
    assert_eq!(p.error.as_ref().unwrap().offset, 12);
    assert_eq!(p.encode(), b);
}

#[test]
fn zero_length_chunk() {
    let b = pkt(&[0x0b, 0, 0, 4, 0x0b, 0, 0, 0]);
    let e = Packet::decode(&b, &STRICT).unwrap_err();
    assert_eq!(e.offset, 16);
    assert!(matches!(e.kind, ErrorKind::BadLength { length: 0, .. }));
    let p = Packet::decode(&b, &LENIENT).unwrap();
    assert_eq!(p.chunks.len(), 1);
    assert_eq!(p.encode(), b);
}

#[test]
fn data_chunk_too_short_for_its_fields() {
    // DATA with Length 10: the fixed fields need 12 bytes of value.
    let b = pkt(&[0, 3, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0]);
    let e = Packet::decode(&b, &STRICT).unwrap_err();
    assert_eq!(
        e.offset,
        16 + 6,
        "the Stream Sequence Number is where the 6-byte value runs out"
    );
    let p = Packet::decode(&b, &LENIENT).unwrap();
    assert!(matches!(p.chunks[0].body, ChunkBody::Malformed(..)));
    assert_eq!(p.encode(), b);
}

#[test]
fn nested_parameter_overruns_its_chunk() {
    // INIT (Length 28) whose only parameter claims 40 bytes.
    let mut c = vec![1, 0, 0, 28, 0, 0, 0, 9, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5];
    c.extend([0x00, 0x05, 0x00, 40, 10, 0, 0, 1]);
    let b = pkt(&c);
    let e = Packet::decode(&b, &STRICT).unwrap_err();
    assert_eq!(e.offset, 12 + 20, "offset of the bad parameter");
    assert!(matches!(
        e.kind,
        ErrorKind::BadLength {
            what: "param",
            length: 40,
            available: 8
        }
    ));
    let p = Packet::decode(&b, &LENIENT).unwrap();
    assert!(matches!(p.chunks[0].body, ChunkBody::Malformed(..)));
    assert_eq!(p.encode(), b);
}

#[test]
fn absurd_gap_block_count() {
    // SACK claiming 65535 gap blocks in a 16-byte chunk.
    let b = pkt(&[3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0x10, 0, 0xff, 0xff, 0, 0]);
    let e = Packet::decode(&b, &STRICT).unwrap_err();
    assert_eq!(e.offset, 16);
    assert!(matches!(e.kind, ErrorKind::BadCount { count: 65535, .. }));
    assert_eq!(Packet::decode(&b, &LENIENT).unwrap().encode(), b);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // ERROR > Unrecognized Chunk Type > ERROR > ... 40 levels deep.
    let mut inner: Vec<u8> = vec![0x0b, 0, 0, 4];
    for _ in 0..40 {
        let mut cause = vec![0, 6];
        cause.extend(((inner.len() + 4) as u16).to_be_bytes());
        cause.extend(&inner);
        let mut chunk = vec![9, 0];
        chunk.extend(((cause.len() + 4) as u16).to_be_bytes());
        chunk.extend(&cause);
        inner = chunk;
    }
    let b = pkt(&inner);
    let p = Packet::decode(&b, &LENIENT).unwrap();
    assert_eq!(p.encode(), b);
    // Strict mode keeps the too-deep part raw inside the Nested wrapper rather than failing.
    let _ = Packet::decode(&b, &STRICT);
}

#[test]
fn nonzero_padding_is_kept_and_linted() {
    // DATA with 1 byte of user data and padding 0xAA 0xBB 0xCC.
    let b = pkt(&[
        0, 3, 0, 17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xAA, 0xBB, 0xCC,
    ]);
    let p = Packet::decode(&b, &STRICT).unwrap();
    assert_eq!(p.encode(), b);
    let lints = sctp_codec::lint::lint(&p, None);
    let l = lints
        .iter()
        .find(|l| l.code == "nonzero-padding")
        .expect("lint");
    assert_eq!(l.offset, 12 + 17);
}
