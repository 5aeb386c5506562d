//! The Adaptation Layer Indication (RFC 5061 4.2.7, RFC 6458 6.1.6) over
//! the in-memory link: each side's code point travels in its INIT / INIT
//! ACK and the other reports it once the association is up (the passive
//! side through the State Cookie); nothing is reported when unset.

use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::Impairment;
use sctp_endpoint::{AssocChange, Config, Event};

mod memnet;
use memnet::{connect_up, two_nodes};

/// Associates A (active) and B (passive); returns the indications each
/// side reported.
fn run(a_ind: Option<u32>, b_ind: Option<u32>) -> (Vec<u32>, Vec<u32>) {
    let now = Instant::now();
    let cfg = |adaptation_indication| Config {
        adaptation_indication,
        ..Config::default()
    };
    let mut n = two_nodes(
        now,
        Impairment::default(),
        7,
        (cfg(a_ind), 1),
        (cfg(b_ind), 2),
    );
    connect_up(&mut n, now, Duration::from_secs(10));
    let got = |i: usize| -> Vec<u32> {
        let evs = &n.events[i];
        let up_at = evs.iter().position(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        });
        evs.iter()
            .enumerate()
            .filter_map(|(k, e)| match e {
                Event::Adaptation { indication, .. } => {
                    assert!(up_at.is_some_and(|u| u < k), "reported after CommUp");
                    Some(*indication)
                }
                _ => None,
            })
            .collect()
    };
    (got(0), got(1))
}

#[test]
fn each_side_reports_the_peers_indication() {
    assert_eq!(
        run(Some(3), Some(0xdead_beef)),
        (vec![0xdead_beef], vec![3])
    );
}

#[test]
fn only_the_side_whose_peer_sent_one_reports_it() {
    assert_eq!(run(Some(3), None), (vec![], vec![3]));
    assert_eq!(run(None, Some(9)), (vec![9], vec![]));
    assert_eq!(run(None, None), (vec![], vec![]));
}
