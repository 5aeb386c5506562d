//! Interop with `sctp-proto` (0.10, webrtc-rs, quinn-proto style) over the
//! in-memory link on a virtual clock (1 ms one way), our endpoint in both
//! roles: handshake, 1,000 messages each way on 8 streams (1 to 3,000
//! bytes, every one checked for stream, PPID, bytes and order), graceful
//! shutdown, 64 KiB messages, corrupted packets, INIT parameters and PPIDs.
//!
//! sctp-proto is a WebRTC subset, and these tests name where it cannot do
//! what RFC 9260 asks:
//! - it cannot *start* a graceful shutdown: `Association::shutdown` tells
//!   its `Endpoint` at once that the association is drained, the endpoint
//!   forgets the association's tag, and the peer's SHUTDOWN ACK is then
//!   dropped as unroutable, so it sends SHUTDOWN forever (RFC 9260 9.2:
//!   SHUTDOWN ACK stops T2 and is answered by SHUTDOWN COMPLETE; T2
//!   retransmissions are limited by Association.Max.Retrans; sctp-proto
//!   sets no limit). What it offers instead is `close`, which drops the
//!   association without a word to the peer: it cannot send ABORT at all
//!   (RFC 9260 9.1), except for its own receive-buffer exhaustion, and
//!   the closed association still answers HEARTBEAT (8.4 would have it
//!   treated as out of the blue);
//! - its PPID is an enum of the WebRTC values: any other PPID (RFC 9260
//!   3.3.1: an opaque 32-bit value passed to the upper layer) arrives as
//!   `Unknown` and cannot be sent;
//! - it keeps per-association state from the INIT on (RFC 9260 5.1 B: no
//!   resources before a valid COOKIE ECHO); its State Cookie is 32 bytes.

mod common;

use std::time::{Duration, Instant};

use common::sctp_proto_peer::{transport, SctpProto};
use common::{flip, Dir, Pair, Role};

/// sctp-proto carries only the WebRTC PPIDs: string (51) and binary (53).
fn ppid(s: u16) -> u32 {
    [51, 53][usize::from(s & 1)]
}

fn setup(role: Role) -> (Pair, Dir) {
    let start = Instant::now();
    common::pair(role, Box::new(SctpProto::new(transport())), start)
}

fn data_and_our_shutdown(role: Role) {
    let (mut p, ours) = setup(role);
    p.handshake();
    common::exchange(&mut p, ours, 1000, 8, ppid);
    common::assert_all_crc32c(&p);
    let ok = p.shutdown(ours);
    assert!(ok, "shutdown did not finish\n{}", p.report());
    assert_eq!(common::count_chunks(&p, ours, 7), 1, "one SHUTDOWN");
    assert_eq!(
        common::count_chunks(&p, flip(ours), 8),
        1,
        "one SHUTDOWN ACK"
    );
    assert_eq!(
        common::count_chunks(&p, ours, 14),
        1,
        "one SHUTDOWN COMPLETE"
    );
    assert_eq!(common::our_peer(&mut p, ours).ep.association_count(), 0);
    // sctp-proto reports the graceful close as "aborted by peer"
    // (AssociationError::AssociationClosed): a misleading label only.
    assert!(p
        .peer(ours)
        .log()
        .iter()
        .any(|l| l.starts_with("AssociationLost")));
}

#[test]
fn ours_client_data_and_our_shutdown() {
    data_and_our_shutdown(Role::OursClient);
}

#[test]
fn ours_server_data_and_our_shutdown() {
    data_and_our_shutdown(Role::OursServer);
}

