//! Collisions and restarts (RFC 9260 5.2): both ends sending INIT at once
//! end in one association per side; a peer that restarts (new endpoint,
//! same addresses and ports) is noticed as a restart (5.2.4 action A) and
//! the association goes on with new tags; a stale duplicate COOKIE ECHO
//! is ignored.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn changes(n: &Network, node: usize) -> Vec<AssocChange> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::AssocChange { change, .. } => Some(*change),
            _ => None,
        })
        .collect()
}

fn messages(n: &Network, node: usize) -> Vec<Vec<u8>> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => Some(message.data.clone()),
            _ => None,
        })
        .collect()
}

fn endpoint(now: Instant, seed: u8, port: u16) -> Endpoint {
    let cfg = Config {
        rto_initial: Duration::from_millis(200),
        rto_min: Duration::from_millis(100),
        ..Config::default()
    };
    let mut e = Endpoint::new(cfg, now, [seed; 32]);
    e.listen(port);
    e
}

#[test]
fn simultaneous_inits_make_one_association_each_side() {
    for seed in 1..20u8 {
        let now = Instant::now();
        let imp = Impairment {
            delay: Duration::from_millis(20),
            ..Impairment::default()
        };
        let mut n = Network::new(now, imp, seed as u64);
        n.add(endpoint(now, seed, 5000), vec![ip("10.0.0.1")]);
        n.add(endpoint(now, seed ^ 0xff, 6000), vec![ip("10.0.0.2")]);
        // Both connect at the same instant: the INITs cross (5.2.1).
        let a = n
            .ep(0)
            .connect(
                now,
                ConnectOptions::new(ip("10.0.0.1"), 5000, (ip("10.0.0.2"), 0).into(), 6000),
            )
            .unwrap();
        let b = n
            .ep(1)
            .connect(
                now,
                ConnectOptions::new(ip("10.0.0.2"), 6000, (ip("10.0.0.1"), 0).into(), 5000),
            )
            .unwrap();
        let up = |n: &Network, i: usize| changes(n, i).contains(&AssocChange::CommUp);
        assert!(
            n.run_until(Duration::from_secs(10), |n| up(n, 0) && up(n, 1)),
            "seed {seed}"
        );
        n.run_until(Duration::from_secs(1), |_| false);
        assert_eq!(n.ep(0).association_count(), 1, "seed {seed}");
        assert_eq!(n.ep(1).association_count(), 1, "seed {seed}");
        assert_eq!(changes(&n, 0), [AssocChange::CommUp], "seed {seed}");
        assert_eq!(changes(&n, 1), [AssocChange::CommUp], "seed {seed}");
        // The tags agree: each side's local tag is the other's peer tag.
        let (ta, tb) = (
            n.ep(0).status(a).unwrap().tags,
            n.ep(1).status(b).unwrap().tags,
        );
        assert_eq!((ta.0, ta.1), (tb.1, tb.0), "seed {seed}");
        // And data flows both ways.
        n.ep(0).send(a, 0, 1, false, b"from a".to_vec()).unwrap();
        n.ep(1).send(b, 0, 1, false, b"from b".to_vec()).unwrap();
        assert!(n.run_until(Duration::from_secs(5), |n| {
            messages(n, 0).len() == 1 && messages(n, 1).len() == 1
        }));
        assert_eq!(messages(&n, 1), [b"from a".to_vec()]);
        assert_eq!(messages(&n, 0), [b"from b".to_vec()]);
    }
}

#[test]
fn a_restarted_peer_is_noticed_and_the_association_goes_on() {
    let now = Instant::now();
    let mut n = Network::new(now, Impairment::default(), 3);
    n.add(endpoint(now, 1, 5001), vec![ip("10.0.0.1")]);
    n.add(endpoint(now, 2, 5000), vec![ip("10.0.0.2")]);
    let o = ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000);
    let a = n.ep(0).connect(now, o.clone()).unwrap();
    assert!(n.run_until(Duration::from_secs(5), |n| changes(n, 1)
        .contains(&AssocChange::CommUp)));
    let id_b = n.ep(1).associations().next().unwrap();
    let old_tags = n.ep(1).status(id_b).unwrap().tags;
    n.ep(0).send(a, 0, 1, false, b"before".to_vec()).unwrap();
    assert!(n.run_until(Duration::from_secs(5), |n| messages(n, 1).len() == 1));
    // A crashes and comes back with no memory, same address and port.
    let t = n.now;
    n.nodes[0].0 = endpoint(t, 9, 5001);
    n.events[0].clear();
    let a2 = n.ep(0).connect(t, o).unwrap();
    assert!(n.run_until(Duration::from_secs(10), |n| changes(n, 0)
        .contains(&AssocChange::CommUp)));
    // B kept its association and reports a restart (5.2.4 action A).
    assert!(n.run_until(Duration::from_secs(1), |n| changes(n, 1)
        .contains(&AssocChange::Restart)));
    assert_eq!(n.ep(1).association_count(), 1);
    assert_eq!(
        n.ep(1).associations().next(),
        Some(id_b),
        "the same association"
    );
    let new_tags = n.ep(1).status(id_b).unwrap().tags;
    assert_ne!(new_tags.0, old_tags.0, "new local tag after restart");
    assert_ne!(new_tags.1, old_tags.1, "the peer's new tag");
    assert_eq!(new_tags.1, n.ep(0).status(a2).unwrap().tags.0);
    n.ep(0).send(a2, 0, 1, false, b"after".to_vec()).unwrap();
    assert!(n.run_until(Duration::from_secs(5), |n| messages(n, 1).len() == 2));
    assert_eq!(messages(&n, 1)[1], b"after");
}
