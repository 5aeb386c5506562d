//! What the tests on the in-memory link (`memlink::Network`) share: A at
//! 10.0.0.1 and B listening on port 5000 at 10.0.0.2, A connecting from
//! port 5001, and both reporting the association up.
#![allow(dead_code)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The link (`imp`, `seed`) from `now` with A (config `a`, endpoint key
/// bytes `ka`) and B listening on port 5000 (config `b`, key bytes `kb`).
pub fn two_nodes(
    now: Instant,
    imp: Impairment,
    seed: u64,
    a: (Config, u8),
    b: (Config, u8),
) -> Network {
    let mut n = Network::new(now, imp, seed);
    n.add(Endpoint::new(a.0, now, [a.1; 32]), vec![ip("10.0.0.1")]);
    let mut e = Endpoint::new(b.0, now, [b.1; 32]);
    e.listen(5000);
    n.add(e, vec![ip("10.0.0.2")]);
    n
}

/// A connects (at `now`) from 10.0.0.1:5001 to 10.0.0.2:5000. A's
/// association.
pub fn connect(n: &mut Network, now: Instant) -> AssocId {
    n.ep(0)
        .connect(
            now,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap()
}

/// Whether node `i` reported the association up.
pub fn is_up(n: &Network, i: usize) -> bool {
    n.events[i].iter().any(|e| {
        matches!(
            e,
            Event::AssocChange {
                change: AssocChange::CommUp,
                ..
            }
        )
    })
}

/// [`connect`], then both sides report the association up within `limit`
/// of virtual time. A's association.
pub fn connect_up(n: &mut Network, now: Instant, limit: Duration) -> AssocId {
    let a = connect(n, now);
    assert!(n.run_until(limit, |n| is_up(n, 0) && is_up(n, 1)));
    a
}

/// Two multihomed nodes on the link (`imp`, `seed`) from `now`: A (config,
/// key bytes, addresses) and B listening on port 5000 with its local
/// addresses set to all of its own.
pub fn multihomed(
    now: Instant,
    imp: Impairment,
    seed: u64,
    a: (Config, u8, &[&str]),
    b: (Config, u8, &[&str]),
) -> Network {
    let mut n = Network::new(now, imp, seed);
    n.add(
        Endpoint::new(a.0, now, [a.1; 32]),
        a.2.iter().map(|s| ip(s)).collect(),
    );
    let mut e = Endpoint::new(b.0, now, [b.1; 32]);
    e.listen(5000);
    let b_addrs: Vec<IpAddr> = b.2.iter().map(|s| ip(s)).collect();
    e.set_local_addresses(b_addrs.clone());
    n.add(e, b_addrs);
    n
}

/// The association node `i` reported up, if any.
pub fn up_id(n: &Network, i: usize) -> Option<AssocId> {
    n.events[i].iter().find_map(|e| match e {
        Event::AssocChange {
            id,
            change: AssocChange::CommUp,
            ..
        } => Some(*id),
        _ => None,
    })
}

/// A connects (at `now`) from 10.1.0.1:5001, also offering 10.2.0.1, to
/// 10.1.0.2:5000; both sides report the association up within 10 s of
/// virtual time. (A's association, B's.)
pub fn connect_two_paths(n: &mut Network, now: Instant) -> (AssocId, AssocId) {
    let mut o = ConnectOptions::new(ip("10.1.0.1"), 5001, (ip("10.1.0.2"), 0).into(), 5000);
    o.extra_local = vec![ip("10.2.0.1")];
    let a = n.ep(0).connect(now, o).unwrap();
    assert!(
        n.run_until(Duration::from_secs(10), |n| up_id(n, 0).is_some()
            && up_id(n, 1).is_some())
    );
    let b = up_id(n, 1).unwrap();
    (a, b)
}

/// A connects (at the link's time) from 10.0.0.1:5001 to 10.0.0.2:5000;
/// both sides report it up within 30 s of virtual time, A under the id
/// `connect` gave. (A's association, B's.)
pub fn connect_pair(n: &mut Network) -> (AssocId, AssocId) {
    let now = n.now;
    let a = connect(n, now);
    assert!(
        n.run_until(Duration::from_secs(30), |n| up_id(n, 0).is_some()
            && up_id(n, 1).is_some())
    );
    assert_eq!(up_id(n, 0), Some(a));
    (a, up_id(n, 1).unwrap())
}
