//! Dynamic address reconfiguration (ASCONF, RFC 5061) between two of our
//! endpoints on the in-memory link, with the SCTP-AUTH it requires: A adds
//! an address (B follows and confirms it with a heartbeat), asks B to make
//! it B's primary, tries to delete the address its ASCONF comes from (B
//! refuses: Request to Delete Source IP Address), deletes it after moving
//! its own primary, and traffic keeps flowing both ways with the deleted
//! address's link cut. Refusals before anything is sent, and without
//! ASCONF negotiated.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AddressOp, AsconfError, AssocId, Config, Event};

mod memnet;
use memnet::{connect_two_paths, ip, multihomed};

fn cfg(asconf: bool) -> Config {
    Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        rto_max: Duration::from_secs(2),
        hb_interval: Duration::from_secs(1),
        path_max_retrans: 3,
        auth: true,
        asconf,
        ..Config::default()
    }
}

/// A owns 10.1.0.1, 10.2.0.1 and 10.3.0.1 but associates with the first
/// two; B has 10.1.0.2 and 10.2.0.2.
fn setup(b_asconf: bool) -> (Network, AssocId, AssocId) {
    let now = Instant::now();
    let mut n = multihomed(
        now,
        Impairment::default(),
        3,
        (cfg(true), 3, &["10.1.0.1", "10.2.0.1", "10.3.0.1"]),
        (cfg(b_asconf), 4, &["10.1.0.2", "10.2.0.2"]),
    );
    let (a, b) = connect_two_paths(&mut n, now);
    n.run_until(Duration::from_secs(3), |_| false);
    (n, a, b)
}

/// The AddressConfigured events of node `i`: (addr, local, op, error).
fn configured(n: &Network, i: usize) -> Vec<(IpAddr, bool, AddressOp, Option<u16>)> {
    n.events[i]
        .iter()
        .filter_map(|e| match e {
            Event::AddressConfigured {
                addr,
                local,
                op,
                error,
                ..
            } => Some((*addr, *local, *op, *error)),
            _ => None,
        })
        .collect()
}

fn messages(n: &Network, i: usize) -> usize {
    n.events[i]
        .iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .count()
}

#[test]
fn addresses_are_added_made_primary_and_deleted_and_traffic_follows() {
    let (mut n, a, b) = setup(true);
    assert!(n.ep(0).status(a).unwrap().asconf);
    let a3 = ip("10.3.0.1");
    // 1. Add 10.3.0.1.
    let now = n.now;
    n.ep(0).add_address(now, a, a3).unwrap();
    let ok = n.run_until(Duration::from_secs(5), |n| {
        n.events[1].iter().any(
            |e| matches!(e, Event::PeerAddrChange { addr, available: true, .. } if addr.ip() == a3),
        )
    });
    assert!(ok, "B confirms the new address: {:?}", n.events[1]);
    assert_eq!(
        configured(&n, 0),
        vec![(a3, true, AddressOp::Add(a3), None)]
    );
    assert_eq!(
        configured(&n, 1),
        vec![(a3, false, AddressOp::Add(a3), None)]
    );
    assert!(n.ep(0).status(a).unwrap().local_addrs.contains(&a3));
    assert!(n
        .ep(1)
        .status(b)
        .unwrap()
        .peer_addrs
        .iter()
        .any(|p| p.ip() == a3));
    // 2. B's primary becomes 10.3.0.1.
    let now = n.now;
    n.ep(0).set_peer_primary(now, a, a3).unwrap();
    n.run_until(Duration::from_secs(2), |_| false);
    assert_eq!(n.ep(1).status(b).unwrap().primary.ip(), a3);
    // 3. Deleting 10.1.0.1 from an ASCONF sent from 10.1.0.1 is refused.
    let a1 = ip("10.1.0.1");
    let now = n.now;
    n.ep(0).remove_address(now, a, a1).unwrap();
    n.run_until(Duration::from_secs(2), |_| false);
    assert_eq!(
        configured(&n, 0).last(),
        Some(&(a1, true, AddressOp::Delete(a1), Some(0x00A2)))
    );
    // 4. With A's primary on B's 10.2.0.2 the ASCONF leaves from another
    // address: the delete goes through.
    assert!(n.ep(0).set_primary(a, ip("10.2.0.2")));
    let now = n.now;
    n.ep(0).remove_address(now, a, a1).unwrap();
    n.run_until(Duration::from_secs(2), |_| false);
    assert_eq!(
        configured(&n, 0).last(),
        Some(&(a1, true, AddressOp::Delete(a1), None))
    );
    assert_eq!(
        configured(&n, 1).last(),
        Some(&(a1, false, AddressOp::Delete(a1), None))
    );
    assert!(!n.ep(0).status(a).unwrap().local_addrs.contains(&a1));
    // 5. The deleted address's link goes: traffic flows both ways.
    n.cut(a1, ip("10.1.0.2"));
    n.cut(a1, ip("10.2.0.2"));
    for i in 0..200u32 {
        let _ = n.ep(0).send(a, 0, 1, false, i.to_be_bytes().to_vec());
        let _ = n.ep(1).send(b, 0, 1, false, i.to_be_bytes().to_vec());
    }
    let ok = n.run_until(Duration::from_secs(20), |n| {
        messages(n, 0) >= 200 && messages(n, 1) >= 200
    });
    assert!(ok, "{} / {} arrived", messages(&n, 0), messages(&n, 1));
    // Every ASCONF and ASCONF-ACK went authenticated.
    let sa = n.ep(0).status(a).unwrap().auth.unwrap();
    let sb = n.ep(1).status(b).unwrap().auth.unwrap();
    assert!(sa.sent >= 4 && sb.verified >= 4, "{sa:?} {sb:?}");
    assert_eq!((sa.unauthenticated, sb.unauthenticated), (0, 0));
}

