//! Coverage: every chunk, parameter and cause listed in
//! `../shared/spec/registry.tsv` has a registry entry and decodes to its typed
//! variant (never to `Unknown`), in the dialect the table gives it.

use sctp_codec::cause::{Cause, CauseBody, CAUSE_TYPES};
use sctp_codec::chunk::CausesChunk;
use sctp_codec::chunk::ReConfigChunk;
use sctp_codec::chunk::{Chunk, ChunkBody, CHUNK_TYPES};
use sctp_codec::gen::Gen;
use sctp_codec::packet::{CommonHeader, DecodeOptions, Packet};
use sctp_codec::param::{Param, ParamBody, PARAM_TYPES};
use sctp_codec::registry::{DialectTag, Family, TypeInfo};
use sctp_codec::Rules;

struct Row {
    kind: String,
    dialect: DialectTag,
    value: u16,
    name: String,
}

fn rows() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/spec/registry.tsv"
    );
    let text = std::fs::read_to_string(path).expect("../shared/spec/registry.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let kind = f[0].to_string();
            if !matches!(kind.as_str(), "chunk" | "param" | "cause") {
                return None;
            }
            let dialect = if f[1] == "ssctp" {
                DialectTag::Ssctp
            } else {
                DialectTag::Standard
            };
            let value = u16::from_str_radix(f[2].trim_start_matches("0x"), 16).unwrap();
            Some(Row {
                kind,
                dialect,
                value,
                name: f[3].to_string(),
            })
        })
        .collect()
}

fn info(family: Family, table: &'static [TypeInfo], r: &Row) -> &'static TypeInfo {
    table
        .iter()
        .find(|t| t.family == family && t.dialect == r.dialect && t.value == r.value)
        .unwrap_or_else(|| {
            panic!(
                "{} {:#x} {} ({:?}) has no registry entry",
                r.kind, r.value, r.name, r.dialect
            )
        })
}

fn rules(d: DialectTag) -> Rules {
    match d {
        DialectTag::Standard => Rules::STANDARD,
        DialectTag::Ssctp | DialectTag::SsctpContext => Rules::SSCTP,
    }
}

fn decode(bytes: &[u8], d: DialectTag) -> Packet<'_> {
    Packet::decode(
        bytes,
        &DecodeOptions {
            rules: rules(d),
            strict: true,
        },
    )
    .expect("strict decode")
}

#[test]
fn every_registry_row_is_typed() {
    let rows = rows();
    let (mut chunks, mut params, mut causes) = (0, 0, 0);
    for r in &rows {
        let mut g = Gen::new(r.value as u64 * 7919 + 1);
        g.ssctp = r.dialect == DialectTag::Ssctp;
        let hdr = CommonHeader {
            source_port: 1,
            destination_port: 2,
            verification_tag: 3,
        };
        match r.kind.as_str() {
            "chunk" => {
                let i = info(Family::Chunk, CHUNK_TYPES, r);
                assert_eq!(i.name, r.name, "name of chunk {:#x}", r.value);
                let body = ChunkBody::generate_known(i, &mut g, 0);
                let p = Packet::new(hdr, vec![Chunk::new(r.value as u8, 0, body)]);
                let bytes = p.encode();
                let back = decode(&bytes, r.dialect);
                let c = &back.chunks[0];
                assert!(
                    !matches!(c.body, ChunkBody::Unknown(_) | ChunkBody::Malformed(..)),
                    "chunk {:#x} {} decoded as {:?}",
                    r.value,
                    r.name,
                    c.body
                );
                assert_eq!(c.info().unwrap().value, r.value);
                chunks += 1;
            }
            "param" => {
                let i = info(Family::Param, PARAM_TYPES, r);
                assert_eq!(i.name, r.name, "name of param {:#x}", r.value);
                let prm = Param::new(r.value, ParamBody::generate_known(i, &mut g, 0));
                let body = ChunkBody::ReConfig(ReConfigChunk { params: vec![prm] });
                let bytes = Packet::new(hdr, vec![Chunk::new(0x82, 0, body)]).encode();
                let back = decode(&bytes, r.dialect);
                let ChunkBody::ReConfig(rc) = &back.chunks[0].body else {
                    panic!("RE-CONFIG")
                };
                assert!(
                    !matches!(
                        rc.params[0].body,
                        ParamBody::Unknown(_) | ParamBody::Malformed(..)
                    ),
                    "param {:#x} {} decoded as {:?}",
                    r.value,
                    r.name,
                    rc.params[0].body
                );
                params += 1;
            }
            _ => {
                let i = info(Family::Cause, CAUSE_TYPES, r);
                assert_eq!(i.name, r.name, "name of cause {:#x}", r.value);
                let cause = Cause::new(r.value, CauseBody::generate_known(i, &mut g, 0));
                let body = ChunkBody::Error(CausesChunk {
                    causes: vec![cause],
                });
                let bytes = Packet::new(hdr, vec![Chunk::new(0x09, 0, body)]).encode();
                let back = decode(&bytes, r.dialect);
                let ChunkBody::Error(e) = &back.chunks[0].body else {
                    panic!("ERROR")
                };
                assert!(
                    !matches!(
                        e.causes[0].body,
                        CauseBody::Unknown(_) | CauseBody::Malformed(..)
                    ),
                    "cause {:#x} {} decoded as {:?}",
                    r.value,
                    r.name,
                    e.causes[0].body
                );
                causes += 1;
            }
        }
    }
    eprintln!(
        "coverage: {chunks} chunk types, {params} parameter types, {causes} cause codes typed"
    );
    assert_eq!(
        chunks,
        CHUNK_TYPES.len(),
        "registry has chunk rows the spec table lacks"
    );
    let by_context = PARAM_TYPES
        .iter()
        .filter(|t| t.dialect == DialectTag::SsctpContext)
        .count();
    assert_eq!(
        by_context, 6,
        "the four lost S-SCTP parameters, two in two forms"
    );
    assert_eq!(
        params + by_context,
        PARAM_TYPES.len(),
        "registry has parameter rows the spec table lacks"
    );
    assert_eq!(
        causes,
        CAUSE_TYPES.len(),
        "registry has cause rows the spec table lacks"
    );
}

