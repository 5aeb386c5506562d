//! Writes an S-SCTP capture made with the codec: one packet per S-SCTP chunk
//! type of the registry (the rows with `DialectTag::Ssctp`), starting with
//! the SSOpReq handshake so that the `auto` dialect switches the association
//! to S-SCTP, then an ERROR chunk per S-SCTP cause, and the same SSOpReq_Ack
//! once more over UDP encapsulation (port 9899). Values come from the
//! codec's seeded generator, so the file is the same on every run.
//!
//! `cargo run -p dissector-plugin --example make_ssctp [OUT]`
//! (default OUT: `ssctp-all-chunks.pcap`).

use std::net::Ipv4Addr;

use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
use sctp_codec::cause::CauseBody;
use sctp_codec::chunk::{CausesChunk, ChunkBody};
use sctp_codec::gen::Gen;
use sctp_codec::link::build::{self, Framing, LinkKind};
use sctp_codec::registry::{self, DialectTag, Family, TypeInfo};
use sctp_codec::{Cause, Chunk, CommonHeader, Packet};

const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 20);
/// Verification tag of every packet (one association).
pub const VTAG: u32 = 0x5ec0_5ec0;

fn sctp(chunk: Chunk<'static>) -> Vec<u8> {
    let header = CommonHeader {
        source_port: 5000,
        destination_port: 5001,
        verification_tag: VTAG,
    };
    Packet::new(header, vec![chunk]).encode()
}

/// The S-SCTP rows of one family, handshake (0xD0..) first.
pub fn ssctp_rows(family: Family) -> Vec<&'static TypeInfo> {
    let mut v: Vec<&'static TypeInfo> = registry::all()
        .filter(|t| t.family == family && t.dialect == DialectTag::Ssctp)
        .collect();
    v.sort_by_key(|t| (t.value < 0xD0, t.value));
    v
}

/// A chunk of S-SCTP type `t` with every flag bit set and generated fields.
fn chunk_of(t: &TypeInfo, g: &mut Gen) -> Chunk<'static> {
    let flags = t.flags.iter().fold(0u8, |f, fl| f | fl.mask);
    Chunk::new(t.value as u8, flags, ChunkBody::generate_known(t, g, 1))
}

/// An IPv4 frame A -> B holding `sctp`, UDP-encapsulated on port 9899 if `udp`.
fn ipv4(id: u16, sctp: &[u8], udp: bool) -> Vec<u8> {
    let f = Framing {
        src: A.into(),
        dst: B.into(),
        udp: udp.then_some((9899, 9899)),
        link: LinkKind::Raw,
        ip_id: id,
    };
    build::frame(sctp, &f).expect("IPv4 frame")
}

/// The capture's IP packets, in order, and the chunk type each one carries.
pub fn packets() -> Vec<(Vec<u8>, u8)> {
    let mut g = Gen::new(0x5ec7);
    let mut out = Vec::new();
    let mut id = 1u16;
    for t in ssctp_rows(Family::Chunk) {
        let c = chunk_of(t, &mut g);
        out.push((ipv4(id, &sctp(c), false), t.value as u8));
        id += 1;
    }
    for t in ssctp_rows(Family::Cause) {
        let cause = Cause::new(t.value, CauseBody::generate_known(t, &mut g, 1));
        let c = Chunk::new(
            0x09,
            0,
            ChunkBody::Error(CausesChunk {
                causes: vec![cause],
            }),
        );
        out.push((ipv4(id, &sctp(c), false), 0x09));
        id += 1;
    }
    // SSOpReq_Ack again, UDP-encapsulated (RFC 6951, port 9899).
    if let Some(t) = ssctp_rows(Family::Chunk)
        .into_iter()
        .find(|t| t.value == 0xD2)
    {
        let c = chunk_of(t, &mut g);
        out.push((ipv4(id, &sctp(c), true), 0xD2));
    }
    out
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ssctp-all-chunks.pcap".into());
    let mut w = PcapWriter::create(std::path::Path::new(&path), LINKTYPE_RAW)?;
    for (k, (p, _)) in packets().iter().enumerate() {
        w.write_packet(1_700_000_000 + k as u32, 0, p)?;
    }
    w.flush()?;
    eprintln!("wrote {} packets to {path}", packets().len());
    Ok(())
}
