//! What RFC 9260 says an endpoint does with hostile or broken input before
//! and around association setup: INIT floods keep no state (5.1.3), forged,
//! truncated, stale or misaddressed cookies (5.1.5), bad checksums (6.8),
//! out-of-the-blue packets (8.4), parameters it cannot honour (3.2.1, 5.1.2),
//! and the application's policy refusing a peer. Replies are read with the
//! codec's full decoder, not with the endpoint's own code.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use sctp_codec::chunk::{flags, ty};
use sctp_codec::{
    CauseBody, ChecksumAlgorithm, ChunkBody, CommonHeader, DecodeOptions, Packet, PacketWriter,
    ParamBody,
};
use sctp_endpoint::policy::{AssocRequest, Policy, Refusal};
use sctp_endpoint::{Config, Endpoint};

const LOCAL: &str = "10.0.0.2";
const PORT: u16 = 5000;

fn local() -> IpAddr {
    LOCAL.parse().unwrap()
}

fn peer(i: u32) -> SocketAddr {
    SocketAddr::new(IpAddr::from([10, 1, (i >> 8) as u8, i as u8]), 0)
}

fn server(now: Instant) -> Endpoint {
    let mut ep = Endpoint::new(Config::default(), now, [9; 32]);
    ep.listen(PORT);
    ep
}

/// A packet from the peer: header and raw chunks (type, flags, value).
fn packet(sport: u16, dport: u16, vtag: u32, chunks: &[(u8, u8, Vec<u8>)]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut w = PacketWriter::new(
        &mut buf,
        CommonHeader {
            source_port: sport,
            destination_port: dport,
            verification_tag: vtag,
        },
        9000,
    );
    for (t, f, v) in chunks {
        w.push_raw(*t, *f, v).unwrap();
    }
    w.finish(ChecksumAlgorithm::Crc32c);
    buf
}

fn init_value(tag: u32, tsn: u32, params: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&65536u32.to_be_bytes());
    v.extend_from_slice(&10u16.to_be_bytes());
    v.extend_from_slice(&10u16.to_be_bytes());
    v.extend_from_slice(&tsn.to_be_bytes());
    v.extend_from_slice(params);
    v
}

fn tlv(t: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&t.to_be_bytes());
    v.extend_from_slice(&((4 + value.len()) as u16).to_be_bytes());
    v.extend_from_slice(value);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// Everything the endpoint sends now, decoded by the codec.
fn replies(ep: &mut Endpoint, now: Instant) -> Vec<Packet<'static>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while ep.poll_transmit(now, &mut buf).is_some() {
        let p = Packet::decode(&buf, &DecodeOptions::default()).unwrap();
        assert!(
            p.error.is_none(),
            "our reply does not decode: {:?}",
            p.error
        );
        assert_eq!(
            sctp_codec::checksum::crc32c_field(&buf),
            u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            "bad CRC32c on our reply"
        );
        out.push(sctp_codec::IntoOwned::into_owned(p));
    }
    out
}

/// INIT from `peer(i)`, returning the INIT ACK's State Cookie.
fn handshake_cookie(ep: &mut Endpoint, now: Instant, i: u32, tag: u32) -> Vec<u8> {
    let init = packet(4000, PORT, 0, &[(ty::INIT, 0, init_value(tag, 77, &[]))]);
    ep.handle_packet(now, peer(i), local(), &init);
    let r = replies(ep, now);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].header.verification_tag, tag);
    let ChunkBody::InitAck(ia) = &r[0].chunks[0].body else {
        panic!("expected INIT ACK, got {:?}", r[0].chunks[0].name());
    };
    ia.params
        .iter()
        .find_map(|p| match &p.body {
            ParamBody::StateCookie(c) => Some(c.state_cookie.to_vec()),
            _ => None,
        })
        .expect("INIT ACK without State Cookie")
}

