//! SCTP-AUTH (RFC 4895) between two of our endpoints on the in-memory link:
//! every packet holding a chunk type the receiver listed starts with an AUTH
//! chunk whose HMAC a check written here from the RFC's text (not the
//! endpoint's code) accepts; a flipped byte, a stripped AUTH chunk, an
//! HMAC Identifier that was not offered and a wrong shared key each get
//! the RFC's answer, are counted, and (where the key is right) cost only a
//! retransmission.

mod common;

use std::time::{Duration, Instant};

use common::ours::Ours;
use common::{check_delivery, mixed_len, Dir, Pair, Tamper, OUR_IP, PEER_IP};
use hmac::{Hmac, Mac};
use sctp_codec::auth::HmacAlgorithm;
use sctp_codec::chunk::ty;
use sctp_codec::{checksum, PacketView, Rules};
use sctp_endpoint::Config;
use sha2::Sha256;

fn cfg(chunks: &[u8], hmacs: &[HmacAlgorithm], key: &[u8]) -> Config {
    Config {
        auth: true,
        auth_chunks: chunks.to_vec(),
        auth_hmacs: hmacs.to_vec(),
        auth_keys: vec![(0, Vec::new()), (7, key.to_vec())],
        auth_active_key: 7,
        ..Config::default()
    }
}

fn pair(a: Config, b: Config) -> Pair {
    let start = Instant::now();
    Pair::new(
        Box::new(Ours::new(a, start, 1, OUR_IP, PEER_IP)),
        Box::new(Ours::new(b, start, 2, PEER_IP, OUR_IP)),
        start,
        Duration::from_millis(2),
    )
}

fn ours(p: &mut Pair, a: bool) -> &mut Ours {
    let peer = if a { &mut p.a } else { &mut p.b };
    peer.as_any().downcast_mut::<Ours>().expect("our endpoint")
}

/// The chunks of a packet: (type, offset, bytes).
fn chunks(p: &[u8]) -> Vec<(u8, usize, Vec<u8>)> {
    let v = PacketView::parse(p, Rules::STANDARD).expect("well formed");
    v.chunks()
        .map(|c| (c.ty(), c.offset(), c.bytes().to_vec()))
        .collect()
}

/// Rewrites the CRC32c after a tamper (so only AUTH can notice).
fn fix_crc(p: &mut [u8]) {
    p[8..12].fill(0);
    let c = checksum::crc32c_field(p);
    p[8..12].copy_from_slice(&c.to_be_bytes());
}