#[test]
fn ssctp_numbers_are_unknown_in_the_standard_dialect() {
    // 0xD2 SSOpReq_Ack, CF=1, version 1.0, suite 12 (secure-sctp.md 3.3 example).
    let mut b = vec![0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0];
    b.extend([
        0xD2, 0x01, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00,
    ]);
    let std = decode(&b, DialectTag::Standard);
    assert!(matches!(std.chunks[0].body, ChunkBody::Unknown(_)));
    let s = decode(&b, DialectTag::Ssctp);
    let ChunkBody::SsOpReqAck(a) = &s.chunks[0].body else {
        panic!("{:?}", s.chunks[0].body)
    };
    assert_eq!(
        (a.version, a.cipher_suite, a.compression_method),
        (0x0100, 12, Some(0))
    );
    assert_eq!(s.chunks[0].flag("cf"), Some(1));
}

/// Bytes of one S-SCTP packet (ports 1 -> 2, tag 3) holding `chunks`, written
/// by hand from the figures of secure-sctp.md 3.1 to 3.5.
fn ssctp_packet(chunks: &[&[u8]]) -> Vec<u8> {
    let mut b = vec![0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0];
    for c in chunks {
        b.extend_from_slice(c);
        b.resize(b.len().next_multiple_of(4), 0);
    }
    b
}

fn param_names(p: &Packet<'_>, k: usize) -> Vec<(u16, &'static str)> {
    let list: Vec<&Param> = match &p.chunks[k].body {
        ChunkBody::SsOpReq(c) => c.params.iter().collect(),
        ChunkBody::SsSerKey(c) | ChunkBody::SsCliKey(c) => c.params.iter().collect(),
        ChunkBody::SsCert(c) => match &c.certificate_parameters {
            sctp_codec::tlv::Nested::Parsed(v) => v.iter().collect(),
            sctp_codec::tlv::Nested::Raw(r) => panic!("raw {r:?}"),
        },
        b => panic!("{b:?}"),
    };
    list.iter().map(|p| (p.ty, p.name())).collect()
}