fn local_tag_in(cookie: &[u8]) -> u32 {
    // Our cookie layout: version (1), created (8), lifetime (4), local tag (4).
    u32::from_be_bytes(cookie[13..17].try_into().unwrap())
}

#[test]
fn init_flood_keeps_no_state_and_bounded_replies() {
    let now = Instant::now();
    let mut ep = server(now);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut answered = 0;
    for i in 0..100_000u32 {
        let r = rnd();
        let tag = (r as u32) | 1;
        let sport = (r >> 32) as u16 | 1;
        let init = packet(
            sport,
            PORT,
            0,
            &[(ty::INIT, 0, init_value(tag, r as u32, &[]))],
        );
        ep.handle_packet(now, peer(i), local(), &init);
        // Drain only every 1,000 INITs: the reply queue must stay bounded.
        if i % 1000 == 999 {
            let mut buf = Vec::new();
            let mut n = 0;
            while ep.poll_transmit(now, &mut buf).is_some() {
                n += 1;
            }
            assert!(n <= 256, "{n} replies queued");
            answered += n;
        }
        assert_eq!(ep.association_count(), 0);
    }
    assert_eq!(ep.poll_timeout(), None, "no timers for INITs");
    let st = ep.stats();
    assert_eq!(st.init_acks, 100_000);
    assert_eq!(answered as u64 + st.replies_dropped, 100_000);
}

#[test]
fn cookies_forged_truncated_stale_or_misaddressed_are_refused() {
    let now = Instant::now();
    let mut ep = server(now);
    let cookie = handshake_cookie(&mut ep, now, 1, 0x1111);
    let vtag = local_tag_in(&cookie);
    let echo = |c: &[u8], vtag: u32| packet(4000, PORT, vtag, &[(ty::COOKIE_ECHO, 0, c.to_vec())]);

    // Every single altered byte: silently discarded (RFC 9260 5.1.5 (2)).
    for i in 0..cookie.len() {
        let mut bad = cookie.clone();
        bad[i] ^= 0x01;
        ep.handle_packet(now, peer(1), local(), &echo(&bad, vtag));
        assert!(replies(&mut ep, now).is_empty(), "byte {i}");
        assert_eq!(ep.association_count(), 0);
    }
    // Truncated.
    for cut in [0, 1, 31, cookie.len() - 1] {
        ep.handle_packet(now, peer(1), local(), &echo(&cookie[..cut], vtag));
        assert!(replies(&mut ep, now).is_empty());
    }
    assert_eq!(ep.association_count(), 0);
    // Wrong verification tag (5.1.5 (1)).
    ep.handle_packet(now, peer(1), local(), &echo(&cookie, vtag ^ 1));
    assert!(replies(&mut ep, now).is_empty());
    // Bad checksum (6.8).
    let mut bad_crc = echo(&cookie, vtag);
    bad_crc[8] ^= 0xff;
    ep.handle_packet(now, peer(1), local(), &bad_crc);
    assert!(replies(&mut ep, now).is_empty());
    assert_eq!(ep.stats().bad_checksum, 1);
    assert_eq!(ep.association_count(), 0);

    // Stale: ERROR with Stale Cookie, staleness in microseconds, to the
    // peer's tag (5.1.5 (3), 3.3.10.3).
    let later = now + Duration::from_secs(61);
    ep.handle_packet(later, peer(1), local(), &echo(&cookie, vtag));
    let r = replies(&mut ep, later);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].header.verification_tag, 0x1111);
    let ChunkBody::Error(e) = &r[0].chunks[0].body else {
        panic!("expected ERROR, got {}", r[0].chunks[0].name());
    };
    let CauseBody::StaleCookie(s) = &e.causes[0].body else {
        panic!("expected Stale Cookie, got {:?}", e.causes[0]);
    };
    assert!(
        (900_000..=1_100_000).contains(&s.measure_of_staleness),
        "{}",
        s.measure_of_staleness
    );
    assert_eq!(ep.association_count(), 0);

    // The genuine cookie in time: COOKIE ACK to the peer's tag.
    ep.handle_packet(now, peer(1), local(), &echo(&cookie, vtag));
    let r = replies(&mut ep, now);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].header.verification_tag, 0x1111);
    assert_eq!(r[0].chunks[0].ty, ty::COOKIE_ACK);
    assert_eq!(ep.association_count(), 1);
    // The same cookie again (a retransmitted COOKIE ECHO, table 2 action D):
    // COOKIE ACK again, still one association.
    ep.handle_packet(now, peer(1), local(), &echo(&cookie, vtag));
    let r = replies(&mut ep, now);
    assert_eq!(r[0].chunks[0].ty, ty::COOKIE_ACK);
    assert_eq!(ep.association_count(), 1);
}