#[test]
fn operations_that_cannot_be_asked_are_refused_at_once() {
    let (mut n, a, _) = setup(true);
    let now = n.now;
    assert_eq!(
        n.ep(0).remove_address(now, a, ip("10.9.9.9")),
        Err(AsconfError::UnknownAddress)
    );
    assert_eq!(
        n.ep(0).set_peer_primary(now, a, ip("10.9.9.9")),
        Err(AsconfError::UnknownAddress)
    );
    let (mut n, a, _) = setup(false);
    assert!(!n.ep(0).status(a).unwrap().asconf);
    let now = n.now;
    assert_eq!(
        n.ep(0).add_address(now, a, ip("10.3.0.1")),
        Err(AsconfError::NotNegotiated)
    );
}

/// The peer asks again about an address it already deleted (RFC 5061
/// 5.2: an address that is not part of the association): the second
/// Delete IP Address and a Set Primary Address of it are both refused
/// with Unresolvable Address, the primary stays where it was, and our own
/// `set_primary` refuses the deleted destination too. A's checks pass
/// because the operations are queued before the first one is answered.
#[test]
fn a_deleted_address_cannot_be_deleted_again_or_made_primary() {
    let (mut n, a, b) = setup(true);
    let a1 = ip("10.1.0.1");
    // A's ASCONFs leave from 10.2.0.1 (a Delete of the source is refused
    // for another reason).
    assert!(n.ep(0).set_primary(a, ip("10.2.0.2")));
    let now = n.now;
    n.ep(0).remove_address(now, a, a1).unwrap();
    n.ep(0).remove_address(now, a, a1).unwrap();
    n.ep(0).set_peer_primary(now, a, a1).unwrap();
    n.run_until(Duration::from_secs(5), |_| false);
    let primary_before = n.ep(1).status(b).unwrap().primary;
    assert_ne!(primary_before.ip(), a1);
    // 5: Unresolvable Address (RFC 9260 3.3.10.5).
    assert_eq!(
        configured(&n, 0),
        vec![
            (a1, true, AddressOp::Delete(a1), None),
            (a1, true, AddressOp::Delete(a1), Some(5)),
            (a1, true, AddressOp::SetPrimary(a1), Some(5)),
        ]
    );
    // B reports the one delete it performed.
    assert_eq!(
        configured(&n, 1),
        vec![(a1, false, AddressOp::Delete(a1), None)]
    );
    // B's application cannot make the deleted destination primary either.
    assert!(!n.ep(1).set_primary(b, a1));
    assert_eq!(n.ep(1).status(b).unwrap().primary, primary_before);
    assert!(n.ep(1).set_primary(b, ip("10.2.0.1")));
}
