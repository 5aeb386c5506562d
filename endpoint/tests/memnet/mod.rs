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
