//! Explicit Congestion Notification (RFC 9260 Appendix A, RFC 3168) over
//! the in-memory link: negotiated with ECN Capable only when both offer it;
//! Congestion Experienced marks make the receiver send ECNE, the sender cuts
//! its window without any loss and answers with CWR; nothing is
//! retransmitted and every message arrives.

use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{Config, Event};

mod memnet;
use memnet::{connect_up, two_nodes};

/// Sends 3,000 messages of 1,000 bytes A to B; returns (A's cwnd at the
/// end, retransmissions, packets marked CE, ECN negotiated).
fn run(ce: f64, a_ecn: bool, b_ecn: bool) -> (usize, u64, u64, bool) {
    let now = Instant::now();
    let imp = Impairment {
        ce,
        ..Impairment::default()
    };
    let cfg = |ecn| Config {
        ecn,
        ..Config::default()
    };
    let mut n = two_nodes(now, imp, 41, (cfg(a_ecn), 1), (cfg(b_ecn), 2));
    let a = connect_up(&mut n, now, Duration::from_secs(10));
    for i in 0..3000u32 {
        let mut body = i.to_be_bytes().to_vec();
        body.resize(1000, 0);
        n.ep(0).send(a, 0, 1, false, body).unwrap();
    }
    let got = |n: &Network| {
        n.events[1]
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    };
    assert!(n.run_until(Duration::from_secs(120), |n| got(n) == 3000));
    let st = n.ep(0).status(a).unwrap();
    (
        st.cwnd,
        st.retransmissions,
        n.stats.ce_marked,
        n.ep(0).association_config(a).unwrap().ecn,
    )
}

#[test]
fn ce_marks_cut_the_window_without_loss() {
    let (cwnd_clear, rtx_clear, ce_clear, _) = run(0.0, true, true);
    let (cwnd_marked, rtx_marked, ce_marked, _) = run(0.05, true, true);
    eprintln!("no CE: cwnd {cwnd_clear}; 5% CE: {ce_marked} marks, cwnd {cwnd_marked}");
    assert_eq!(ce_clear, 0);
    assert!(ce_marked > 0, "packets were marked");
    assert_eq!(
        (rtx_clear, rtx_marked),
        (0, 0),
        "no loss, no retransmission"
    );
    assert!(
        cwnd_marked * 2 < cwnd_clear,
        "ECNE cut the window: {cwnd_marked} vs {cwnd_clear}"
    );
}

#[test]
fn without_both_sides_offering_it_nothing_is_marked() {
    for (a, b) in [(true, false), (false, true)] {
        let (_, _, ce, _) = run(0.5, a, b);
        assert_eq!(ce, 0, "ECN not negotiated: no packet is ECN capable");
    }
}