/// A TLV's bytes without padding, as RFC 4895 6.1 concatenates them.
fn param(v: &[u8], want: u16) -> Option<Vec<u8>> {
    let mut rest = v;
    while rest.len() >= 4 {
        let t = u16::from_be_bytes([rest[0], rest[1]]);
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if t == want {
            return Some(rest[..len].to_vec());
        }
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    None
}

/// Key vector of an INIT or INIT ACK: RANDOM, CHUNKS, HMAC-ALGO as sent.
fn vector(init: &[u8]) -> Vec<u8> {
    let params = &init[20..];
    [0x8002, 0x8003, 0x8004]
        .into_iter()
        .filter_map(|t| param(params, t))
        .flatten()
        .collect()
}

/// The association key of RFC 4895 6.1, from the trace's INIT and INIT ACK.
fn association_key(p: &Pair, shared: &[u8]) -> Vec<u8> {
    let find = |t: u8| {
        p.trace
            .iter()
            .flat_map(|(_, pk)| chunks(pk))
            .find(|c| c.0 == t)
            .expect("handshake in the trace")
            .2
    };
    let (va, vb) = (vector(&find(ty::INIT)), vector(&find(ty::INIT_ACK)));
    // "Numerically smaller" as unsigned big-endian numbers.
    let (lo, hi) = if (va.len(), &va) < (vb.len(), &vb) {
        (va, vb)
    } else {
        (vb, va)
    };
    [shared, &lo, &hi].concat()
}

fn handshake_and_exchange(p: &mut Pair, n: u32) {
    p.handshake();
    p.send_all(Dir::AtoB, n, 4, mixed_len, |s| 40 + s as u32);
    p.send_all(Dir::BtoA, n, 4, mixed_len, |s| 50 + s as u32);
    let got = std::mem::take(p.peer(Dir::AtoB).inbox());
    check_delivery(&got, n, mixed_len, |s| 40 + s as u32);
    let got = std::mem::take(p.peer(Dir::BtoA).inbox());
    check_delivery(&got, n, mixed_len, |s| 50 + s as u32);
}

#[test]
fn every_listed_chunk_travels_behind_an_auth_chunk_that_verifies() {
    let key = b"shared secret of the pair";
    // A wants DATA and SACK authenticated and prefers SHA-256; B wants DATA
    // and HEARTBEAT and offers SHA-1 only.
    let a = cfg(
        &[ty::DATA, ty::SACK],
        &[HmacAlgorithm::Sha256, HmacAlgorithm::Sha1],
        key,
    );
    let mut b = cfg(&[ty::DATA, ty::HEARTBEAT], &[HmacAlgorithm::Sha1], key);
    b.hb_interval = Duration::from_millis(300);
    let mut p = pair(a, b);
    handshake_and_exchange(&mut p, 400);
    // Some idle time for heartbeats.
    p.run_until(Duration::from_secs(5), |_| false);
    let k = association_key(&p, key);
    let (mut signed, mut data_packets) = (0, 0);
    for (dir, pk) in &p.trace {
        let cs = chunks(pk);
        // What the receiver of this packet asked to be authenticated.
        let wanted: &[u8] = match dir {
            Dir::AtoB => &[ty::DATA, ty::HEARTBEAT],
            Dir::BtoA => &[ty::DATA, ty::SACK],
        };
        let auth_at = cs.iter().position(|c| c.0 == ty::AUTH);
        for (i, c) in cs.iter().enumerate() {
            if wanted.contains(&c.0) {
                assert!(
                    auth_at.is_some_and(|a| a < i),
                    "{dir:?}: chunk 0x{:02x} without AUTH before it: {:?}",
                    c.0,
                    cs.iter().map(|c| c.0).collect::<Vec<_>>()
                );
            }
        }
        if cs.iter().any(|c| c.0 == ty::DATA) {
            data_packets += 1;
        }
        let Some(i) = auth_at else { continue };
        let (_, off, auth) = &cs[i];
        let hmac_id = u16::from_be_bytes([auth[6], auth[7]]);
        let key_id = u16::from_be_bytes([auth[4], auth[5]]);
        assert_eq!(key_id, 7);
        // Each side sends with the first algorithm of the other's list.
        let want_id = if *dir == Dir::AtoB { 1 } else { 3 };
        assert_eq!(hmac_id, want_id, "{dir:?}");
        let n = if hmac_id == 1 { 20 } else { 32 };
        let mut zeroed = pk[*off..].to_vec();
        zeroed[8..8 + n].fill(0);
        let mac = if hmac_id == 1 {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(&k).unwrap();
            m.update(&zeroed);
            m.finalize().into_bytes().to_vec()
        } else {
            let mut m = Hmac::<Sha256>::new_from_slice(&k).unwrap();
            m.update(&zeroed);
            m.finalize().into_bytes().to_vec()
        };
        assert_eq!(&auth[8..8 + n], &mac[..], "{dir:?}: HMAC");
        signed += 1;
    }
    assert!(
        data_packets > 100 && signed >= data_packets,
        "{signed} {data_packets}"
    );
    let sa = ours(&mut p, true).status().unwrap().auth.unwrap();
    let sb = ours(&mut p, false).status().unwrap().auth.unwrap();
    for s in [sa, sb] {
        assert!(s.verified > 50, "{s:?}");
        assert_eq!(
            (
                s.bad_hmac,
                s.unknown_key,
                s.unsupported_hmac,
                s.unauthenticated
            ),
            (0, 0, 0, 0),
            "{s:?}"
        );
    }
    assert!(ours(&mut p, false).ep.stats().auth.verified >= sb.verified);
    assert!(p.shutdown(Dir::AtoB));
}

/// Runs A to B with `tamper` applied to the `nth` DATA packet A sends.
fn tampered(nth: usize, tamper: impl Fn(&mut Vec<u8>) + 'static) -> Pair {
    let key = b"k";
    let a = cfg(&[ty::SACK], &[HmacAlgorithm::Sha256], key);
    let b = cfg(&[ty::DATA], &[HmacAlgorithm::Sha256], key);
    let mut p = pair(a, b);
    let mut seen = 0;
    p.set_tamper(move |dir, pk| {
        if dir == Dir::AtoB && chunks(pk).iter().any(|c| c.0 == ty::DATA) {
            seen += 1;
            if seen == nth {
                tamper(pk);
                fix_crc(pk);
            }
        }
        Tamper::Pass
    });
    handshake_and_exchange(&mut p, 100);
    p
}

#[test]
fn a_flipped_byte_after_the_auth_chunk_is_refused_and_the_data_resent() {
    let mut p = tampered(5, |pk| {
        let n = pk.len();
        pk[n - 1] ^= 0x01;
    });
    let s = ours(&mut p, false).status().unwrap().auth.unwrap();
    assert_eq!(s.bad_hmac, 1, "{s:?}");
    assert_eq!(s.unauthenticated, 0, "{s:?}");
    // Every message still arrived (checked in the exchange): retransmitted.
    let a = ours(&mut p, true).status().unwrap();
    assert!(a.retransmissions >= 1);
}

#[test]
fn data_without_its_auth_chunk_is_discarded_and_counted() {
    let mut p = tampered(3, |pk| {
        let cs = chunks(pk);
        let (_, off, auth) = cs.iter().find(|c| c.0 == ty::AUTH).expect("AUTH");
        let len = auth.len();
        pk.drain(*off..*off + len);
    });
    let s = ours(&mut p, false).status().unwrap().auth.unwrap();
    assert!(s.unauthenticated >= 1, "{s:?}");
    assert_eq!(s.bad_hmac, 0, "{s:?}");
}

#[test]
fn an_hmac_identifier_not_offered_is_answered_with_its_error_cause() {
    let mut p = tampered(2, |pk| {
        let cs = chunks(pk);
        let (_, off, _) = cs.iter().find(|c| c.0 == ty::AUTH).expect("AUTH");
        // HMAC Identifier 2: reserved (RFC 4895 3.3), never offered.
        pk[off + 6..off + 8].copy_from_slice(&2u16.to_be_bytes());
    });
    let s = ours(&mut p, false).status().unwrap().auth.unwrap();
    assert_eq!(s.unsupported_hmac, 1, "{s:?}");
    let error = p
        .trace
        .iter()
        .filter(|(d, _)| *d == Dir::BtoA)
        .flat_map(|(_, pk)| chunks(pk))
        .find(|c| c.0 == ty::ERROR)
        .expect("an ERROR from B");
    // Cause 0x0105, length 6, HMAC Identifier 2 (RFC 4895 4.1).
    assert_eq!(&error.2[4..10], &[0x01, 0x05, 0x00, 0x06, 0x00, 0x02]);
}

#[test]
fn a_wrong_shared_key_delivers_nothing() {
    let a = cfg(&[], &[HmacAlgorithm::Sha256], b"one key");
    let b = cfg(&[ty::DATA], &[HmacAlgorithm::Sha256], b"another key");
    let mut p = pair(a, b);
    p.handshake();
    let now = p.now;
    p.a.send(now, 0, 1, b"never delivered").unwrap();
    p.run_until(Duration::from_secs(20), |_| false);
    assert!(p.b.inbox().is_empty());
    let s = ours(&mut p, false).status().map(|s| s.auth.unwrap());
    let stats = ours(&mut p, false).ep.stats().auth;
    assert!(stats.bad_hmac >= 3, "{stats:?} {s:?}");
    assert_eq!(stats.verified, 0);
}

#[test]
fn a_listener_that_requires_auth_refuses_a_peer_without_it() {
    let a = Config::default();
    let mut b = cfg(&[ty::DATA], &[HmacAlgorithm::Sha256], b"k");
    b.auth_required = true;
    let mut p = pair(a, b);
    let now = p.now;
    p.a.connect(now);
    let closed = p.run_until(Duration::from_secs(10), |p| p.a.is_closed());
    assert!(closed, "{}", p.report());
    assert!(!p.b.is_up());
    assert_eq!(ours(&mut p, false).ep.stats().refused, 1);
    let abort = p
        .trace
        .iter()
        .flat_map(|(_, pk)| chunks(pk))
        .find(|c| c.0 == ty::ABORT)
        .expect("ABORT");
    // Protocol Violation.
    assert_eq!(&abort.2[4..6], &[0x00, 0x0d]);
}

#[test]
fn without_auth_on_one_side_the_association_runs_without_it() {
    let a = Config::default();
    let b = cfg(&[ty::DATA], &[HmacAlgorithm::Sha256], b"k");
    let mut p = pair(a, b);
    handshake_and_exchange(&mut p, 50);
    assert!(ours(&mut p, false).status().unwrap().auth.is_none());
    assert!(p
        .trace
        .iter()
        .all(|(_, pk)| chunks(pk).iter().all(|c| c.0 != ty::AUTH)));
}
