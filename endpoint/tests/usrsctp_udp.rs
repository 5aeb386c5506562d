//! Interop with usrsctp over UDP encapsulation (RFC 6951) on loopback, both
//! directions: our client (the library's `UdpDriver`, driven in the test
//! thread) to a usrsctp server, and a usrsctp client to our server. Per
//! direction: handshake; 1 000 messages each way on 10 streams with distinct
//! PPIDs; unordered messages; 64 KiB messages that fragment; heartbeats both
//! ways (seen through a UDP relay that reads the chunk types); graceful
//! shutdown and abort started by either side. What usrsctp received is
//! checked from the peer's log, what we received from the endpoint's events.
//! Every test has its own UDP ports (127.0.0.1 only), so they run in parallel.

mod peer;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use peer::udp::*;
use peer::{check_delivery, Peer, Received};
use sctp_codec::auth::HmacAlgorithm;
use sctp_endpoint::{AssocChange, AssocId, Config, Event, Reason};

/// First UDP port of these tests; test `n` uses BASE + 10 n .. + 3.
const BASE: u16 = 42100;

fn ports(n: u16) -> (u16, u16, u16) {
    let b = BASE + 10 * n;
    (b, b + 1, b + 2)
}

fn handshake(role: Role, n: u16) {
    let (udp, peer_udp, _) = ports(n);
    let (mut ours, id, mut peer) = associate(role, test_config(), udp, peer_udp, &[], None);
    assert_eq!(ours.d.ep.stats().bad_checksum, 0);
    // One message each way proves the tags and ports.
    ours.d
        .ep
        .send(id, 3, 1003, false, peer::body(3, 3, 100))
        .unwrap();
    peer.cmd("send 1 1 100 0");
    assert!(
        ours.run_until(Duration::from_secs(5), |o| o.message_count() == 1
            && peer.data_count() == 1),
        "one message each way; peer:\n{}\nours: {:?}",
        peer.tail(),
        ours.events
    );
    assert_eq!(
        peer.received()[0],
        Received {
            len: 100,
            sid: 3,
            ppid: 1003,
            unordered: false,
            idx: 3,
            ok: true
        }
    );
    check_delivery("ours", &ours.received(), 1, 1, |_| 100, false);
    let s = ours.d.ep.status(id).unwrap();
    assert_eq!(s.state, sctp_endpoint::State::Established);
}

/// `count` messages each way on 10 streams, both sides sending at once.
fn both_ways(
    role: Role,
    n: u16,
    count: u32,
    len: fn(u32) -> usize,
    peer_len: usize,
    unordered: bool,
) {
    let (udp, peer_udp, _) = ports(n);
    let (mut ours, id, mut peer) = associate(role, test_config(), udp, peer_udp, &[], None);
    exchange(
        role, &mut ours, id, &mut peer, count, len, peer_len, unordered,
    );
}

fn small(i: u32) -> usize {
    // 6..=1405 bytes: some bundle, some fill a packet.
    6 + (i as usize * 97) % 1400
}

fn big(_: u32) -> usize {
    64 * 1024
}

/// Sends a little each way, then the graceful shutdown or the abort starts
/// on one side; the other must see it, and queued data must still arrive
/// (graceful shutdown only).
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    ShutdownByUs,
    ShutdownByThem,
    AbortByUs,
    AbortByThem,
}

