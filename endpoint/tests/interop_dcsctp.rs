//! Interop with `dcsctp` (0.1, the Rust port of WebRTC's dcsctp) over the
//! in-memory link on a virtual clock (1 ms one way), our endpoint in both
//! roles: handshake, 1,000 messages each way on 8 streams (1 to 3,000
//! bytes, every one checked for stream, PPID, bytes and order), graceful
//! shutdown started by either side, 64 KiB messages, corrupted packets,
//! the INIT parameters, and checksums: dcsctp offers RFC 9653 zero
//! checksum when told to; without our own offer CRC32c stays, with it both
//! sides send zero checksums.
//!
//! dcsctp is a WebRTC subset: one association per socket, no multihoming,
//! no addresses in INIT (SCTP over DTLS).

mod common;

use std::time::Instant;

use common::dcsctp_peer::{options, Dcsctp};
use common::{flip, Dir, Pair, Peer, Role};
use dcsctp::api::{Options, ZERO_CHECKSUM_ALTERNATE_ERROR_DETECTION_METHOD_LOWER_LAYER_DTLS};

/// Any 32-bit PPID goes through dcsctp.
fn ppid(s: u16) -> u32 {
    1000 + s as u32
}

fn setup(role: Role, opts: Options) -> (Pair, Dir) {
    let start = Instant::now();
    common::pair(role, Box::new(Dcsctp::new("dcsctp", opts, start)), start)
}

fn data_and_shutdown(role: Role, closer_is_ours: bool) {
    let (mut p, ours) = setup(role, options());
    p.handshake();
    common::exchange(&mut p, ours, 1000, 8, ppid);
    common::assert_all_crc32c(&p);
    let from = if closer_is_ours { ours } else { flip(ours) };
    let ok = p.shutdown(from);
    assert!(ok, "shutdown did not finish\n{}", p.report());
    // RFC 9260 9.2: SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE, each once.
    assert_eq!(common::count_chunks(&p, from, 7), 1, "one SHUTDOWN");
    assert_eq!(
        common::count_chunks(&p, flip(from), 8),
        1,
        "one SHUTDOWN ACK"
    );
    assert_eq!(
        common::count_chunks(&p, from, 14),
        1,
        "one SHUTDOWN COMPLETE"
    );
    let ours_ep = common::our_peer(&mut p, ours);
    assert_eq!(ours_ep.ep.association_count(), 0);
    assert!(ours_ep.log().iter().any(|l| l.contains("ShutdownComplete")));
}

#[test]
fn ours_client_data_and_our_shutdown() {
    data_and_shutdown(Role::OursClient, true);
}

#[test]
fn ours_server_data_and_our_shutdown() {
    data_and_shutdown(Role::OursServer, true);
}

#[test]
fn ours_client_data_and_their_shutdown() {
    data_and_shutdown(Role::OursClient, false);
}

#[test]
fn ours_server_data_and_their_shutdown() {
    data_and_shutdown(Role::OursServer, false);
}

/// What each side puts in INIT and INIT ACK, and the streams agreed.
#[test]
fn init_parameters_and_streams() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role, options());
        p.handshake();
        common::print_inits(&p);
        let (init_dir, ack_dir) = (Dir::AtoB, Dir::BtoA);
        let theirs_ty = if ours == init_dir { 2 } else { 1 };
        let theirs: Vec<u16> = common::init_params(&p, flip(ours), theirs_ty)
            .iter()
            .map(|t| t.0)
            .collect();
        // Forward-TSN-Supported (RFC 3758) and Supported Extensions
        // (RFC 5061) listing RE-CONFIG and FORWARD TSN; no addresses.
        assert!(
            theirs.contains(&0xc000) && theirs.contains(&0x8008),
            "{theirs:x?}"
        );
        assert!(!theirs.contains(&5) && !theirs.contains(&6), "no addresses");
        // dcsctp announces 65,535 streams each way; we ask for 10 out.
        let (_, _, os, mis, _) = common::init_fixed(&p, flip(ours), theirs_ty).unwrap();
        assert_eq!((os, mis), (65535, 65535));
        let st = common::our_peer(&mut p, ours).status().unwrap();
        assert_eq!(st.streams, (10, 65535));
        let (zero, streams, _) = common::their_peer::<Dcsctp>(&mut p, ours)
            .metrics()
            .unwrap();
        assert!(!zero);
        assert_eq!(streams, (10, 65535), "dcsctp: (incoming, outgoing)");
        // We recognise all of them: no Unrecognized Parameter back.
        let ours_ty = if ours == init_dir { 1 } else { 2 };
        assert!(common::init_params(&p, ours, ours_ty)
            .iter()
            .all(|t| t.0 != 8));
        let _ = ack_dir;
    }
}