#[test]
fn out_of_the_blue_packets() {
    let now = Instant::now();
    let mut ep = server(now);
    // (8) DATA for no association: ABORT, T bit, the tag reflected.
    let data = {
        let mut v = 1u32.to_be_bytes().to_vec();
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, b'x']);
        v
    };
    ep.handle_packet(
        now,
        peer(2),
        local(),
        &packet(4000, PORT, 0xabcd, &[(ty::DATA, 3, data)]),
    );
    let r = replies(&mut ep, now);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].header.verification_tag, 0xabcd);
    assert_eq!(
        (r[0].chunks[0].ty, r[0].chunks[0].flags),
        (ty::ABORT, flags::T_BIT)
    );
    assert_eq!(
        (r[0].header.source_port, r[0].header.destination_port),
        (PORT, 4000)
    );
    // (5) SHUTDOWN ACK: SHUTDOWN COMPLETE with the T bit.
    ep.handle_packet(
        now,
        peer(2),
        local(),
        &packet(4000, PORT, 0x77, &[(ty::SHUTDOWN_ACK, 0, vec![])]),
    );
    let r = replies(&mut ep, now);
    assert_eq!(
        (r[0].chunks[0].ty, r[0].chunks[0].flags),
        (ty::SHUTDOWN_COMPLETE, flags::T_BIT)
    );
    assert_eq!(r[0].header.verification_tag, 0x77);
    // (2), (6), (7): ABORT, SHUTDOWN COMPLETE, COOKIE ACK: nothing.
    for t in [ty::ABORT, ty::SHUTDOWN_COMPLETE, ty::COOKIE_ACK] {
        ep.handle_packet(
            now,
            peer(2),
            local(),
            &packet(4000, PORT, 5, &[(t, 0, vec![])]),
        );
        assert!(replies(&mut ep, now).is_empty(), "answered OOTB type {t}");
    }
    // (3) INIT to a port nobody listens on: ABORT, T bit clear, INIT's tag.
    let init = packet(
        4000,
        PORT + 1,
        0,
        &[(ty::INIT, 0, init_value(0x5151, 1, &[]))],
    );
    ep.handle_packet(now, peer(2), local(), &init);
    let r = replies(&mut ep, now);
    assert_eq!((r[0].chunks[0].ty, r[0].chunks[0].flags), (ty::ABORT, 0));
    assert_eq!(r[0].header.verification_tag, 0x5151);
    // INIT with a non-zero vtag, or bundled, or with Initiate Tag 0: discarded.
    for p in [
        packet(4000, PORT, 9, &[(ty::INIT, 0, init_value(1, 1, &[]))]),
        packet(4000, PORT, 0, &[(ty::INIT, 0, init_value(0, 1, &[]))]),
        packet(
            4000,
            PORT,
            0,
            &[
                (ty::INIT, 0, init_value(1, 1, &[])),
                (ty::COOKIE_ACK, 0, vec![]),
            ],
        ),
    ] {
        ep.handle_packet(now, peer(2), local(), &p);
        assert!(replies(&mut ep, now).is_empty());
    }
    assert_eq!(ep.association_count(), 0);
}

