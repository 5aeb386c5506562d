//! Multihoming over the in-memory link (RFC 9260 5.4, 6.4, 8.2, 8.3; RFC
//! 7829): two addresses per side, the second paths confirmed by heartbeats,
//! failover when the primary path is cut with no message lost, and an
//! association that survives 30 % loss on one of its two paths.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocId, Config, Event};

mod memnet;
use memnet::{connect_two_paths, ip, multihomed};

/// A (10.1.0.1, 10.2.0.1) and B (10.1.0.2, 10.2.0.2), associated over the
/// 10.1 path, both second paths confirmed.
fn setup(seed: u64) -> (Network, AssocId, AssocId) {
    let now = Instant::now();
    let cfg = Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        rto_max: Duration::from_secs(2),
        hb_interval: Duration::from_secs(1),
        path_max_retrans: 3,
        ..Config::default()
    };
    let mut n = multihomed(
        now,
        Impairment::default(),
        seed,
        (cfg.clone(), seed as u8, &["10.1.0.1", "10.2.0.1"]),
        (cfg, seed as u8 ^ 0xaa, &["10.1.0.2", "10.2.0.2"]),
    );
    let (a, b) = connect_two_paths(&mut n, now);
    // Both sides learn the second path and confirm it with a heartbeat.
    let confirmed = |n: &Network, i: usize| {
        n.events[i]
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::PeerAddrChange {
                        available: true,
                        ..
                    }
                )
            })
            .count()
    };
    assert!(
        n.run_until(Duration::from_secs(5), |n| confirmed(n, 0) >= 1
            && confirmed(n, 1) >= 1),
        "second paths not confirmed: {:?} / {:?}",
        n.events[0],
        n.events[1]
    );
    assert_eq!(n.ep(0).status(a).unwrap().peer_addrs.len(), 2);
    assert_eq!(n.ep(1).status(b).unwrap().peer_addrs.len(), 2);
    (n, a, b)
}

fn received(n: &Network, node: usize) -> Vec<u32> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => {
                Some(u32::from_be_bytes(message.data[..4].try_into().unwrap()))
            }
            _ => None,
        })
        .collect()
}

/// Sends `count` numbered messages from A to B on 4 streams; after
/// `before_cut` have been queued, calls `midway` once.
fn send_numbered(
    n: &mut Network,
    a: AssocId,
    count: u32,
    before_cut: u32,
    mut midway: impl FnMut(&mut Network),
) {
    let mut next = 0u32;
    let mut cut_done = false;
    let ok = n.run_until(Duration::from_secs(300), |n| {
        while next < count {
            let mut body = next.to_be_bytes().to_vec();
            body.resize(800, next as u8);
            match n.ep(0).send(a, (next % 4) as u16, 7, false, body) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
            if next == before_cut && !cut_done {
                cut_done = true;
                midway(n);
                break;
            }
        }
        received(n, 1).len() as u32 >= count
    });
    let got = received(n, 1);
    assert!(ok, "{} of {count} arrived", got.len());
    let unique: HashSet<u32> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "a message arrived twice");
    assert_eq!(unique.len() as u32, count, "messages lost");
    // In order per stream.
    for s in 0..4 {
        let per: Vec<u32> = got.iter().copied().filter(|i| i % 4 == s).collect();
        assert!(
            per.windows(2).all(|w| w[0] < w[1]),
            "stream {s} out of order"
        );
    }
}

#[test]
fn fails_over_when_the_primary_path_is_cut_and_loses_nothing() {
    let (mut n, a, _b) = setup(11);
    send_numbered(&mut n, a, 3000, 1000, |n| {
        n.cut(ip("10.1.0.1"), ip("10.1.0.2"))
    });
    // Heartbeats to the cut path go unanswered until it is inactive
    // (Path.Max.Retrans 3 here).
    n.run_until(Duration::from_secs(20), |_| false);
    // A saw its primary destination become unreachable.
    assert!(n.events[0].iter().any(|e| matches!(
        e,
        Event::PeerAddrChange { addr, available: false, .. } if addr.ip() == ip("10.1.0.2")
    )));
    let st = n.ep(0).status(a).unwrap();
    eprintln!(
        "failover: {} packets sent, {} lost, {} retransmissions",
        n.stats.sent, n.stats.lost, st.retransmissions
    );
    assert_eq!(st.state, sctp_endpoint::State::Established);
    assert!(st.retransmissions > 0);
    // Traffic really moved to the second path: packets were delivered
    // after the cut, and nothing on the cut path arrives.
    assert!(n.stats.lost > 0);
}

#[test]
fn survives_thirty_percent_loss_on_one_of_two_paths() {
    let (mut n, a, _b) = setup(12);
    let lossy = Impairment {
        loss: 0.30,
        ..Impairment::default()
    };
    n.impair(ip("10.1.0.1"), ip("10.1.0.2"), lossy);
    n.impair(ip("10.1.0.2"), ip("10.1.0.1"), lossy);
    send_numbered(&mut n, a, 3000, 0, |_| {});
    let st = n.ep(0).status(a).unwrap();
    eprintln!(
        "30% loss on one path: {} packets sent, {} lost, {} retransmissions",
        n.stats.sent, n.stats.lost, st.retransmissions
    );
    assert_eq!(st.state, sctp_endpoint::State::Established);
}