/// sctp-proto starts the shutdown. We do our part (RFC 9260 9.2: the
/// ShutdownEvent, SHUTDOWN ACK for each SHUTDOWN) but its endpoint drops
/// our SHUTDOWN ACK, so it never finishes; after Association.Max.Retrans
/// SHUTDOWN ACKs we give the association up (9.2), while sctp-proto keeps
/// retransmitting SHUTDOWN. Then what it offers instead: `close`, silent.
/// (`p.shutdown` runs both until closed or 30 virtual seconds.)
fn their_shutdown(role: Role) {
    let (mut p, ours) = setup(role);
    p.handshake();
    common::exchange(&mut p, ours, 1000, 8, ppid);
    if p.shutdown(flip(ours)) {
        panic!("sctp-proto finished a shutdown it started: update this test and the docs");
    }
    assert!(p
        .peer(flip(ours))
        .log()
        .iter()
        .any(|l| l.contains("ShutdownEvent")));
    let shutdowns = common::count_chunks(&p, flip(ours), 7);
    let acks = common::count_chunks(&p, ours, 8);
    assert!(
        shutdowns > 3 && acks >= shutdowns - 1,
        "{shutdowns} SHUTDOWN, {acks} SHUTDOWN ACK"
    );
    assert!(
        common::count_chunks(&p, flip(ours), 14) == 0,
        "no SHUTDOWN COMPLETE"
    );
    assert!(p.peer(ours).log().iter().any(|l| l.contains("no route")));
    // We give up after Association.Max.Retrans (10) unanswered SHUTDOWN ACKs.
    let gave_up = p.run_until(Duration::from_secs(1200), |p| {
        p.peer(flip(ours)).is_closed()
    });
    assert!(gave_up, "{}", p.report());
    assert!(p
        .peer(flip(ours))
        .log()
        .iter()
        .any(|l| l.contains("CommLost") && l.contains("Timeout")));

    // What sctp-proto offers instead: close(). It sends nothing (no ABORT,
    // RFC 9260 9.1), and the closed association goes on answering our
    // HEARTBEATs (a closed endpoint treats them as out of the blue, 8.4),
    // so we cannot notice. Only once the application drops it do the
    // heartbeats go unanswered and we give up (8.1, 8.3).
    let (mut p, ours) = setup(role);
    p.handshake();
    common::exchange(&mut p, ours, 100, 4, ppid);
    let sp = common::their_peer::<SctpProto>(&mut p, ours);
    sp.assoc.as_mut().unwrap().1.close().unwrap();
    let acks = common::count_chunks(&p, flip(ours), 5);
    let closed = p.run_until(Duration::from_secs(600), |p| p.peer(flip(ours)).is_closed());
    assert!(!closed, "we are still up: {}", p.report());
    assert_eq!(common::count_chunks(&p, flip(ours), 6), 0, "no ABORT");
    assert!(
        common::count_chunks(&p, flip(ours), 5) >= acks + 10,
        "HEARTBEAT ACKs"
    );
    common::their_peer::<SctpProto>(&mut p, ours).assoc = None;
    let t0 = p.now;
    let ok = p.run_until(Duration::from_secs(3600), |p| {
        p.peer(flip(ours)).is_closed()
    });
    assert!(ok, "{}", p.report());
    eprintln!(
        "{role:?}: sctp-proto's association dropped; CommLost after {:?}",
        p.now - t0
    );
    assert!(p
        .peer(flip(ours))
        .log()
        .iter()
        .any(|l| l.contains("CommLost") && l.contains("Timeout")));
}

#[test]
fn ours_client_their_shutdown_never_completes() {
    their_shutdown(Role::OursClient);
}

#[test]
fn ours_server_their_shutdown_never_completes() {
    their_shutdown(Role::OursServer);
}

/// What each side puts in INIT and INIT ACK, and the streams agreed.
#[test]
fn init_parameters_and_streams() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role);
        p.handshake();
        common::print_inits(&p);
        let theirs_ty = if ours == Dir::AtoB { 2 } else { 1 };
        let theirs = common::init_params(&p, flip(ours), theirs_ty);
        // Supported Extensions (RFC 5061) with RE-CONFIG and FORWARD TSN,
        // but no Forward-TSN-Supported parameter (RFC 3758 3.1 asks for
        // it) and no addresses.
        let types: Vec<u16> = theirs.iter().map(|t| t.0).collect();
        assert!(types.contains(&0x8008), "{types:x?}");
        let ext = &theirs.iter().find(|t| t.0 == 0x8008).unwrap().2;
        assert_eq!(ext[..2], [0x82, 0xc0]);
        assert!(!types.contains(&0xc000) && !types.contains(&5) && !types.contains(&6));
        if theirs_ty == 2 {
            // Its State Cookie is 32 bytes: a key to state it keeps.
            let cookie = theirs.iter().find(|t| t.0 == 7).unwrap();
            assert_eq!(cookie.2.len(), 32);
        }
        let st = common::our_peer(&mut p, ours).status().unwrap();
        eprintln!("{role:?}: our streams (out, in) {:?}", st.streams);
        assert!(st.streams.0 == 10);
        assert!(common::init_params(&p, ours, 3 - theirs_ty)
            .iter()
            .all(|t| t.0 != 8));
    }
}

/// A PPID outside the WebRTC set reaches sctp-proto as `Unknown`.
#[test]
fn other_ppids_arrive_as_unknown() {
    let (mut p, ours) = setup(Role::OursClient);
    p.handshake();
    p.send_all(ours, 10, 2, |_| 100, |_| 1000);
    let sp = common::their_peer::<SctpProto>(&mut p, ours);
    assert_eq!(sp.unknown_ppids, 10);
    let got = std::mem::take(p.peer(ours).inbox());
    assert!(got.iter().all(|m| m.ppid == 0 && m.data.len() == 100));
}

/// A packet with a wrong CRC32c is discarded by both (RFC 9260 6.8) and
/// its DATA retransmitted.
#[test]
fn corrupted_packets_discarded_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role);
        p.handshake();
        common::corrupted_packets_are_dropped(&mut p, ours, ppid);
        assert!(p.shutdown(ours), "{}", p.report());
    }
}

/// 64 KiB messages fragment and reassemble both ways.
#[test]
fn large_messages_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role);
        p.handshake();
        common::large_messages(&mut p, ours, 50, ppid);
        assert!(p.shutdown(ours), "{}", p.report());
    }
}

/// Five idle minutes: we send HEARTBEATs and sctp-proto answers them;
/// sctp-proto sends none (it has no heartbeat timer: RFC 9260 8.3 says an
/// endpoint SHOULD monitor idle destinations with HEARTBEAT).
#[test]
fn idle_heartbeats_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role);
        p.handshake();
        let (mine, theirs) = common::idle_heartbeats(&mut p, ours, 300, ppid);
        assert!(mine >= 5, "{mine}");
        assert_eq!(theirs, 0);
    }
}