#[test]
fn init_parameters_host_name_and_unknown_types() {
    let now = Instant::now();
    let mut ep = server(now);
    // Host Name Address: ABORT with Unresolvable Address holding it (5.1.2).
    let host = tlv(0x000B, b"peer.example\0");
    let init = packet(4000, PORT, 0, &[(ty::INIT, 0, init_value(0x42, 1, &host))]);
    ep.handle_packet(now, peer(3), local(), &init);
    let r = replies(&mut ep, now);
    let ChunkBody::Abort(a) = &r[0].chunks[0].body else {
        panic!("expected ABORT, got {}", r[0].chunks[0].name());
    };
    assert_eq!(r[0].header.verification_tag, 0x42);
    assert!(matches!(
        a.causes[0].body,
        CauseBody::UnresolvableAddress(_)
    ));
    // Unknown parameter types by their action bits (3.2.1): 0xC0xx skip and
    // report, 0x80xx skip silently; both still get an INIT ACK.
    let params = [tlv(0xC0AA, b"ab"), tlv(0x80BB, b"cd")].concat();
    let init = packet(
        4001,
        PORT,
        0,
        &[(ty::INIT, 0, init_value(0x43, 1, &params))],
    );
    ep.handle_packet(now, peer(3), local(), &init);
    let r = replies(&mut ep, now);
    let ChunkBody::InitAck(ia) = &r[0].chunks[0].body else {
        panic!("expected INIT ACK, got {}", r[0].chunks[0].name());
    };
    let reported: Vec<u16> = ia
        .params
        .iter()
        .flat_map(|p| match &p.body {
            ParamBody::UnrecognizedParameter(u) => match &u.unrecognized_parameter {
                sctp_codec::tlv::Nested::Parsed(v) => v.iter().map(|q| q.ty).collect(),
                sctp_codec::tlv::Nested::Raw(_) => vec![0xffff],
            },
            _ => vec![],
        })
        .collect();
    assert_eq!(reported, [0xC0AA]);
    // 0x00xx: stop processing parameters, do not report (RFC 9260 3.2.1).
    let params = [tlv(0x00CC, b"x"), tlv(0xC0DD, b"y")].concat();
    let init = packet(
        4002,
        PORT,
        0,
        &[(ty::INIT, 0, init_value(0x44, 1, &params))],
    );
    ep.handle_packet(now, peer(3), local(), &init);
    let r = replies(&mut ep, now);
    let ChunkBody::InitAck(ia) = &r[0].chunks[0].body else {
        panic!("expected INIT ACK");
    };
    assert!(!ia
        .params
        .iter()
        .any(|p| matches!(p.body, ParamBody::UnrecognizedParameter(_))));
    // Zero streams: ABORT with Invalid Mandatory Parameter (3.3.2).
    let mut v = init_value(0x45, 1, &[]);
    v[8..10].copy_from_slice(&[0, 0]);
    ep.handle_packet(
        now,
        peer(3),
        local(),
        &packet(4003, PORT, 0, &[(ty::INIT, 0, v)]),
    );
    let r = replies(&mut ep, now);
    let ChunkBody::Abort(a) = &r[0].chunks[0].body else {
        panic!("expected ABORT");
    };
    assert!(matches!(
        a.causes[0].body,
        CauseBody::InvalidMandatoryParameter(_)
    ));
    assert_eq!(ep.association_count(), 0);
}