/// dcsctp told to use zero checksum with DTLS (RFC 9653) offers it in its
/// INIT (Zero Checksum Acceptable, 0x8001, method 1), and in INIT ACK only
/// in answer to an offer. We never offer it (we have no lower layer to
/// vouch for the packets), so dcsctp must keep sending CRC32c (RFC 9653
/// 5): it does, in both roles.
#[test]
fn zero_checksum_offer_declined_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let opts = Options {
            zero_checksum_alternate_error_detection_method:
                ZERO_CHECKSUM_ALTERNATE_ERROR_DETECTION_METHOD_LOWER_LAYER_DTLS,
            ..options()
        };
        let (mut p, ours) = setup(role, opts);
        p.handshake();
        let ty = if ours == Dir::AtoB { 2 } else { 1 };
        let theirs = common::init_params(&p, flip(ours), ty);
        let offer = theirs.iter().find(|t| t.0 == 0x8001).map(|t| t.2.clone());
        if role == Role::OursServer {
            // Its INIT offers Zero Checksum Acceptable, method 1 (DTLS).
            assert_eq!(offer, Some(vec![0, 0, 0, 1]), "{theirs:?}");
        } else {
            // Its INIT ACK answers only an offer, and our INIT made none.
            assert_eq!(offer, None, "{theirs:?}");
        }
        let ours_ty = if ours == Dir::AtoB { 1 } else { 2 };
        assert!(common::init_params(&p, ours, ours_ty)
            .iter()
            .all(|t| t.0 != 0x8001));
        common::exchange(&mut p, ours, 200, 4, ppid);
        common::assert_all_crc32c(&p);
        let (zero, _, _) = common::their_peer::<Dcsctp>(&mut p, ours)
            .metrics()
            .unwrap();
        assert!(!zero, "dcsctp must not use zero checksum");
        assert!(p.shutdown(ours), "{}", p.report());
    }
}

/// Both offer zero checksum with method 1 (RFC 9653, `Config::
/// zero_checksum_edmid`): every packet with DATA or SACK each side sends
/// has a zero checksum field, INIT always CRC32c; 500 messages go
/// each way; dcsctp reports zero checksum in use. A packet whose checksum
/// is neither right nor zero is still dropped.
#[test]
fn zero_checksum_negotiated_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let opts = Options {
            zero_checksum_alternate_error_detection_method:
                ZERO_CHECKSUM_ALTERNATE_ERROR_DETECTION_METHOD_LOWER_LAYER_DTLS,
            ..options()
        };
        let start = Instant::now();
        let cfg = sctp_endpoint::Config {
            zero_checksum_edmid: Some(1),
            ..common::our_config()
        };
        let (mut p, ours) = common::pair_with(
            role,
            Box::new(Dcsctp::new("dcsctp", opts, start)),
            start,
            cfg,
        );
        p.handshake();
        common::exchange(&mut p, ours, 500, 4, ppid);
        let (zero, _, _) = common::their_peer::<Dcsctp>(&mut p, ours)
            .metrics()
            .unwrap();
        assert!(zero, "dcsctp uses zero checksum");
        assert!(
            common::our_peer(&mut p, ours)
                .status()
                .unwrap()
                .zero_checksum
        );
        for (dir, pk) in &p.trace {
            let first = pk[12];
            let state = common::checksum_state(pk);
            if first == 1 {
                assert_eq!(state, "crc-ok", "{dir:?}: INIT with {state}");
            } else if first == 0 || first == 3 {
                // DATA and SACK go with zero checksums (the handshake's
                // other packets may use either, RFC 9653 5.2).
                assert_eq!(
                    state, "zero-checksum",
                    "{dir:?}: chunk {first} with {state}"
                );
            }
        }
        let zeros = common::checksum_counts(&p, ours)["zero-checksum"];
        assert!(zeros > 100, "{zeros}");
        // A checksum field that is neither zero nor right is refused.
        let theirs = flip(ours);
        let mut n = 0;
        p.set_tamper(move |dir, pk| {
            if dir == theirs && pk.get(12) == Some(&0) {
                n += 1;
                if n % 7 == 3 && n < 30 {
                    pk[8..12].copy_from_slice(&0xdead_beefu32.to_be_bytes());
                }
            }
            common::Tamper::Pass
        });
        common::exchange(&mut p, ours, 200, 4, ppid);
        p.clear_tamper();
        let st = common::our_peer(&mut p, ours).ep.stats();
        assert!(st.bad_checksum >= 3, "{st:?}");
        assert!(p.shutdown(ours), "{}", p.report());
    }
}

