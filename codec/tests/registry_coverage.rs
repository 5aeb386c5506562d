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
        DialectTag::Ssctp => Rules::SSCTP,
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
    assert_eq!(
        params,
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
