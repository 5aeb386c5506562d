//! I-DATA and user-message interleaving (RFC 8260) over the in-memory link:
//! negotiated only when both sides offer it; a large message on one stream
//! no longer holds back small ones on another; under loss, reordering and
//! duplication every message still arrives once, in order per stream.

#![allow(clippy::manual_is_multiple_of)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocId, Config, Event};

mod memnet;
use memnet::{connect_up, two_nodes};

fn setup(imp: Impairment, a_on: bool, b_on: bool, seed: u64) -> (Network, AssocId) {
    let now = Instant::now();
    let cfg = |on| Config {
        interleaving: on,
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(200),
        max_message_size: 2 << 20,
        // Room for the 1 MiB message whole (no partial delivery here).
        receive_window: 4 << 20,
        ..Config::default()
    };
    let mut n = two_nodes(
        now,
        imp,
        seed,
        (cfg(a_on), seed as u8),
        (cfg(b_on), !seed as u8),
    );
    let a = connect_up(&mut n, now, Duration::from_secs(30));
    (n, a)
}

/// The order in which B got: a 1 MiB message on stream 0 sent first, then
/// ten small ones on stream 1.
fn big_then_small(n: &mut Network, a: AssocId) -> Vec<u16> {
    n.ep(0).send(a, 0, 1, false, vec![7u8; 1 << 20]).unwrap();
    for i in 0..10u8 {
        n.ep(0).send(a, 1, 2, false, vec![i; 100]).unwrap();
    }
    let count = |n: &Network| {
        n.events[1]
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    };
    assert!(n.run_until(Duration::from_secs(60), |n| count(n) == 11));
    let mut order = Vec::new();
    for e in &n.events[1] {
        if let Event::Message { message, .. } = e {
            assert!(message.complete);
            match message.stream {
                0 => assert_eq!(message.data, vec![7u8; 1 << 20]),
                _ => assert_eq!(message.data.len(), 100),
            }
            order.push(message.stream);
        }
    }
    order
}

#[test]
fn interleaving_lets_small_messages_pass_a_large_one() {
    let (mut n, a) = setup(Impairment::default(), true, true, 31);
    assert!(n.ep(0).status(a).unwrap().i_data, "I-DATA negotiated");
    let order = big_then_small(&mut n, a);
    assert_eq!(
        order.last(),
        Some(&0),
        "the large message completes last: {order:?}"
    );
}

#[test]
fn without_both_sides_offering_it_data_is_used_and_order_is_fifo() {
    for (a_on, b_on) in [(true, false), (false, true)] {
        let (mut n, a) = setup(Impairment::default(), a_on, b_on, 32);
        assert!(!n.ep(0).status(a).unwrap().i_data);
        let order = big_then_small(&mut n, a);
        assert_eq!(
            order.first(),
            Some(&0),
            "DATA: the large message, sent first, arrives first"
        );
    }
}

#[test]
fn i_data_survives_loss_reordering_and_duplication() {
    let imp = Impairment {
        loss: 0.1,
        duplicate: 0.05,
        reorder: 0.1,
        ..Impairment::default()
    };
    let (mut n, a) = setup(imp, true, true, 33);
    let len = |i: u32| 100 + (i as usize * 997) % 5000;
    let mut next = 0u32;
    let total = 2000u32;
    let count = |n: &Network| {
        n.events[1]
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    };
    let ok = n.run_until(Duration::from_secs(600), |n| {
        while next < total {
            let mut body = next.to_be_bytes().to_vec();
            body.resize(len(next), next as u8);
            match n.ep(0).send(a, (next % 6) as u16, 3, next % 7 == 0, body) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("{e}"),
            }
        }
        count(n) == total as usize
    });
    assert!(ok, "{} of {total}", count(&n));
    let mut seen = HashSet::new();
    let mut last = [None::<u32>; 6];
    for e in &n.events[1] {
        if let Event::Message { message: m, .. } = e {
            let i = u32::from_be_bytes(m.data[..4].try_into().unwrap());
            assert!(seen.insert(i), "{i} twice");
            assert_eq!(m.data.len(), len(i));
            assert!(m.data[4..].iter().all(|&b| b == i as u8), "{i} altered");
            assert_eq!(m.stream as u32, i % 6);
            if !m.unordered {
                if let Some(p) = last[m.stream as usize] {
                    assert!(p < i, "stream {}: {i} after {p}", m.stream);
                }
                last[m.stream as usize] = Some(i);
            }
        }
    }
    assert!(n.ep(0).status(a).unwrap().retransmissions > 0);
}

#[test]
fn partial_reliability_with_i_data_uses_i_forward_tsn() {
    // RFC 8260 2.3: with I-DATA, abandoned messages are skipped with
    // I-FORWARD-TSN (stream, U, MID); later messages on the same streams,
    // ordered and unordered, still arrive; reliable ones all arrive.
    let imp = Impairment {
        loss: 0.15,
        ..Impairment::default()
    };
    let (mut n, a) = setup(imp, true, true, 34);
    let st = n.ep(0).status(a).unwrap();
    assert!(
        st.i_data && st.pr_sctp,
        "I-DATA and PR-SCTP both negotiated"
    );
    let total = 1500u32;
    let mut next = 0u32;
    let ok = n.run_until(Duration::from_secs(600), |n| {
        let now = n.now;
        while next < total {
            let mut body = next.to_be_bytes().to_vec();
            body.resize(300 + (next as usize % 3) * 1000, 0);
            let pr = if next % 2 == 0 {
                sctp_endpoint::PrPolicy::Reliable
            } else {
                sctp_endpoint::PrPolicy::Rtx(0)
            };
            let opts = sctp_endpoint::SendOptions {
                unordered: next % 5 == 0,
                pr,
            };
            match n.ep(0).send_with(now, a, (next % 3) as u16, 0, opts, body) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("{e}"),
            }
        }
        let st = n.ep(0).status(a).unwrap();
        next == total && st.outstanding == 0 && st.queued == 0
    });
    assert!(ok, "the sender never became idle: {:?}", n.ep(0).status(a));
    n.run_until(Duration::from_secs(2), |_| false);
    let mut seen = HashSet::new();
    let mut last = [None::<u32>; 3];
    for e in &n.events[1] {
        if let Event::Message { message: m, .. } = e {
            let i = u32::from_be_bytes(m.data[..4].try_into().unwrap());
            assert!(seen.insert(i), "{i} twice");
            if !m.unordered {
                if let Some(p) = last[m.stream as usize] {
                    assert!(p < i, "stream {}: {i} after {p}", m.stream);
                }
                last[m.stream as usize] = Some(i);
            }
        }
    }
    for i in (0..total).step_by(2) {
        assert!(seen.contains(&i), "reliable {i} missing");
    }
    let st = n.ep(0).status(a).unwrap();
    assert!(st.abandoned.rtx > 0);
    assert!((seen.len() as u32) < total);
    assert_eq!(st.state, sctp_endpoint::State::Established);
}