#[test]
fn lost_ssctp_parameters_are_typed_by_their_carrier() {
    use sctp_codec::{Decoder, Dialect};
    // SSOpReq: version 1.0, key material 1024, cipher list (type 30: suites 12, 6)
    // and a TLV of unknown type 0x7777 holding compression method 0.
    let opreq: &[u8] = &[
        0xD0, 0, 0, 24, 1, 0, 4, 0, 0, 30, 0, 8, 0, 12, 0, 6, 0x77, 0x77, 0, 6, 0, 0,
    ];
    // SSCert: DER certificate 30 03 01 02 03, padding, one more certificate TLV.
    let cert: &[u8] = &[
        0xD1, 0, 0, 20, 0x30, 3, 1, 2, 3, 0, 0, 0, 0x12, 0x34, 0, 8, 0x30, 2, 9, 9,
    ];
    // SSSerKey with a server DH parameter: LP 2, LG 1, LY 2, P, G, Y, 3-byte signature.
    let serkey: &[u8] = &[
        0xD3, 0, 0, 24, 0x55, 0x55, 0, 20, 0, 2, 0, 1, 0, 2, 0, 0, 0xAA, 0xBB, 2, 0xCC, 0xDD, 7, 8,
        9,
    ];
    let clikey: &[u8] = &[0xD4, 2, 0, 12, 0x66, 0x66, 0, 8, 1, 2, 3, 4];
    let b = ssctp_packet(&[opreq, cert, serkey, clikey]);
    let p = decode(&b, DialectTag::Ssctp);
    assert_eq!(
        param_names(&p, 0),
        [(30, "Cipher Suite"), (0x7777, "Compression Method")]
    );
    assert_eq!(param_names(&p, 1), [(0x1234, "Certificate")]);
    assert_eq!(param_names(&p, 2), [(0x5555, "Diffie-Hellman (server)")]);
    assert_eq!(param_names(&p, 3), [(0x6666, "Diffie-Hellman (client)")]);
    let ChunkBody::SsSerKey(k) = &p.chunks[2].body else {
        panic!()
    };
    let ParamBody::DhServer(dh) = &k.params[0].body else {
        panic!()
    };
    assert_eq!(
        (
            &dh.dh_prime_number[..],
            &dh.dh_primitive_root[..],
            &dh.dh_public_value[..],
            &dh.signature[..]
        ),
        (
            &[0xAA, 0xBB][..],
            &[2][..],
            &[0xCC, 0xDD][..],
            &[7, 8, 9][..]
        )
    );
    assert_eq!(p.encode(), b, "raw types and bytes survive");

    // In one association: SSOpReq_Ack picks suite 6 (RSA_with_AES-128_CBC_SHA-1),
    // so SSCliKey carries the client RSA parameter; after SSOpCom a rekey is RSA too.
    let key = sctp_codec::dialect::assoc_key(
        ("10.0.0.1".parse().unwrap(), 1),
        ("10.0.0.2".parse().unwrap(), 2),
    );
    for dialect in [Dialect::SecureSctp, Dialect::Auto] {
        let mut d = Decoder::new(dialect);
        let ack = ssctp_packet(&[&[0xD2, 0, 0, 12, 1, 0, 0, 6, 0, 0, 0, 0]]);
        d.decode(&ack, Some(key)).unwrap();
        let cli = ssctp_packet(&[clikey]);
        let p = d.decode(&cli, Some(key)).unwrap();
        assert_eq!(
            param_names(&p, 0),
            [(0x6666, "RSA (client)")],
            "{dialect:?}"
        );
        // A server key that does not have the DH shape is RSA even without context.
        let ser = ssctp_packet(&[&[0xD3, 0, 0, 12, 0x55, 0x55, 0, 8, 0xFF, 0xFF, 0, 0]]);
        let p = d.decode(&ser, Some(key)).unwrap();
        assert_eq!(
            param_names(&p, 0),
            [(0x5555, "RSA (server)")],
            "{dialect:?}"
        );
    }
    // A DH suite (12) bundled with the server's key: DH from the same packet on.
    let mut d = Decoder::new(Dialect::SecureSctp);
    let bundle = ssctp_packet(&[&[0xD2, 0, 0, 12, 1, 0, 0, 12, 0, 0, 0, 0], serkey]);
    let p = d.decode(&bundle, Some(key)).unwrap();
    assert_eq!(param_names(&p, 1), [(0x5555, "Diffie-Hellman (server)")]);
    let cli = ssctp_packet(&[clikey]);
    let p = d.decode(&cli, Some(key)).unwrap();
    assert_eq!(param_names(&p, 0), [(0x6666, "Diffie-Hellman (client)")]);
    d.decode(&ssctp_packet(&[&[0xD5, 0, 0, 8, 1, 2, 3, 4]]), Some(key))
        .unwrap();
    let p = d.decode(&cli, Some(key)).unwrap();
    assert_eq!(
        param_names(&p, 0),
        [(0x6666, "RSA (client)")],
        "rekey after SSOpCom"
    );
}

#[test]
fn ssctp_auth_hmac_input_zeroes_checksum_and_hmac() {
    use sctp_codec::chunk::ssctp_auth_hmac_input;
    // Common header with checksum 0xDEADBEEF, a SACK-free DATA-less packet:
    // SSClose_Ack (D7 00 00 04), then AUTH 0x11: key ref 5, reserved, 16-byte HMAC.
    let mut p = vec![0, 1, 0, 2, 0, 0, 0, 3, 0xDE, 0xAD, 0xBE, 0xEF];
    p.extend([0xD7, 0, 0, 4]);
    p.extend([0x11, 0, 0, 24, 0, 5, 0, 0]);
    p.extend(1..=16u8);
    let input = ssctp_auth_hmac_input(&p).unwrap();
    let mut want = vec![0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0xD7, 0, 0, 4];
    want.extend([0x11, 0, 0, 24, 0, 5, 0, 0]);
    want.extend([0u8; 16]);
    assert_eq!(input, want);
    // AUTH not last: an error naming the offset of the last chunk.
    let mut q = p.clone();
    q.extend([0xD7, 0, 0, 4]);
    let e = ssctp_auth_hmac_input(&q).unwrap_err();
    assert_eq!(e.offset, 40);
    // Found by cargo fuzz: a last chunk whose padding runs past the end.
    let fuzz = [
        61, 121, 121, 121, 138, 254, 255, 191, 255, 255, 255, 255, 10, 27, 0, 5, 215,
    ];
    assert!(ssctp_auth_hmac_input(&fuzz).is_err());
}