/// A packet with a wrong CRC32c is discarded by both (RFC 9260 6.8) and
/// its DATA retransmitted.
#[test]
fn corrupted_packets_discarded_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role, options());
        p.handshake();
        common::corrupted_packets_are_dropped(&mut p, ours, ppid);
        assert!(p.shutdown(ours), "{}", p.report());
    }
}

/// 64 KiB messages fragment and reassemble both ways.
#[test]
fn large_messages_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role, options());
        p.handshake();
        common::large_messages(&mut p, ours, 50, ppid);
        assert!(p.shutdown(flip(ours)), "{}", p.report());
    }
}

/// Five idle minutes: both send HEARTBEATs (RFC 9260 8.3), both answer.
#[test]
fn idle_heartbeats_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let (mut p, ours) = setup(role, options());
        p.handshake();
        let (mine, theirs) = common::idle_heartbeats(&mut p, ours, 300, ppid);
        assert!(mine >= 5 && theirs >= 5, "{mine} {theirs}");
    }
}

/// dcsctp with message interleaving (RFC 8260) lists I-DATA in Supported
/// Extensions; we do not, so it must send DATA: it does.
#[test]
fn interleaving_offer_declined() {
    for role in [Role::OursClient, Role::OursServer] {
        let opts = Options {
            enable_message_interleaving: true,
            ..options()
        };
        let (mut p, ours) = setup(role, opts);
        p.handshake();
        common::exchange(&mut p, ours, 200, 4, ppid);
        assert_eq!(common::count_chunks(&p, flip(ours), 64), 0, "no I-DATA");
        assert!(common::count_chunks(&p, flip(ours), 0) > 0);
    }
}

/// Both offering I-DATA (RFC 8260): dcsctp and we both send I-DATA, and
/// every message still arrives whole, in order per stream.
#[test]
fn interleaving_with_i_data_both_roles() {
    for role in [Role::OursClient, Role::OursServer] {
        let opts = Options {
            enable_message_interleaving: true,
            ..options()
        };
        let start = Instant::now();
        let cfg = sctp_endpoint::Config {
            interleaving: true,
            ..common::our_config()
        };
        let (mut p, ours) = common::pair_with(
            role,
            Box::new(Dcsctp::new("dcsctp", opts, start)),
            start,
            cfg,
        );
        p.handshake();
        common::exchange(&mut p, ours, 500, 4, ppid);
        assert!(common::count_chunks(&p, ours, 64) > 0, "we send I-DATA");
        assert!(
            common::count_chunks(&p, flip(ours), 64) > 0,
            "dcsctp sends I-DATA"
        );
        assert_eq!(common::count_chunks(&p, ours, 0), 0, "and no DATA");
        assert!(common::our_peer(&mut p, ours).status().unwrap().i_data);
    }
}
