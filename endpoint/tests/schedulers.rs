//! Stream schedulers (RFC 8260 3) end to end on the in-memory link: with
//! I-DATA and the priority scheduler a small message on an urgent stream,
//! sent after a 300 KB message on a slow stream, is delivered first (its
//! I-DATA chunks overtake the large message's); with DATA the large one
//! comes first whatever the priorities (its fragments must stay
//! consecutive, RFC 9260 6.9); first-come-first-served keeps the order of
//! sending across streams.

use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocId, Config, Event, Scheduler};

mod memnet;
use memnet::{connect, is_up, two_nodes};

fn setup(cfg: Config) -> (Network, AssocId) {
    let now = Instant::now();
    let mut n = two_nodes(now, Impairment::default(), 8, (cfg.clone(), 8), (cfg, 9));
    let a = connect(&mut n, now);
    assert!(n.run_until(Duration::from_secs(5), |n| is_up(n, 1)));
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