fn ending(role: Role, n: u16, end: End) {
    let (udp, peer_udp, _) = ports(n);
    let (mut ours, id, mut peer) = associate(role, test_config(), udp, peer_udp, &[], None);
    let count = 200;
    let graceful = matches!(end, End::ShutdownByUs | End::ShutdownByThem);
    if graceful {
        // Data queued right before SHUTDOWN must still all be delivered.
        peer.cmd(&format!("send {count} 10 700 0"));
        let mut tx = Sender::new(count, 10, small, false);
        assert!(ours.run_until(Duration::from_secs(10), |o| tx.feed(o, id)
            && peer.saw("sent n=")));
    }
    match end {
        End::ShutdownByUs => ours.d.ep.shutdown(Instant::now(), id),
        End::ShutdownByThem => peer.cmd("shutdown"),
        End::AbortByUs => ours.d.ep.abort(id, Some(b"test over")),
        End::AbortByThem => peer.cmd("abort"),
    }
    let ok = ours.run_until(Duration::from_secs(15), |o| {
        o.ended().is_some()
            && if graceful {
                peer.saw("SHUTDOWN_COMP") || peer.saw("closed")
            } else {
                peer.saw("COMM_LOST")
            }
    });
    assert!(
        ok,
        "the association did not end: ours {:?}; peer:\n{}",
        ours.ended(),
        peer.tail()
    );
    let (change, reason) = ours.ended().unwrap();
    match end {
        End::ShutdownByUs | End::ShutdownByThem => {
            assert_eq!(change, AssocChange::ShutdownComplete, "{reason:?}");
            check_delivery("usrsctp", &peer.received(), count, 10, small, false);
            check_delivery("ours", &ours.received(), count, 10, |_| 700, false);
            if end == End::ShutdownByUs {
                assert!(peer.saw("shutdown_event"), "{}", peer.tail());
            } else {
                assert!(
                    ours.events
                        .iter()
                        .any(|e| matches!(e, Event::ShutdownEvent { .. })),
                    "{:?}",
                    ours.events
                );
            }
        }
        End::AbortByUs => {
            assert_eq!(change, AssocChange::CommLost, "{reason:?}");
            assert_eq!(reason, Some(Reason::LocalAbort));
        }
        End::AbortByThem => {
            assert_eq!(change, AssocChange::CommLost, "{reason:?}");
            assert!(matches!(reason, Some(Reason::PeerAbort(_))), "{reason:?}");
        }
    }
    // The association is gone on our side.
    ours.run_until(Duration::from_millis(200), |_| false);
    assert_eq!(ours.d.ep.association_count(), 0);
}

const HEARTBEAT: u8 = 4;
const HEARTBEAT_ACK: u8 = 5;

/// Both sides heartbeat (we every ~600 ms, usrsctp every ~100 ms) on an idle association; each side's
/// HEARTBEATs are answered by the other (seen on the wire by the relay), and
/// the association survives and still carries data.
fn heartbeats(role: Role, n: u16) {
    let (udp, peer_udp, relay_port) = ports(n);
    let cfg = Config {
        // usrsctp skips a heartbeat when it sent anything on the path
        // within its interval (its HEARTBEAT ACKs count): its interval must
        // be well below ours for both to heartbeat.
        hb_interval: Duration::from_millis(500),
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        ..test_config()
    };
    // The relay sits in front of the server.
    let target = match role {
        Role::WeConnect => SocketAddr::new(LOOPBACK, peer_udp),
        Role::TheyConnect => SocketAddr::new(LOOPBACK, udp),
    };
    let relay = Relay::start(relay_port, target);
    let (mut ours, id, mut peer) = associate(
        role,
        cfg,
        udp,
        peer_udp,
        &["hb=50", "rtomin=50"],
        Some(relay.port),
    );
    let count = |seen: &Seen, ours_to_them: bool, ty: u8| {
        let dir = if (role == Role::WeConnect) == ours_to_them {
            &seen.forward
        } else {
            &seen.backward
        };
        dir.iter().filter(|&&t| t == ty).count()
    };
    let ok = ours.run_until(Duration::from_secs(10), |_| {
        let s = relay.seen.lock().unwrap();
        count(&s, true, HEARTBEAT) >= 3
            && count(&s, false, HEARTBEAT_ACK) >= 3
            && count(&s, false, HEARTBEAT) >= 3
            && count(&s, true, HEARTBEAT_ACK) >= 3
    });
    {
        let s = relay.seen.lock().unwrap();
        assert!(
            ok,
            "heartbeats: ours sent {} and got {} acks, usrsctp sent {} and got {} acks; peer:\n{}",
            count(&s, true, HEARTBEAT),
            count(&s, false, HEARTBEAT_ACK),
            count(&s, false, HEARTBEAT),
            count(&s, true, HEARTBEAT_ACK),
            peer.tail()
        );
    }
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    assert!(!peer.saw("COMM_LOST"), "{}", peer.tail());
    // Still usable.
    ours.d
        .ep
        .send(id, 1, 1001, false, peer::body(1, 1, 50))
        .unwrap();
    peer.cmd("send 1 1 60 0");
    assert!(
        ours.run_until(Duration::from_secs(5), |o| o.message_count() == 1
            && peer.data_count() == 1),
        "{}",
        peer.tail()
    );
    let s = ours.d.ep.status(id).unwrap();
    assert!(s.srtt.is_some(), "{s:?}");
}

