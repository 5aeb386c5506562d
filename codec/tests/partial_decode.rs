//! Lenient decoding keeps what decoded before the damage (issue 15, item 13):
//! a chunk whose value does not decode as its type stays `Malformed` (raw,
//! byte-exact, with its error), and its fixed fields and the TLVs before the
//! damage are kept beside it (`Chunk::partial`) and described, then the
//! malformed rest, as tshark shows them.

use sctp_codec::chunk::{Chunk, ChunkBody};
use sctp_codec::error::ErrorKind;
use sctp_codec::param::ParamBody;
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::{DecodeOptions, Packet};

/// The SCTP packet of erlang-pkt-sctp-init-ack.pcap (shared corpus): an
/// INIT ACK with three IPv4 addresses, a State Cookie (Length 10), ECN and
/// Forward-TSN-Supported.
const INIT_ACK: &str = concat!(
    "07d69471c5958b9fb98fe2e9",
    "0200004014a4814f00010000000a00057067f212",
    "000500087f000001",
    "00050008c0a80166",
    "00050008c0a80202",
    "0007000a15eb83c372c00000",
    "80000004c0000004",
);

fn init_ack() -> Vec<u8> {
    hex::decode(INIT_ACK).unwrap()
}

/// The INIT ACK with the State Cookie's Length (at offset 58) made 990: the
/// parameter runs past the chunk, as in a capture cut short.
fn init_ack_cut() -> Vec<u8> {
    let mut b = init_ack();
    assert_eq!(&b[56..60], &[0, 7, 0, 10]);
    b[58..60].copy_from_slice(&990u16.to_be_bytes());
    b
}

/// Every event of a walk, one line each.
#[derive(Default)]
struct Events(Vec<String>);

impl Visitor for Events {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        let v = match value {
            Value::Uint { v, .. } => v.to_string(),
            Value::Bytes(b) => hex::encode(b),
            Value::Ipv4(a) => a.to_string(),
            other => format!("{other:?}"),
        };
        self.0.push(format!("{name}={v} @{}", span.at));
    }
    fn open(&mut self, name: &'static str, span: Span, node: Node) {
        let what = match node {
            Node::Param { name, .. } | Node::Chunk { name, .. } => name,
            _ => name,
        };
        self.0.push(format!("open {what} @{}", span.at));
    }
    fn close(&mut self) {
        self.0.push("close".into());
    }
    fn malformed(&mut self, span: Span, error: &sctp_codec::DecodeError) {
        self.0
            .push(format!("malformed @{} len {}: {error}", span.at, span.len));
    }
}

fn lenient(b: &[u8]) -> Packet<'_> {
    Packet::decode(b, &DecodeOptions::default()).unwrap()
}

#[test]
fn init_ack_cut_short_keeps_its_fixed_fields_and_the_parameters_before_the_damage() {
    let b = init_ack_cut();
    let p = lenient(&b);
    assert_eq!(p.chunks.len(), 1);
    let c = &p.chunks[0];
    // Still malformed, raw and byte-exact.
    let ChunkBody::Malformed(raw, e) = &c.body else {
        panic!("not malformed: {:?}", c.body)
    };
    assert_eq!(raw.len(), 60);
    assert_eq!(e.offset, 56, "{e}");
    assert!(matches!(e.kind, ErrorKind::BadLength { length: 990, .. }));
    assert_eq!(p.encode()[12..], b[12..]);
    // What decoded before the damage.
    let part = c.partial.as_deref().expect("no partial decode kept");
    assert_eq!(part.len, 40, "fixed fields and three parameters");
    let ChunkBody::InitAck(i) = &part.body else {
        panic!("{:?}", part.body)
    };
    assert_eq!(
        (
            i.initiate_tag,
            i.a_rwnd,
            i.number_of_outbound_streams,
            i.number_of_inbound_streams,
            i.initial_tsn
        ),
        (0x14a4814f, 65536, 10, 5, 1885860370)
    );
    let addrs: Vec<String> = i
        .params
        .iter()
        .map(|p| match &p.body {
            ParamBody::Ipv4Address(a) => a.ipv4_address.to_string(),
            b => format!("{b:?}"),
        })
        .collect();
    assert_eq!(addrs, ["127.0.0.1", "192.168.1.102", "192.168.2.2"]);
    // The walk shows them, then where decoding stops and the rest raw.
    let mut ev = Events::default();
    p.describe(&mut ev);
    let ev = ev.0.join("\n");
    for want in [
        "initiate_tag=346325327 @16",
        "a_rwnd=65536 @20",
        "number_of_outbound_streams=10 @24",
        "number_of_inbound_streams=5 @26",
        "initial_tsn=1885860370 @28",
        "ipv4_address=192.168.2.2 @52",
        "malformed @56 len 20: offset 56: bad param length 990 (20 bytes available)",
        "value=000703de15eb83c372c0000080000004c0000004 @56",
    ] {
        assert!(ev.contains(want), "{want:?} missing from\n{ev}");
    }
    // Strict decoding still refuses it.
    let strict = DecodeOptions {
        strict: true,
        ..Default::default()
    };
    assert!(Packet::decode(&b, &strict).is_err());
}

