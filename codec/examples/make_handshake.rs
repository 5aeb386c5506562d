//! Writes `captures/handshake.pcap`: a complete association crafted with the
//! codec (setup, fragmented and bundled DATA, SACK with a gap, HEARTBEAT,
//! graceful shutdown), raw IPv4, good CRC32c. It is the capture the README's
//! first command dissects.
//!
//! `cargo run -p sctp-codec --example make_handshake [OUT]`

use std::borrow::Cow;
use std::net::Ipv4Addr;

use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
use sctp_codec::chunk::*;
use sctp_codec::link::build::{self, Framing, LinkKind};
use sctp_codec::param::*;
use sctp_codec::{Chunk, CommonHeader, Packet, Param};

const A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const TAG_A: u32 = 0x1a2b3c4d;
const TAG_B: u32 = 0x5e6f7081;
const TSN_A: u32 = 1000;
const TSN_B: u32 = 5000;

fn p(name: u16, body: ParamBody<'static>) -> Param<'static> {
    Param::new(name, body)
}

fn init(ty: u8, tag: u32, tsn: u32, extra: Vec<Param<'static>>) -> Chunk<'static> {
    let mut params = vec![
        p(
            0x0005,
            ParamBody::Ipv4Address(Ipv4AddressParam {
                ipv4_address: if ty == 1 { A } else { B },
            }),
        ),
        p(0x8000, ParamBody::EcnCapable(EmptyParam {})),
        p(0xC000, ParamBody::ForwardTsnSupported(EmptyParam {})),
        p(
            0x8008,
            ParamBody::SupportedExtensions(SupportedExtensions {
                chunk_types: vec![0xC0, 0x82, 0x0F],
            }),
        ),
        p(
            0x8002,
            ParamBody::Random(RandomParam {
                random_number: Cow::Owned((0u8..32).map(|i| i.wrapping_mul(37)).collect()),
            }),
        ),
        p(
            0x8004,
            ParamBody::RequestedHmacAlgorithm(RequestedHmacAlgorithm {
                hmac_identifiers: vec![3, 1],
            }),
        ),
        p(
            0x8003,
            ParamBody::ChunkList(ChunkList {
                chunk_types: vec![0xC1, 0x80],
            }),
        ),
    ];
    params.extend(extra);
    let body = InitChunk {
        initiate_tag: tag,
        a_rwnd: 131072,
        number_of_outbound_streams: 10,
        number_of_inbound_streams: 10,
        initial_tsn: tsn,
        params,
    };
    Chunk::new(
        ty,
        0,
        if ty == 1 {
            ChunkBody::Init(body)
        } else {
            ChunkBody::InitAck(body)
        },
    )
}

fn data(tsn: u32, sid: u16, ssn: u16, flags: u8, text: &str) -> Chunk<'static> {
    Chunk::new(
        0,
        flags,
        ChunkBody::Data(DataChunk {
            tsn,
            stream_identifier: sid,
            stream_sequence_number: ssn,
            payload_protocol_identifier: 51,
            user_data: Cow::Owned(text.as_bytes().to_vec()),
        }),
    )
}

fn sack(cum: u32, gaps: Vec<GapAckBlock>, dups: Vec<u32>) -> Chunk<'static> {
    Chunk::new(
        3,
        0,
        ChunkBody::Sack(SackChunk {
            cumulative_tsn_ack: cum,
            a_rwnd: 131072,
            gap_ack_blocks: gaps,
            duplicate_tsns: dups,
            ..Default::default()
        }),
    )
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "captures/handshake.pcap".into());
    let cookie: Vec<u8> = (0u8..48).map(|i| i ^ 0x5a).collect();
    let ab = |vtag| CommonHeader {
        source_port: 5000,
        destination_port: 5001,
        verification_tag: vtag,
    };
    let ba = |vtag| CommonHeader {
        source_port: 5001,
        destination_port: 5000,
        verification_tag: vtag,
    };
    let packets: Vec<(bool, Packet<'static>)> = vec![
        (
            true,
            Packet::new(
                ab(0),
                vec![init(
                    1,
                    TAG_A,
                    TSN_A,
                    vec![p(
                        0x000C,
                        ParamBody::SupportedAddressTypes(SupportedAddressTypes {
                            address_types: vec![5],
                        }),
                    )],
                )],
            ),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![init(
                    2,
                    TAG_B,
                    TSN_B,
                    vec![p(
                        0x0007,
                        ParamBody::StateCookie(StateCookie {
                            state_cookie: Cow::Owned(cookie.clone()),
                        }),
                    )],
                )],
            ),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![
                    Chunk::new(
                        0x0A,
                        0,
                        ChunkBody::CookieEcho(CookieEchoChunk {
                            cookie: Cow::Owned(cookie),
                        }),
                    ),
                    data(TSN_A, 0, 0, 0x03, "hello"),
                ],
            ),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![
                    Chunk::new(0x0B, 0, ChunkBody::CookieAck(EmptyChunk {})),
                    sack(TSN_A, vec![], vec![]),
                ],
            ),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![
                    data(TSN_A + 1, 1, 0, 0x02, "first fragment, "),
                    data(TSN_A + 2, 1, 0, 0x00, "middle fragment, "),
                ],
            ),
        ),
        (
            true,
            Packet::new(ab(TAG_B), vec![data(TSN_A + 4, 2, 0, 0x03, "after a gap")]),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![sack(
                    TSN_A + 2,
                    vec![GapAckBlock { start: 2, end: 2 }],
                    vec![],
                )],
            ),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![data(TSN_A + 3, 1, 0, 0x01, "last fragment")],
            ),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![
                    sack(TSN_A + 4, vec![], vec![TSN_A + 2]),
                    data(TSN_B, 0, 0, 0x03, "world"),
                ],
            ),
        ),
        (
            true,
            Packet::new(ab(TAG_B), vec![sack(TSN_B, vec![], vec![])]),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![Chunk::new(
                    4,
                    0,
                    ChunkBody::Heartbeat(HeartbeatChunk {
                        params: vec![p(
                            0x0001,
                            ParamBody::HeartbeatInfo(HeartbeatInfo {
                                heartbeat_information: Cow::Owned(
                                    b"t=1700000000;path=127.0.0.2".to_vec(),
                                ),
                            }),
                        )],
                    }),
                )],
            ),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![Chunk::new(
                    5,
                    0,
                    ChunkBody::HeartbeatAck(HeartbeatChunk {
                        params: vec![p(
                            0x0001,
                            ParamBody::HeartbeatInfo(HeartbeatInfo {
                                heartbeat_information: Cow::Owned(
                                    b"t=1700000000;path=127.0.0.2".to_vec(),
                                ),
                            }),
                        )],
                    }),
                )],
            ),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![Chunk::new(
                    7,
                    0,
                    ChunkBody::Shutdown(ShutdownChunk {
                        cumulative_tsn_ack: TSN_B,
                    }),
                )],
            ),
        ),
        (
            false,
            Packet::new(
                ba(TAG_A),
                vec![Chunk::new(8, 0, ChunkBody::ShutdownAck(EmptyChunk {}))],
            ),
        ),
        (
            true,
            Packet::new(
                ab(TAG_B),
                vec![Chunk::new(
                    0x0E,
                    0,
                    ChunkBody::ShutdownComplete(EmptyChunk {}),
                )],
            ),
        ),
    ];
    let mut w = PcapWriter::create(std::path::Path::new(&out), LINKTYPE_RAW)?;
    for (k, (a_to_b, pkt)) in packets.iter().enumerate() {
        let sctp = pkt.encode();
        let (s, d) = if *a_to_b { (A, B) } else { (B, A) };
        let framing = Framing {
            src: s.into(),
            dst: d.into(),
            udp: None,
            link: LinkKind::Raw,
            ip_id: k as u16 + 1,
        };
        let frame = build::frame(&sctp, &framing).expect("IPv4 frame");
        w.write_packet(
            1_700_000_000 + k as u32 / 4,
            (k as u32 % 4) * 250_000,
            &frame,
        )?;
    }
    w.flush()?;
    eprintln!("wrote {} packets to {out}", packets.len());
    Ok(())
}