#[test]
fn a_policy_refusal_costs_no_state() {
    struct OnlyTen;
    impl Policy for OnlyTen {
        fn assoc_request(&mut self, r: &AssocRequest<'_>) -> Result<(), Refusal> {
            match r.source.ip() {
                IpAddr::V4(a) if a.octets()[2] == 9 => Err(Refusal::Drop),
                IpAddr::V4(a) if a.octets()[2] == 8 => Err(Refusal::Abort),
                _ => Ok(()),
            }
        }
    }
    let now = Instant::now();
    let mut ep = server(now);
    ep.set_policy(OnlyTen);
    let init = packet(4000, PORT, 0, &[(ty::INIT, 0, init_value(0x99, 1, &[]))]);
    ep.handle_packet(now, peer(9 << 8), local(), &init);
    assert!(replies(&mut ep, now).is_empty());
    ep.handle_packet(now, peer(8 << 8), local(), &init);
    let r = replies(&mut ep, now);
    assert_eq!(
        (r[0].chunks[0].ty, r[0].header.verification_tag),
        (ty::ABORT, 0x99)
    );
    ep.handle_packet(now, peer(1), local(), &init);
    assert_eq!(replies(&mut ep, now)[0].chunks[0].ty, ty::INIT_ACK);
    assert_eq!(ep.stats().refused, 2);
    assert_eq!(ep.association_count(), 0);
}

/// An ERROR chunk from the peer is reported whole, header included, with
/// its cause codes (RFC 6458 6.1.3: `sre_data` carries the chunk).
#[test]
fn remote_error_event_carries_the_chunk() {
    let now = Instant::now();
    let mut ep = server(now);
    let cookie = handshake_cookie(&mut ep, now, 1, 0x2222);
    let vtag = local_tag_in(&cookie);
    let echo = packet(4000, PORT, vtag, &[(ty::COOKIE_ECHO, 0, cookie.clone())]);
    ep.handle_packet(now, peer(1), local(), &echo);
    let _ = replies(&mut ep, now);
    // Invalid Stream Identifier (cause 1) for stream 1.
    let cause = tlv(1, &[0, 1, 0, 0]);
    let err = packet(4000, PORT, vtag, &[(ty::ERROR, 0, cause.clone())]);
    ep.handle_packet(now, peer(1), local(), &err);
    let mut got = None;
    while let Some(e) = ep.poll_event() {
        if let sctp_endpoint::Event::RemoteError { causes, chunk, .. } = e {
            got = Some((causes, chunk));
        }
    }
    let mut want = vec![ty::ERROR, 0, 0, 12];
    want.extend_from_slice(&cause);
    assert_eq!(got, Some((vec![1], want)));
}

/// When the association ends, the send-failed report has the DATA chunk
/// sent and not acknowledged, then the message never sent, with their
/// streams, PPIDs, flags and data (RFC 6458 6.1.11).
#[test]
fn send_failed_event_carries_the_dropped_data() {
    let now = Instant::now();
    let mut ep = server(now);
    let cookie = handshake_cookie(&mut ep, now, 1, 0x3333);
    let vtag = local_tag_in(&cookie);
    let echo = packet(4000, PORT, vtag, &[(ty::COOKIE_ECHO, 0, cookie.clone())]);
    ep.handle_packet(now, peer(1), local(), &echo);
    let _ = replies(&mut ep, now);
    let mut id = None;
    while let Some(e) = ep.poll_event() {
        if let sctp_endpoint::Event::AssocChange { id: i, .. } = e {
            id = Some(i);
        }
    }
    let id = id.expect("association up");
    ep.send(id, 0, 42, false, vec![1; 100]).unwrap();
    let sent = replies(&mut ep, now);
    assert_eq!(sent.len(), 1, "the DATA goes out");
    ep.send(id, 0, 43, true, vec![2; 50]).unwrap();
    ep.abort(id, None);
    let mut failed = None;
    while let Some(e) = ep.poll_event() {
        if let sctp_endpoint::Event::SendFailed { failed: f, .. } = e {
            failed = Some(f);
        }
    }
    let failed = failed.expect("a send-failed report");
    assert_eq!(failed.len(), 2);
    assert!(failed[0].sent);
    assert_eq!(
        (failed[0].stream, failed[0].ppid, failed[0].flags),
        (0, 42, 0x03)
    );
    assert_eq!(failed[0].data, vec![1; 100]);
    assert!(!failed[1].sent);
    assert_eq!((failed[1].ppid, failed[1].flags), (43, 0x04));
    assert_eq!(failed[1].data, vec![2; 50]);
}