#[test]
fn sack_with_an_impossible_gap_count_keeps_its_cumulative_ack_and_window() {
    // SACK: cum ack 1000, a_rwnd 65536, 300 gap blocks announced, 1 present,
    // no duplicates.
    let mut b = hex::decode(
        "13881389000000010000000003000014000003e80001000001 2c0000 00020003".replace(' ', ""),
    )
    .unwrap();
    assert_eq!(b.len(), 32);
    let p = lenient(&b);
    let c = &p.chunks[0];
    assert!(matches!(c.body, ChunkBody::Malformed(..)), "{:?}", c.body);
    let part = c.partial.as_deref().expect("no partial decode kept");
    let ChunkBody::Sack(s) = &part.body else {
        panic!("{:?}", part.body)
    };
    assert_eq!((s.cumulative_tsn_ack, s.a_rwnd), (1000, 65536));
    assert_eq!(s.number_of_gap_ack_blocks, Some(300));
    assert_eq!(s.gap_ack_blocks.len(), 1);
    assert_eq!((s.gap_ack_blocks[0].start, s.gap_ack_blocks[0].end), (2, 3));
    assert_eq!(part.len, 16);
    assert_eq!(p.encode()[12..], b[12..]);
    let mut ev = Events::default();
    p.describe(&mut ev);
    let ev = ev.0.join("\n");
    for want in [
        "cumulative_tsn_ack=1000 @16",
        "a_rwnd=65536 @20",
        "number_of_gap_ack_blocks=300 @24",
        "start=2 @28",
        "malformed @32 len 0",
    ] {
        assert!(ev.contains(want), "{want:?} missing from\n{ev}");
    }
    // One duplicate TSN announced and none present: the gap block is whole.
    b[24..28].copy_from_slice(&[0, 1, 0, 1]);
    let p = lenient(&b);
    let part = p.chunks[0].partial.as_deref().expect("no partial decode");
    let ChunkBody::Sack(s) = &part.body else {
        panic!()
    };
    assert_eq!(s.gap_ack_blocks.len(), 1);
    assert_eq!(s.number_of_duplicate_tsns, Some(1));
    assert!(s.duplicate_tsns.is_empty());
}

#[test]
fn a_value_too_short_for_its_type_shows_the_fixed_fields_it_holds() {
    // DATA with Length 12: TSN, stream identifier and SSN, no PPID.
    let b = hex::decode("138813890000000100000000 0000000c 0000002a 0007 0001".replace(' ', ""))
        .unwrap();
    let p = lenient(&b);
    let c: &Chunk = &p.chunks[0];
    assert!(matches!(c.body, ChunkBody::Malformed(..)));
    assert!(c.partial.is_none());
    let mut ev = Events::default();
    p.describe(&mut ev);
    let ev = ev.0.join("\n");
    for want in [
        "tsn=42 @16",
        "stream_identifier=7 @20",
        "stream_sequence_number=1 @22",
    ] {
        assert!(ev.contains(want), "{want:?} missing from\n{ev}");
    }
    assert!(!ev.contains("payload_protocol_identifier"), "{ev}");
    assert_eq!(p.encode()[12..], b[12..]);
}

#[test]
fn well_formed_chunks_have_no_partial_decode() {
    let b = init_ack();
    let p = lenient(&b);
    assert!(matches!(p.chunks[0].body, ChunkBody::InitAck(_)));
    assert!(p.chunks[0].partial.is_none());
}