macro_rules! both_roles {
    ($($name:ident($n:expr) => $body:expr;)*) => {
        mod we_connect {
            use super::*;
            $(#[test] fn $name() { let f: fn(Role, u16) = $body; f(Role::WeConnect, 2 * $n) })*
        }
        mod they_connect {
            use super::*;
            $(#[test] fn $name() { let f: fn(Role, u16) = $body; f(Role::TheyConnect, 2 * $n + 1) })*
        }
    };
}

both_roles! {
    handshake(0) => super::handshake;
    messages_10_streams(1) => |r, n| both_ways(r, n, 1000, small, 1000, false);
    unordered(2) => |r, n| both_ways(r, n, 500, small, 300, true);
    fragmented_64k(3) => |r, n| both_ways(r, n, 40, big, 64 * 1024, false);
    heartbeats(4) => super::heartbeats;
    shutdown_by_us(5) => |r, n| ending(r, n, End::ShutdownByUs);
    shutdown_by_them(6) => |r, n| ending(r, n, End::ShutdownByThem);
    abort_by_us(7) => |r, n| ending(r, n, End::AbortByUs);
    abort_by_them(8) => |r, n| ending(r, n, End::AbortByThem);
    auth(9) => super::auth;
    auth_wrong_key(10) => super::auth_wrong_key;
    reconfig(11) => super::reconfig;
    nr_sack(12) => super::nr_sack;
}

/// The shared key of the SCTP-AUTH tests (key identifier 1 on both sides).
const AUTH_KEY: &str = "sctpkit-and-usrsctp";

/// Our configuration for SCTP-AUTH against usrsctp: DATA and SACK must be
/// authenticated, SHA-256 preferred, key 1 active.
fn auth_config(key: &str) -> Config {
    Config {
        auth: true,
        auth_chunks: vec![0, 3],
        auth_hmacs: vec![HmacAlgorithm::Sha256, HmacAlgorithm::Sha1],
        auth_keys: vec![(0, Vec::new()), (1, key.as_bytes().to_vec())],
        auth_active_key: 1,
        ..test_config()
    }
}

/// Starts an SCTP-AUTH association through a relay that records each
/// packet's chunk types; usrsctp requires DATA and SACK authenticated too.
fn auth_associate(role: Role, n: u16, our_key: &str) -> (Ours, AssocId, Peer, Relay) {
    let (udp, peer_udp, relay_port) = ports(n);
    let target = match role {
        Role::WeConnect => SocketAddr::new(LOOPBACK, peer_udp),
        Role::TheyConnect => SocketAddr::new(LOOPBACK, udp),
    };
    let relay = Relay::start(relay_port, target);
    let key_opt = format!("key=1:{AUTH_KEY}");
    let (ours, id, peer) = associate(
        role,
        auth_config(our_key),
        udp,
        peer_udp,
        &["auth=0,3", &key_opt, "hmac=1"],
        Some(relay.port),
    );
    (ours, id, peer, relay)
}

/// SCTP-AUTH (RFC 4895) with usrsctp, both requiring DATA and SACK to be
/// authenticated under a shared key (HMAC-SHA-1: Debian's libusrsctp is
/// built without SHA-256 and refuses identifier 3): 300 messages each way arrive; on the
/// wire every packet with DATA or SACK carries an AUTH chunk before them;
/// every AUTH chunk usrsctp sent verified here.
fn auth(role: Role, n: u16) {
    let (mut ours, id, mut peer, relay) = auth_associate(role, n, AUTH_KEY);
    exchange(role, &mut ours, id, &mut peer, 300, small, 700, false);
    let s = ours.d.ep.status(id).unwrap().auth.expect("AUTH in use");
    assert!(s.verified > 50 && s.sent > 50, "{s:?}");
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
    let seen = relay.seen.lock().unwrap();
    // tshark reads the same chunks from the run's capture, none malformed.
    let by_tshark = tshark_chunk_types(&seen, "auth");
    let ours: Vec<Vec<u8>> = seen.packets.iter().map(|(_, t)| t.clone()).collect();
    assert_eq!(by_tshark, ours, "tshark and the relay read the same chunks");
    let mut checked = [0usize; 2];
    for (fwd, types) in &seen.packets {
        let first_listed = types.iter().position(|t| *t == 0 || *t == 3);
        if let Some(i) = first_listed {
            let auth_at = types.iter().position(|t| *t == 0x0f);
            assert!(
                auth_at.is_some_and(|a| a < i),
                "a packet with DATA or SACK and no AUTH before it ({}): {types:?}",
                if *fwd { "forward" } else { "back" }
            );
            checked[*fwd as usize] += 1;
        }
    }
    assert!(checked[0] > 20 && checked[1] > 20, "{checked:?}");
}

/// Our shared key differs from usrsctp's: the association comes up (the
/// handshake is not authenticated), but usrsctp drops our DATA and we drop
/// its: nothing is delivered either way, and we count each bad HMAC.
fn auth_wrong_key(role: Role, n: u16) {
    let (mut ours, id, mut peer, _relay) = auth_associate(role, n, "a different key");
    ours.d
        .ep
        .send(id, 1, 1001, false, peer::body(1, 1, 50))
        .unwrap();
    peer.cmd("send 3 1 60 0");
    ours.run_until(Duration::from_secs(3), |_| false);
    assert_eq!(ours.message_count(), 0);
    assert_eq!(peer.data_count(), 0, "{}", peer.tail());
    let st = ours.d.ep.stats().auth;
    assert!(st.bad_hmac >= 3, "{st:?}");
    assert_eq!(st.verified, 0, "{st:?}");
}

fn stream_resets(o: &Ours, outgoing: bool) -> Vec<(Vec<u16>, sctp_endpoint::ReconfigResult)> {
    o.events
        .iter()
        .filter_map(|e| match e {
            Event::StreamReset {
                outgoing: out,
                streams,
                result,
                ..
            } if *out == outgoing => Some((streams.clone(), *result)),
            _ => None,
        })
        .collect()
}

/// Stream reconfiguration (RFC 6525) with usrsctp, which accepts requests
/// (`reconfig=1`): we reset our outgoing stream 1 (later messages on it
/// arrive, numbered from 0 again); usrsctp resets its outgoing stream 2;
/// usrsctp asks us to reset stream 3 (Incoming SSN Reset Request: we answer
/// with our own outgoing reset); we add 4 outgoing streams and ask for 2
/// incoming; usrsctp adds 3 outgoing. Both sides report each step.
fn reconfig(role: Role, n: u16) {
    use sctp_endpoint::ReconfigResult::Performed;
    let (udp, peer_udp, _) = ports(n);
    let cfg = Config {
        reconfig: true,
        ..test_config()
    };
    let (mut ours, id, mut peer) = associate(role, cfg, udp, peer_udp, &["reconfig=1"], None);
    assert!(
        ours.d.ep.status(id).unwrap().reconfig,
        "RE-CONFIG negotiated"
    );
    let msg = |o: &mut Ours, i: u32| {
        o.d.ep
            .send(id, 1, 1001, false, peer::body(1, i, 100))
            .unwrap()
    };
    for i in 0..5 {
        msg(&mut ours, i);
    }
    assert!(ours.run_until(Duration::from_secs(5), |_| peer.data_count() == 5));
    // 1. Our outgoing stream 1.
    ours.d.ep.reset_streams(Instant::now(), id, &[1]).unwrap();
    for i in 5..8 {
        msg(&mut ours, i);
    }
    let ok = ours.run_until(Duration::from_secs(5), |o| {
        !stream_resets(o, true).is_empty() && peer.data_count() == 8
    });
    assert!(ok, "reset of stream 1: {:?}\n{}", ours.events, peer.tail());
    assert_eq!(stream_resets(&ours, true), vec![(vec![1], Performed)]);
    assert!(
        peer.saw("stream_reset incoming=1 outgoing=0 denied=0 failed=0 streams=1"),
        "{}",
        peer.tail()
    );
    let got: Vec<(u16, u32, bool)> = peer
        .received()
        .iter()
        .map(|r| (r.sid, r.idx, r.ok))
        .collect();
    assert_eq!(
        got,
        (0..8).map(|i| (1, i, true)).collect::<Vec<_>>(),
        "in order, intact"
    );
    // 2. usrsctp's outgoing stream 2 (our incoming).
    peer.cmd("reset out 2");
    let ok = ours.run_until(Duration::from_secs(5), |o| {
        !stream_resets(o, false).is_empty()
    });
    assert!(ok, "{:?}\n{}", ours.events, peer.tail());
    assert_eq!(stream_resets(&ours, false), vec![(vec![2], Performed)]);
    // usrsctp takes one request at a time (EALREADY otherwise): wait until
    // it heard our answer.
    let ok = ours.run_until(Duration::from_secs(5), |_| {
        peer.saw("stream_reset incoming=0 outgoing=1 denied=0 failed=0 streams=2")
    });
    assert!(ok, "{}", peer.tail());
    // 3. usrsctp asks for our stream 3 to be reset.
    peer.cmd("reset in 3");
    let ok = ours.run_until(Duration::from_secs(5), |o| {
        stream_resets(o, true).len() == 2
    });
    assert!(ok, "{:?}\n{}", ours.events, peer.tail());
    assert_eq!(stream_resets(&ours, true)[1], (vec![3], Performed));
    // 4. We add 4 outgoing streams and ask for 2 incoming.
    let (out0, in0) = ours.d.ep.status(id).unwrap().streams;
    ours.d.ep.add_streams(Instant::now(), id, 4, 2).unwrap();
    let ok = ours.run_until(Duration::from_secs(5), |o| {
        o.d.ep.status(id).unwrap().streams == (out0 + 4, in0 + 2)
    });
    assert!(
        ok,
        "streams {:?}; {:?}\n{}",
        ours.d.ep.status(id).unwrap().streams,
        ours.events,
        peer.tail()
    );
    // The new outgoing stream carries data.
    ours.d
        .ep
        .send(
            id,
            out0 + 3,
            1000 + out0 as u32 + 3,
            false,
            peer::body(out0 + 3, 8, 100),
        )
        .unwrap();
    assert!(
        ours.run_until(Duration::from_secs(5), |_| peer.data_count() == 9),
        "{}",
        peer.tail()
    );
    // 5. usrsctp adds 3 outgoing streams (our incoming), once our answer
    // to its own Add Outgoing Streams Request of step 4 reached it (it
    // takes one request at a time).
    ours.run_until(Duration::from_millis(500), |_| false);
    peer.cmd("addstreams 3 0");
    let ok = ours.run_until(Duration::from_secs(5), |o| {
        o.d.ep.status(id).unwrap().streams.1 == in0 + 5
    });
    assert!(ok, "{:?}\n{}", ours.events, peer.tail());
    assert!(peer.saw("notification stream_change"), "{}", peer.tail());
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
}

/// NR-SACK with usrsctp (`nrsack=1`): both list it, so every
/// acknowledgement either way is an NR-SACK (0x10), never a SACK, and 500
/// messages each way arrive.
fn nr_sack(role: Role, n: u16) {
    let (udp, peer_udp, relay_port) = ports(n);
    let target = match role {
        Role::WeConnect => SocketAddr::new(LOOPBACK, peer_udp),
        Role::TheyConnect => SocketAddr::new(LOOPBACK, udp),
    };
    let relay = Relay::start(relay_port, target);
    let cfg = Config {
        nr_sack: true,
        ..test_config()
    };
    let (mut ours, id, mut peer) =
        associate(role, cfg, udp, peer_udp, &["nrsack=1"], Some(relay.port));
    assert!(ours.d.ep.status(id).unwrap().nr_sack, "NR-SACK negotiated");
    exchange(role, &mut ours, id, &mut peer, 500, small, 800, false);
    let seen = relay.seen.lock().unwrap();
    let by_tshark = tshark_chunk_types(&seen, "nr_sack");
    assert!(by_tshark.iter().flatten().filter(|t| **t == 0x10).count() > 20);
    for (dir, types) in [("forward", &seen.forward), ("back", &seen.backward)] {
        let nr = types.iter().filter(|t| **t == 0x10).count();
        let sacks = types.iter().filter(|t| **t == 3).count();
        assert!(nr > 10 && sacks == 0, "{dir}: {nr} NR-SACKs, {sacks} SACKs");
    }
}
