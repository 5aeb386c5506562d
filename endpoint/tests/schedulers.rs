//! Stream schedulers (RFC 8260 3) end to end on the in-memory link: with
//! I-DATA and the priority scheduler a small message on an urgent stream,
//! sent after a 300 KB message on a slow stream, is delivered first (its
//! I-DATA chunks overtake the large message's); with DATA the large one
//! comes first whatever the priorities (its fragments must stay
//! consecutive, RFC 9260 6.9); first-come-first-served keeps the order of
//! sending across streams.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, Scheduler};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn setup(cfg: Config) -> (Network, AssocId) {
    let now = Instant::now();
    let mut n = Network::new(now, Impairment::default(), 8);
    n.add(
        Endpoint::new(cfg.clone(), now, [8; 32]),
        vec![ip("10.0.0.1")],
    );
    let mut b = Endpoint::new(cfg, now, [9; 32]);
    b.listen(5000);
    n.add(b, vec![ip("10.0.0.2")]);
    let a = n
        .ep(0)
        .connect(
            now,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap();
    assert!(
        n.run_until(Duration::from_secs(5), |n| n.events[1].iter().any(
            |e| matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        ))
    );
    (n, a)
}

/// Streams of the messages B delivered, in order.
fn delivered(n: &Network) -> Vec<u16> {
    n.events[1]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } if message.complete => Some(message.stream),
            _ => None,
        })
        .collect()
}

fn run(interleaving: bool, scheduler: Scheduler) -> Vec<u16> {
    let cfg = Config {
        interleaving,
        scheduler,
        outbound_streams: 4,
        ..Config::default()
    };
    let (mut n, a) = setup(cfg);
    n.ep(0).set_stream_priority(a, 0, 0);
    n.ep(0).set_stream_priority(a, 1, 9);
    n.ep(0).send(a, 1, 1, false, vec![1u8; 300_000]).unwrap();
    // The large message starts going out (some of it is in flight).
    assert!(n.run_until(Duration::from_secs(1), |n| n
        .ep(0)
        .status(a)
        .is_some_and(|s| s.outstanding > 0)));
    n.ep(0).send(a, 0, 1, false, b"urgent".to_vec()).unwrap();
    assert!(n.run_until(Duration::from_secs(10), |n| delivered(n).len() == 2));
    delivered(&n)
}

#[test]
fn an_urgent_message_overtakes_a_large_one_only_with_i_data() {
    assert_eq!(
        run(true, Scheduler::Priority),
        [0, 1],
        "I-DATA with priority"
    );
    assert_eq!(
        run(false, Scheduler::Priority),
        [1, 0],
        "DATA: no overtaking"
    );
    assert_eq!(
        run(true, Scheduler::RoundRobin),
        [0, 1],
        "I-DATA round robin interleaves too"
    );
}

#[test]
fn first_come_first_served_keeps_the_order_of_sending() {
    let cfg = Config {
        scheduler: Scheduler::Fcfs,
        outbound_streams: 4,
        ..Config::default()
    };
    let (mut n, a) = setup(cfg);
    let order = [3u16, 0, 3, 1, 2, 0, 3];
    for s in order {
        n.ep(0).send(a, s, 1, false, vec![s as u8; 100]).unwrap();
    }
    assert!(n.run_until(Duration::from_secs(5), |n| delivered(n).len()
        == order.len()));
    assert_eq!(delivered(&n), order);
}
