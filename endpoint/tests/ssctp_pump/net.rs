//! What the S-SCTP tests on the in-memory link (`memlink::Network`) share:
//! the two nodes, the test certificates, connecting, reading events, and a
//! checked exchange of numbered messages.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::secure::SecureStatus;
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

/// The connecting node (10.0.0.1).
pub const A: usize = 0;
/// The listening node (10.0.0.2, port 5000).
pub const B: usize = 1;
/// 2030-01-01: inside the test certificates' validity.
pub const TIME: u64 = 1_893_456_000;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A file of endpoint/tests/data/ssctp (certificates and keys).
pub fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ssctp")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A connects from 10.0.0.1:5001 to B's 10.0.0.2:5000.
pub fn connect(n: &mut Network) -> AssocId {
    let now = n.now;
    n.ep(A)
        .connect(
            now,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap()
}

/// The association `node` reported up, if any.
pub fn assoc_up(n: &Network, node: usize) -> Option<AssocId> {
    n.events[node].iter().find_map(|e| match e {
        Event::AssocChange {
            id,
            change: AssocChange::CommUp,
            ..
        } => Some(*id),
        _ => None,
    })
}

/// How many of `node`'s events match `f`.
pub fn count(n: &Network, node: usize, f: impl Fn(&Event) -> bool) -> usize {
    n.events[node].iter().filter(|e| f(e)).count()
}

/// Whether `node` reported its secure session up.
pub fn secure_up(n: &Network, node: usize) -> bool {
    count(n, node, |e| matches!(e, Event::SecureSessionUp { .. })) > 0
}

/// The messages `node` received, in order.
pub fn received(n: &Network, node: usize) -> Vec<Vec<u8>> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => Some(message.data.clone()),
            _ => None,
        })
        .collect()
}

/// Sends `k` numbered messages from A on stream 0 (queued in rounds so the
/// send buffer never fills) and checks B got exactly them, in order.
pub fn exchange(n: &mut Network, a: AssocId, first: usize, k: usize) {
    let before = received(n, B).len();
    let mut sent = first;
    while sent < first + k {
        while sent < first + k {
            let msg = format!("message {sent:06} {}", "x".repeat(sent % 90)).into_bytes();
            match n.ep(A).send(a, 0, 51, false, msg) {
                Ok(()) => sent += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        let target = before + (sent - first);
        assert!(
            n.run_until(Duration::from_secs(120), |n| received(n, B).len() >= target),
            "only {} of {} messages arrived",
            received(n, B).len() - before,
            sent - first
        );
    }
    let got = received(n, B);
    assert_eq!(got.len(), before + k, "a message arrived twice");
    for (i, m) in got[before..].iter().enumerate() {
        let want = format!("message {:06} ", first + i);
        assert!(
            m.starts_with(want.as_bytes()),
            "message {} out of order",
            first + i
        );
    }
}

/// Whether A and B each reported exactly one event matching `f`.
pub fn both_once(n: &Network, f: impl Fn(&Event) -> bool) -> bool {
    count(n, A, &f) == 1 && count(n, B, &f) == 1
}

/// Sends `k` messages from `first` (see [`exchange`]) and checks B's
/// count of EncData chunks received grew.
pub fn exchange_in_encdata(n: &mut Network, a: AssocId, b: AssocId, first: usize, k: usize) {
    let enc_before = n.ep(B).status(b).unwrap().secure.unwrap().stats.encdata_in;
    exchange(n, a, first, k);
    assert!(n.ep(B).status(b).unwrap().secure.unwrap().stats.encdata_in > enc_before);
}

/// SSClose from A (9.4): both sides report the session closed within `limit`.
pub fn close_secure(n: &mut Network, a: AssocId, limit: Duration) {
    assert!(n.ep(A).close_secure(a));
    assert!(n.run_until(limit, |n| both_once(n, |e| matches!(
        e,
        Event::SecureClosed { .. }
    ))));
}

/// After [`close_secure`]: `k` more messages from `first` go in clear (B
/// verifies no more packets); B's secure status after them.
pub fn clear_after_close(
    n: &mut Network,
    a: AssocId,
    b: AssocId,
    first: usize,
    k: usize,
) -> SecureStatus {
    let verified = n
        .ep(B)
        .status(b)
        .unwrap()
        .secure
        .unwrap()
        .stats
        .packets_verified;
    exchange(n, a, first, k);
    let s = n.ep(B).status(b).unwrap().secure.unwrap();
    assert_eq!(s.stats.packets_verified, verified, "clear after SSClose");
    s
}

/// The second half of the under-loss sessions: B drops to level 1, A
/// rekeys, 1,000 more messages (from 1,000), A closes the secure session
/// (60 s of virtual time for each step).
pub fn level_one_rekey_close(n: &mut Network, a: AssocId, b: AssocId) {
    assert!(n.ep(B).set_security_level(b, 1));
    assert!(n.run_until(Duration::from_secs(60), |n| {
        n.ep(B).status(b).unwrap().secure.unwrap().levels.0 == 1
    }));
    assert!(n.ep(A).rekey(a));
    assert!(
        n.run_until(Duration::from_secs(60), |n| both_once(n, |e| matches!(
            e,
            Event::SecureRekeyed { .. }
        )))
    );
    exchange(n, a, 1000, 1000);
    close_secure(n, a, Duration::from_secs(60));
}

/// The in-memory link (`imp`, `seed`) with A (10.0.0.1, `a`, endpoint key
/// bytes `ka`) and B listening on port 5000 (10.0.0.2, `b`, key bytes `kb`).
pub fn two_nodes(a: Config, b: Config, imp: Impairment, seed: u64, ka: u8, kb: u8) -> Network {
    let now = Instant::now();
    let mut n = Network::new(now, imp, seed);
    n.add(Endpoint::new(a, now, [ka; 32]), vec![ip("10.0.0.1")]);
    let mut e = Endpoint::new(b, now, [kb; 32]);
    e.listen(5000);
    n.add(e, vec![ip("10.0.0.2")]);
    n
}

/// A connects; both secure sessions come up within 30 s of virtual time.
/// Returns A's association and B's.
pub fn connect_secure(n: &mut Network) -> (AssocId, AssocId) {
    let a = connect(n);
    assert!(
        n.run_until(Duration::from_secs(30), |n| secure_up(n, A)
            && secure_up(n, B)),
        "no secure session: {:?} / {:?}",
        n.events[A],
        n.events[B]
    );
    let b = assoc_up(n, B).unwrap();
    (a, b)
}
